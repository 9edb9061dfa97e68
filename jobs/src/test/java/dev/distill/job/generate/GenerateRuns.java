package dev.distill.job.generate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.cli.Main;
import dev.distill.job.io.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** The CLI runs of a generate test under one output directory, and what they wrote: stage tables, run.json figures, ledger segments. */
final class GenerateRuns {
  private final Path out;

  GenerateRuns(Path out) {
    this.out = out;
  }

  /** {@code command --config config --output out --run-id runId more...} in this JVM; its exit code. */
  int cli(String command, Path config, String runId, String... more) {
    List<String> args = new ArrayList<>(List.of(command, "--config", config.toString(), "--output", out.toString(), "--run-id", runId));
    args.addAll(List.of(more));
    return Main.run(args.toArray(new String[0]));
  }

  static SparkSession spark() {
    return SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
  }

  /** A Parquet table of a run, e.g. stages/generate or removed/quality. */
  Dataset<Row> read(String runId, String part) {
    return spark().read().parquet(out.resolve(runId).resolve(part).toString());
  }

  JsonNode runJson(String runId) throws IOException {
    return Json.MAPPER.readTree(out.resolve(runId).resolve("run.json").toFile());
  }

  /** A stage's figures in run.json. */
  JsonNode stage(String runId, String name) throws IOException {
    for (JsonNode s : runJson(runId).path("stages")) {
      if (s.path("name").asText().equals(name)) {
        return s;
      }
    }
    throw new AssertionError("no stage " + name + " in run.json of " + runId);
  }

  /** Every entry of a ledger's segments (before compaction). */
  static Dataset<Row> segments(Path ledger) {
    return spark().read().schema(Ledger.SCHEMA).json(ledger.resolve("segments").toString());
  }
}
