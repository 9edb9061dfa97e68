package dev.distill.job.spark;

import dev.distill.job.conf.PipelineConfig;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** Builds the session a run uses: local[*] by default, whatever spark-submit set otherwise. */
public final class SparkSessions {
  static final String HADOOP_PREFIX = "spark.hadoop.";

  public static SparkSession create(PipelineConfig config) {
    SparkConf conf = new SparkConf();
    if (!conf.contains("spark.master")) {
      conf.setMaster(config.spark().master());
    }
    conf.setIfMissing("spark.app.name", config.spark().appName());
    conf.setIfMissing("spark.ui.showConsoleProgress", "false");
    conf.setIfMissing("spark.sql.session.timeZone", "UTC");
    // The candidate schema is wider than Spark's default of 25 fields printed per plan (a WARN otherwise).
    conf.setIfMissing("spark.sql.debug.maxToStringFields", "100");
    // Secrets never reach the Spark UI or event logs.
    conf.setIfMissing("spark.redaction.regex", redactionRegex(config));
    if (config.run().partitions() > 0) {
      conf.set("spark.sql.shuffle.partitions", String.valueOf(config.run().partitions()));
    }
    for (Map.Entry<String, String> e : config.spark().conf().entrySet()) {
      conf.set(e.getKey(), e.getValue());
    }
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    // A session that already existed in this JVM (tests, notebooks) keeps its SparkContext and
    // ignores the static conf: its Hadoop configuration still gets the run's spark.hadoop.* keys
    // (s3a endpoint and credentials), as a new context would.
    for (Map.Entry<String, String> e : config.spark().conf().entrySet()) {
      if (e.getKey().startsWith(HADOOP_PREFIX)) {
        spark.sparkContext().hadoopConfiguration().set(e.getKey().substring(HADOOP_PREFIX.length()), e.getValue());
      }
    }
    if (!conf.contains("spark.sql.shuffle.partitions")) {
      // Spark's default of 200 shuffle partitions is far too many for a laptop-sized pool.
      spark.conf().set("spark.sql.shuffle.partitions", String.valueOf(Math.max(2, 2 * spark.sparkContext().defaultParallelism())));
    }
    return spark;
  }

  /**
   * The Hadoop configuration of a run without starting Spark, for the checks made before it
   * starts: Hadoop's defaults plus every {@code spark.hadoop.*} key, from the Spark properties
   * already set in this JVM (spark-submit's --conf and spark-defaults.conf) and then from the
   * run's spark.conf, as {@link #create} gives them to the session.
   */
  public static Configuration hadoopConf(PipelineConfig config) {
    Configuration hadoop = new Configuration();
    for (scala.Tuple2<String, String> e : new SparkConf().getAll()) {
      if (e._1().startsWith(HADOOP_PREFIX)) {
        hadoop.set(e._1().substring(HADOOP_PREFIX.length()), e._2());
      }
    }
    for (Map.Entry<String, String> e : config.spark().conf().entrySet()) {
      if (e.getKey().startsWith(HADOOP_PREFIX)) {
        hadoop.set(e.getKey().substring(HADOOP_PREFIX.length()), e.getValue());
      }
    }
    return hadoop;
  }

  /** Spark's usual secret names, plus the environment variables the generate roles read their API keys from. */
  public static String redactionRegex(PipelineConfig config) {
    StringBuilder regex = new StringBuilder("(?i)secret|password|token|access[.]?key|api[._]?key|credential");
    config.generate().roles().stream().map(r -> r.apiKeyEnv()).filter(n -> !n.isEmpty()).distinct().sorted()
        .forEach(n -> regex.append('|').append(Pattern.quote(n)));
    return regex.toString();
  }

  private SparkSessions() {}
}
