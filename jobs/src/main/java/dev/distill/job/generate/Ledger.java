package dev.distill.job.generate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Every request ever made and what came back, keyed by a hash of (model, messages, parameters).
 *
 * <p>Layout under the ledger directory: {@code segments/*.jsonl}, small files each generation task
 * writes atomically as responses arrive (so a crash loses at most one flush interval), and
 * {@code tables/<batch>/}, Parquet batches the driver compacts the segments into after a stage.
 * A key may appear more than once (a retried failure, a crash between compaction and cleanup);
 * {@link #latest} picks one entry per key: the first reply (or rejection), else the last failure.
 */
public final class Ledger {
  public static final StructType SCHEMA = new StructType()
      .add("key", DataTypes.StringType, false)
      .add("call_key", DataTypes.StringType, true)
      .add("choice", DataTypes.IntegerType, true)
      .add("role", DataTypes.StringType, true)
      .add("name", DataTypes.StringType, true)
      .add("model", DataTypes.StringType, true)
      .add("status", DataTypes.StringType, false)
      .add("content", DataTypes.StringType, true)
      .add("reasoning", DataTypes.StringType, true)
      .add("finish_reason", DataTypes.StringType, true)
      .add("prompt_tokens", DataTypes.LongType, true)
      .add("completion_tokens", DataTypes.LongType, true)
      .add("reasoning_tokens", DataTypes.LongType, true)
      .add("usage", DataTypes.StringType, true)
      .add("cost_usd", DataTypes.DoubleType, true)
      .add("cost_basis", DataTypes.StringType, true)
      .add("abandoned_attempts", DataTypes.IntegerType, true)
      .add("latency_ms", DataTypes.LongType, true)
      .add("attempts", DataTypes.IntegerType, true)
      .add("http_status", DataTypes.IntegerType, true)
      .add("error", DataTypes.StringType, true)
      .add("request", DataTypes.StringType, true)
      .add("run_id", DataTypes.StringType, true)
      .add("batch_id", DataTypes.StringType, true)
      .add("created_at", DataTypes.StringType, true);

  /** A reply that ended on its own. */
  public static final String OK = "ok";
  /** A reply cut at max_tokens: kept (it was paid), never used as a trace; a larger max_tokens is another request. */
  public static final String TRUNCATED = "truncated";
  /** The server refused the request itself (400/404/413/422, context overflow), or distill did (context window): never sent again. */
  public static final String REJECTED = "rejected";
  /** No usable reply after the retries: called again on a later run when generate.retry_failed. */
  public static final String ERROR = "error";

  private final String dir;
  private final Configuration hadoop;

  public Ledger(String dir, Configuration hadoop) {
    this.dir = dir.endsWith("/") ? dir.substring(0, dir.length() - 1) : dir;
    this.hadoop = hadoop;
  }

  public String dir() {
    return dir;
  }

  public String segments() {
    return dir + "/segments";
  }

  public String tables() {
    return dir + "/tables";
  }

  /** Every entry, segments and compacted tables together. */
  public Dataset<Row> all(SparkSession spark) {
    Dataset<Row> all = spark.createDataFrame(List.of(), SCHEMA);
    List<String> segments = files(segments(), ".jsonl");
    if (!segments.isEmpty()) {
      all = all.unionByName(spark.read().schema(SCHEMA).json(segments.toArray(new String[0])));
    }
    List<String> tables = committedTables();
    if (!tables.isEmpty()) {
      all = all.unionByName(spark.read().schema(SCHEMA).parquet(tables.toArray(new String[0])));
    }
    return all;
  }

  /** Keys settled for good: a reply (whole or truncated) or a rejection; only errors are worth another call. */
  public Dataset<Row> settledKeys(SparkSession spark) {
    return all(spark).filter(col("status").notEqual(ERROR)).select("key").distinct();
  }

  /** Keys with any entry, successful or not. */
  public Dataset<Row> knownKeys(SparkSession spark) {
    return all(spark).select("key").distinct();
  }

  /** One entry per key: the earliest reply or rejection, else the latest failure. */
  public Dataset<Row> latest(SparkSession spark) {
    return pickOne(all(spark));
  }

  /** {@link #latest} restricted to {@code keys} (a dataset with a key column), so only those entries are shuffled. */
  public Dataset<Row> latestFor(SparkSession spark, Dataset<Row> keys) {
    return pickOne(all(spark).join(keys.select("key").distinct(), "key", "left_semi"));
  }

  private static Dataset<Row> pickOne(Dataset<Row> entries) {
    return entries
        .withColumn("_rank", row_number().over(Window.partitionBy(col("key")).orderBy(
            when(col("status").equalTo(OK), 0).when(col("status").notEqual(ERROR), 1).otherwise(2),
            when(col("status").notEqual(ERROR), col("created_at")).otherwise(null).asc_nulls_last(),
            col("created_at").desc(), col("run_id"), col("content"))))
        .filter(col("_rank").equalTo(1))
        .drop("_rank");
  }

  /**
   * Folds the segment files present now into one Parquet batch under tables/ and deletes them.
   * Readers dedupe by key, so a crash between the write and the delete loses nothing.
   *
   * @return how many segment files were compacted
   */
  public int compact(SparkSession spark, String batchId) {
    List<String> segments = files(segments(), ".jsonl");
    if (segments.isEmpty()) {
      return 0;
    }
    Dataset<Row> batch = spark.read().schema(SCHEMA).json(segments.toArray(new String[0]));
    int partitions = Math.max(1, Math.min(spark.sparkContext().defaultParallelism(), segments.size() / 64 + 1));
    batch.sortWithinPartitions("key").coalesce(partitions).write().mode(SaveMode.Overwrite).parquet(tables() + "/" + batchId);
    try {
      for (String s : segments) {
        Path p = new Path(s);
        p.getFileSystem(hadoop).delete(p, false);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot remove compacted ledger segments under " + segments() + ": " + e.getMessage(), e);
    }
    return segments.size();
  }

  private List<String> committedTables() {
    List<String> out = new ArrayList<>();
    try {
      Path root = new Path(tables());
      FileSystem fs = root.getFileSystem(hadoop);
      if (!fs.exists(root)) {
        return out;
      }
      for (FileStatus s : fs.listStatus(root)) {
        if (s.isDirectory() && fs.exists(new Path(s.getPath(), "_SUCCESS"))) {
          out.add(s.getPath().toString());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list the ledger tables under " + tables() + ": " + e.getMessage(), e);
    }
    out.sort(null);
    return out;
  }

  private List<String> files(String dir, String suffix) {
    return files(dir, suffix, "", hadoop);
  }

  /** Files directly under {@code dir} named prefix*suffix (hidden temporaries excluded). */
  static List<String> files(String dir, String suffix, String prefix, Configuration hadoop) {
    List<String> out = new ArrayList<>();
    try {
      Path root = new Path(dir);
      FileSystem fs = root.getFileSystem(hadoop);
      if (!fs.exists(root)) {
        return out;
      }
      for (FileStatus s : fs.listStatus(root)) {
        String name = s.getPath().getName();
        if (s.isFile() && name.endsWith(suffix) && name.startsWith(prefix) && !name.startsWith(".") && !name.startsWith("_")) {
          out.add(s.getPath().toString());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + dir + ": " + e.getMessage(), e);
    }
    out.sort(null);
    return out;
  }
}
