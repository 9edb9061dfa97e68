package dev.distill.job.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train.parquet written alone from kept rows spread over several partitions. */
class ParquetPartTest {

  @Test
  void writesOneParquetFileWithTheKeptRowsInOrderReplacingAnOldOne(@TempDir Path run) throws Exception {
    Dataset<Row> kept = TrainRows.kept(Bundles.trainRows("drop"));
    List<Row> expected = kept.collectAsList();
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
    Dataset<Row> spread = SparkTestSession.get().createDataFrame(sc.parallelize(expected, 3), BundleSchema.SCHEMA);
    assertEquals(3, spread.rdd().getNumPartitions());
    Path target = run.resolve("handoff").resolve(ExportStage.PARQUET);
    Files.createDirectories(target.getParent());
    Files.writeString(target, "an earlier export's file");

    ParquetPart.write(Bundles.handoff(run), spread);

    assertTrue(Files.isRegularFile(target), "one file, not Spark's directory of parts");
    assertFalse(Files.exists(run.resolve("handoff").resolve(ExportStage.PARQUET + ".tmp")));
    Dataset<Row> read = SparkTestSession.get().read().parquet(target.toString());
    assertEquals(BundleSchema.COLUMNS, List.of(read.schema().fieldNames()));
    List<Row> rows = read.collectAsList();
    assertEquals(5, rows.size());
    for (int i = 0; i < rows.size(); i++) {
      assertEquals(expected.get(i).<String>getAs("question"), rows.get(i).getAs("question"), "row " + i);
      assertEquals(expected.get(i).<String>getAs("text"), rows.get(i).getAs("text"), "row " + i);
    }
  }
}
