package dev.distill.job.api;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.xxhash64;

import dev.distill.job.io.StageResult;
import dev.distill.job.io.RunDirectory;
import dev.distill.job.schema.Columns;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
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

  /**
   * The most 8-byte keys a stage broadcasts to its tasks to filter rows by a hash join (about
   * 64 MB in each executor's hash relation): here the removed rows' keys, in dedup the shared LSH
   * band keys. Past it, the stage takes a path that needs no broadcast.
   */
  public static final long MAX_BROADCAST_KEYS = 4_000_000;

  public static StageResult run(Stage stage, StageContext context, Dataset<Row> input) {
    long start = System.nanoTime();
    RunDirectory run = context.run();
    Dataset<Row> output = stage.apply(context, input);
    String keptDir = run.stage(stage.name());
    String removedDir = run.removed(stage.name());
    Counts counts = stage.keptFromInput()
        .map(kept -> writeRemovedFirst(context, input, output, kept, keptDir, removedDir))
        .orElseGet(() -> write(output, keptDir, removedDir));
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

  /**
   * Writes a stage whose kept rows are its input rows ({@link Stage#keptFromInput}): the verdicts
   * are computed once, for the removed rows' write; the kept rows are the input less the removed
   * rows' keys (source, origin), matched by a 64-bit hash broadcast to the tasks, so no job holds
   * the judged pool. The counts must reconcile (input = kept + removed); where they do not (two
   * keys with one hash) or too many rows were removed to broadcast, the kept rows are written from
   * the verdicts, computed again.
   */
  static Counts writeRemovedFirst(StageContext context, Dataset<Row> input, Dataset<Row> flagged, UnaryOperator<Dataset<Row>> keptFromInput,
      String keptDir, String removedDir) {
    flagged.filter(col(Columns.REASON).isNotNull()).write().mode(SaveMode.Overwrite).parquet(removedDir);
    Counts removed = count(context.spark().read().parquet(removedDir));
    long removedRows = removed.total();
    long inputRows = input.count();
    if (removedRows <= MAX_BROADCAST_KEYS) {
      Dataset<Row> removedKeys = context.spark().read().parquet(removedDir).select(rowKey().as("_removed_key"));
      keptFromInput.apply(input.join(broadcast(removedKeys), rowKey().equalTo(col("_removed_key")), "left_anti"))
          .write().mode(SaveMode.Overwrite).parquet(keptDir);
      long kept = context.spark().read().parquet(keptDir).count();
      if (kept + removedRows == inputRows) {
        context.stat("kept_rows_from", "input less removed keys");
        return new Counts(kept, removed.removed());
      }
    }
    context.stat("kept_rows_from", "verdicts computed again");
    flagged.filter(col(Columns.REASON).isNull()).drop(Columns.REASON, Columns.DETAIL)
        .write().mode(SaveMode.Overwrite).parquet(keptDir);
    return new Counts(context.spark().read().parquet(keptDir).count(), removed.removed());
  }

  private static org.apache.spark.sql.Column rowKey() {
    return xxhash64(col(Columns.SOURCE), col(Columns.ORIGIN));
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
