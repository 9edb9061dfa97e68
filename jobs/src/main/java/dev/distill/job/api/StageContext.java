package dev.distill.job.api;

import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.io.Figures;
import dev.distill.job.io.RunDirectory;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** What a stage may use: the session, the configuration, the run directory, and a place for extra stats. */
public final class StageContext {
  private final SparkSession spark;
  private final PipelineConfig config;
  private final RunDirectory run;
  private final Map<String, Object> extraStats = new LinkedHashMap<>();

  public StageContext(SparkSession spark, PipelineConfig config, RunDirectory run) {
    this.spark = spark;
    this.config = config;
    this.run = run;
  }

  public SparkSession spark() {
    return spark;
  }

  public PipelineConfig config() {
    return config;
  }

  public RunDirectory run() {
    return run;
  }

  /** Partitions for shuffles and repartitioning: the configured number, or 2 x the cores Spark has. */
  public int partitions() {
    int configured = config.run().partitions();
    return configured > 0 ? configured : Math.max(2, 2 * spark.sparkContext().defaultParallelism());
  }

  /** Bytes of input per partition when run.partitions is 0: Spark's own default split size. */
  public static final long BYTES_PER_PARTITION = 128L << 20;

  /**
   * Partitions for a pool of {@code inputBytes}: the configured number, or 2 x the cores Spark has
   * and at least one partition per {@value #BYTES_PER_PARTITION} bytes, so a task's rows stay a
   * bounded size however large the pool (1,000,000 s1-shaped candidates are about 14 GB of text).
   */
  public int partitionsFor(long inputBytes) {
    if (config.run().partitions() > 0) {
      return config.run().partitions();
    }
    return (int) Math.max(partitions(), Math.min(100_000, (inputBytes + BYTES_PER_PARTITION - 1) / BYTES_PER_PARTITION));
  }

  /** Records a stage's figures (a record: see {@link Figures}) that go into run.json beside the row counts. */
  public void figures(Record figures) {
    extraStats.putAll(Figures.toMap(figures));
  }

  /** Records a stage-specific figure that goes into run.json beside the row counts. */
  public void stat(String key, Object value) {
    extraStats.put(key, value);
  }

  public Map<String, Object> drainStats() {
    Map<String, Object> copy = new LinkedHashMap<>(extraStats);
    extraStats.clear();
    return copy;
  }
}
