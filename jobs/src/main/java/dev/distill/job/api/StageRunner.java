package dev.distill.job.api;

import static org.apache.spark.sql.functions.col;

import dev.distill.job.io.StageResult;
import dev.distill.job.io.RunDirectory;
import dev.distill.job.schema.Columns;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.storage.StorageLevel;

/** Runs one filtering stage: kept rows to stages/<name>/, dropped rows with their reason to removed/<name>/. */
public final class StageRunner {

  /** Rows a stage kept and removed (per reason). */
  public record Counts(long kept, Map<String, Long> removed) {
    public long total() {
      return kept + removed.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  public static StageResult run(Stage stage, StageContext context, Dataset<Row> input) {
    long start = System.nanoTime();
    RunDirectory run = context.run();
    Counts counts = write(stage.apply(context, input), run.stage(stage.name()), run.removed(stage.name()));
    return new StageResult(stage.name(), counts.total(), counts.kept(), counts.removed(), (System.nanoTime() - start) / 1e9, context.drainStats());
  }

  /** Writes the rows without a reason to {@code keptDir} (reason and detail dropped) and the others to {@code removedDir}. */
  public static Counts write(Dataset<Row> output, String keptDir, String removedDir) {
    Dataset<Row> flagged = output.persist(StorageLevel.MEMORY_AND_DISK());
    try {
      flagged.filter(col(Columns.REASON).isNull()).drop(Columns.REASON, Columns.DETAIL)
          .write().mode(SaveMode.Overwrite).parquet(keptDir);
      flagged.filter(col(Columns.REASON).isNotNull())
          .write().mode(SaveMode.Overwrite).parquet(removedDir);
      return count(flagged);
    } finally {
      flagged.unpersist();
    }
  }

  /** Kept (reason null) and removed rows per reason of a flagged dataset. */
  public static Counts count(Dataset<Row> flagged) {
    Map<String, Long> removed = new TreeMap<>();
    long kept = 0;
    for (Row r : flagged.groupBy(Columns.REASON).count().collectAsList()) {
      if (r.isNullAt(0)) {
        kept = r.getLong(1);
      } else {
        removed.put(r.getString(0), r.getLong(1));
      }
    }
    return new Counts(kept, removed);
  }

  private StageRunner() {}
}
