package dev.distill.job.generate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.cli.Main;
import dev.distill.job.error.ExitCode;
import dev.distill.job.io.Json;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Figures for the generate stage against the loopback server (not a test: run it by hand, see the
 * README): calls per second from local[2] with 64 concurrent requests per task, then a fully
 * cached rerun of the same pool (ledger lookup only, no calls).
 *
 * <p>Usage: GenerateBenchmark [rows] [concurrency] [stream] [profile]; defaults 50,000 rows, 64, true
 * (server-sent events), plain (the loopback server's profile, e.g. vllm). Two roles (teacher,
 * classifier) make the ledger hold 2 x rows entries.
 */
public final class GenerateBenchmark {
  public static void main(String[] args) throws Exception {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
    int concurrency = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    boolean stream = args.length <= 2 || Boolean.parseBoolean(args[2]);
    String profile = args.length > 3 ? args[3] : "plain";
    Path dir = Files.createTempDirectory("distill-generate-bench");
    try (BufferedWriter out = Files.newBufferedWriter(dir.resolve("pool.jsonl"))) {
      for (int i = 0; i < rows; i++) {
        out.write(Json.compact(Map.of("problem", "Benchmark question number " + i + ": how many ways are there to arrange " + (i % 97 + 3)
            + " distinct beads on a string of length " + (i % 13 + 5) + "?", "answer", String.valueOf(i))));
        out.write('\n');
      }
    }
    Path key = dir.resolve("key.txt");
    Files.writeString(key, FakeChatServer.KEY);
    try (FakeChatServer server = new FakeChatServer(Map.of())) {
      String yaml = "sources:\n  - {name: bench, path: '" + dir.resolve("pool.jsonl") + "', format: jsonl, fields: {question: problem, answer: answer}}\n"
          + "spark: {master: 'local[2]', conf: {spark.ui.enabled: 'false'}}\n"
          + "generate:\n  base_url: '" + server.baseUrl(profile) + "'\n  api_key_file: '" + key + "'\n"
          + "  teacher: {model: teacher-t, max_tokens: 1000, stream: " + stream + "}\n  classifier: {model: classifier, max_tokens: 100, stream: " + stream + "}\n"
          + "  concurrency: " + concurrency + "\n  ledger_flush_rows: 256\n";
      Path config = dir.resolve("bench.yaml");
      Files.writeString(config, yaml);
      for (String run : new String[] {"calls", "cached", "cached2"}) {
        long start = System.nanoTime();
        int rc = Main.run(new String[] {"generate", "--config", config.toString(), "--output", dir.resolve("out").toString(), "--run-id", run});
        double wall = (System.nanoTime() - start) / 1e9;
        if (rc != ExitCode.OK) {
          throw new IllegalStateException("run " + run + " failed with exit code " + rc);
        }
        JsonNode stages = Json.MAPPER.readTree(dir.resolve("out").resolve(run).resolve("run.json").toFile()).path("stages");
        JsonNode gen = stages.get(1);
        long made = gen.path("calls_made").asLong();
        double callSeconds = gen.path("call_seconds").asDouble();
        System.out.printf(Locale.ROOT, "BENCH generate %-6s %s stream=%s rows=%,d calls_made=%,d cached=%,d stage=%.1fs wall=%.1fs calls/s=%.0f "
            + "tokens/s=%.0f per-row=%.3fms server_hits=%,d%n", run, profile, stream, rows, made, gen.path("calls_cached").asLong(),
            gen.path("seconds").asDouble(), wall, made > 0 ? made / callSeconds : 0.0, made > 0 ? gen.path("tokens").asLong() / callSeconds : 0.0,
            gen.path("seconds").asDouble() * 1000 / rows, server.totalHits());
      }
    } finally {
      try (var paths = Files.walk(dir)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private GenerateBenchmark() {}
}
