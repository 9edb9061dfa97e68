package dev.distill.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.distill.job.api.Stage;
import dev.distill.job.api.StageContext;
import dev.distill.job.api.StageRunner;
import dev.distill.job.io.StageResult;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Runs a stage whose kept rows come from its input ({@link Stage#keptFromInput}) and checks its two
 * outputs, row by row and with their schemas, against those of writing both from the cached
 * verdicts ({@link StageRunner#write}).
 */
public final class KeptFromInputCheck {

  public static StageResult run(Stage stage, StageContext context, Dataset<Row> input, Path scratch) {
    StageResult result = StageRunner.run(stage, context, input);
    assertEquals("input less removed keys", result.extra().get("kept_rows_from"), "the kept rows came from the input");
    String keptDir = scratch.resolve("verdicts/kept").toString();
    String removedDir = scratch.resolve("verdicts/removed").toString();
    StageRunner.Counts verdicts = StageRunner.write(stage.apply(context, input), keptDir, removedDir);
    assertEquals(verdicts.kept(), result.rowsOut());
    assertEquals(verdicts.removed(), result.removed());
    assertSameRows(context, keptDir, context.run().stage(stage.name()));
    assertSameRows(context, removedDir, context.run().removed(stage.name()));
    return result;
  }

  private static void assertSameRows(StageContext context, String expectedDir, String actualDir) {
    Dataset<Row> expected = context.spark().read().parquet(expectedDir);
    Dataset<Row> actual = context.spark().read().parquet(actualDir);
    assertEquals(expected.schema(), actual.schema(), actualDir);
    assertEquals(sorted(expected), sorted(actual), actualDir);
  }

  private static List<String> sorted(Dataset<Row> rows) {
    return rows.collectAsList().stream().map(Row::toString).sorted().toList();
  }

  private KeptFromInputCheck() {}
}
