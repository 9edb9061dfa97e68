package dev.distill.job.api;

import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.run.RunDirectory;
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
