package dev.distill.job.cli;

import dev.distill.job.conf.ConfigLoader;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.error.ConfigException;
import dev.distill.job.spark.SparkSessions;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.UnsupportedFileSystemException;

/**
 * {@code --config}: a local YAML file, or any Hadoop filesystem URI ({@code s3a://bucket/conf.yaml},
 * {@code abfss://...}, {@code dbfs:/...}) read with the filesystem settings the run itself starts
 * from: spark-submit's {@code --conf spark.hadoop.*}, spark-defaults.conf and {@code --set spark.conf=...}
 * (the file's own spark.conf cannot apply to reading it).
 */
final class ConfigFile {

  /** The merged, validated config tree of {@code location} (null: none, the defaults) and {@code sets}. */
  static Map<String, Object> load(String location, List<String> sets) {
    ConfigLoader loader = ConfigLoader.fromSystemEnv();
    if (location == null) {
      return loader.load((Path) null, sets);
    }
    if (!isUri(location)) {
      return loader.load(Path.of(location), sets);
    }
    return loader.load(location, read(location, hadoopConf(sets)), sets);
  }

  /**
   * The Hadoop configuration before any config file is read: the JVM's Spark properties and the
   * command's {@code --set spark...} overrides (the others cannot change it, and need not be valid
   * on their own: they may complete a config not read yet).
   */
  static Configuration hadoopConf(List<String> sets) {
    List<String> spark = sets.stream().filter(s -> s.startsWith("spark.")).toList();
    return SparkSessions.hadoopConf(PipelineConfig.from(ConfigLoader.fromSystemEnv().load((Path) null, spark)));
  }

  /** A URI with a scheme (s3a://, hdfs://, file:/, dbfs:/); "C:\..." and plain paths are local files. */
  static boolean isUri(String location) {
    return location.matches("[A-Za-z][A-Za-z0-9+.-]+:/.*");
  }

  private static String read(String location, Configuration hadoop) {
    org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(location);
    try {
      FileSystem fs = path.getFileSystem(hadoop);
      try (InputStream in = fs.open(path)) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (FileNotFoundException e) {
      throw new ConfigException("Cannot read config file " + location + ": no such file or object; pass an existing YAML file to --config "
          + "(a local path or a Hadoop URI such as s3a://bucket/conf.yaml)");
    } catch (UnsupportedFileSystemException e) {
      throw new ConfigException("Cannot read config file " + location + ": " + e.getMessage() + "; use a local path, s3a://, hdfs:// "
          + "or another filesystem on the classpath");
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read config file " + location + ": " + e.getMessage(), e);
    }
  }

  private ConfigFile() {}
}
