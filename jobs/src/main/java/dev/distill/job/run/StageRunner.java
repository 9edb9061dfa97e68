package dev.distill.job.run;

import static org.apache.spark.sql.functions.col;

import dev.distill.job.api.Stage;
import dev.distill.job.api.StageContext;
import dev.distill.job.api.StageResult;
import dev.distill.job.schema.Columns;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.storage.StorageLevel;

/** Runs one filtering stage: kept rows to stages/<name>/, dropped rows with their reason to removed/<name>/. */
public final class StageRunner {

  public static StageResult run(Stage stage, StageContext context, Dataset<Row> input) {
    long start = System.nanoTime();
    RunDirectory run = context.run();
    Dataset<Row> flagged = stage.apply(context, input).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      flagged.filter(col(Columns.REASON).isNull()).drop(Columns.REASON, Columns.DETAIL)
          .write().mode(SaveMode.Overwrite).parquet(run.stage(stage.name()));
      flagged.filter(col(Columns.REASON).isNotNull())
          .write().mode(SaveMode.Overwrite).parquet(run.removed(stage.name()));
      Map<String, Long> removed = new TreeMap<>();
      long kept = 0;
      for (Row r : flagged.groupBy(Columns.REASON).count().collectAsList()) {
        if (r.isNullAt(0)) {
          kept = r.getLong(1);
        } else {
          removed.put(r.getString(0), r.getLong(1));
        }
      }
      long total = kept + removed.values().stream().mapToLong(Long::longValue).sum();
      double seconds = (System.nanoTime() - start) / 1e9;
      return new StageResult(stage.name(), total, kept, removed, seconds, context.drainStats());
    } finally {
      flagged.unpersist();
    }
  }

  private StageRunner() {}
}
