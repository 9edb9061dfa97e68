package dev.distill.job.grade;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.job.error.ConfigException;
import dev.distill.job.ingest.RecordReader;
import dev.distill.job.source.SourceSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/**
 * Reads the rows of one file of model outputs, in file order, numbered from 1: JSON Lines, a JSON
 * array (or an object holding one), CSV and zips of those through the ingest readers (no Spark);
 * Parquet (a {@code .parquet} file or a directory of them) through a local Spark session.
 */
final class GradeInput {

  /** Receives the rows of the file. */
  interface RowSink {
    /** One readable row; {@code row} counts every record of the file from 1, unreadable ones included. */
    void row(long row, JsonNode record);

    /** A record that could not be read: where it is, and why. */
    void unreadable(long row, long line, String error);
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private GradeInput() {}

  /**
   * Reads every row of {@code file} into {@code sink}.
   *
   * @throws ConfigException when the file does not exist or its format is unknown
   * @throws IOException when reading fails
   */
  static void read(Path file, RowSink sink) throws IOException {
    checkExists(file);
    if (isParquet(file)) {
      readParquet(file, sink);
      return;
    }
    if (Files.isDirectory(file)) {
      throw new ConfigException("Cannot grade " + file + ": it is a directory without .parquet files;"
          + " give one JSON Lines, JSON, CSV, zip or Parquet file with --input");
    }
    SourceSpec spec = SourceSpec.fromMap(Map.of("name", file.toString(), "path", file.toString(),
        "fields", Map.of("question", "unused")), "--input");
    try (InputStream in = Files.newInputStream(file)) {
      RecordReader.read(file.getFileName().toString(), in, spec, new RecordReader.RecordSink() {
        long next = 1;

        @Override
        public void record(JsonNode record, long line, long index) {
          next = index + 2;
          sink.row(index + 1, record);
        }

        @Override
        public void unreadable(long line, String error, String rawSnippet) {
          sink.unreadable(next++, line, error);
        }
      });
    } catch (IOException e) {
      if (e.getMessage() != null && e.getMessage().startsWith("Cannot detect the format")) {
        throw new ConfigException("Cannot grade " + file + ": the name does not end in .jsonl, .json, .csv, .zip or .parquet"
            + " and the content is not JSON; rename the file with the extension of its format");
      }
      throw e;
    }
  }

  /** @throws ConfigException when {@code file} does not exist */
  static void checkExists(Path file) {
    if (!Files.exists(file)) {
      throw new ConfigException("Cannot grade " + file + ": no such file; check --input (relative paths start from "
          + Path.of("").toAbsolutePath() + ")");
    }
  }

  static boolean isParquet(Path file) throws IOException {
    if (Files.isDirectory(file)) {
      try (Stream<Path> files = Files.list(file)) {
        return files.anyMatch(f -> f.getFileName().toString().endsWith(".parquet"));
      }
    }
    return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".parquet");
  }

  /**
   * Parquet rows as JSON, in file order (Spark leaves out null fields, which therefore read as
   * absent). Uses the active Spark session when there is one, else starts a local one for the read.
   */
  private static void readParquet(Path file, RowSink sink) throws IOException {
    SparkSession active = SparkSession.getActiveSession().isDefined() ? SparkSession.getActiveSession().get()
        : SparkSession.getDefaultSession().isDefined() ? SparkSession.getDefaultSession().get() : null;
    SparkSession spark = active != null ? active : SparkSession.builder()
        .master("local[1]")
        .appName("distill grade")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate();
    try {
      Iterator<String> rows = spark.read().parquet(file.toAbsolutePath().toString()).toJSON().toLocalIterator();
      long row = 0;
      while (rows.hasNext()) {
        row++;
        sink.row(row, JSON.readTree(rows.next()));
      }
    } finally {
      if (active == null) {
        spark.stop();
      }
    }
  }
}
