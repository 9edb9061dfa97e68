package dev.distill.job.generate;

import dev.distill.job.SparkTestSession;
import dev.distill.job.conf.GenerateConfig;
import dev.distill.job.error.BatchesPendingException;
import dev.distill.job.io.Console;
import dev.distill.job.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * Figures for batch mode against the loopback batch server (not a test: run it by hand, see the
 * README): how many batch files a teacher pass of {@code requests} requests makes and how long
 * writing and uploading them takes, then what attaching to the batches in flight costs a later
 * run, both with the provider's limit (50,000 requests a file) and with 100 batches in flight.
 *
 * <p>Usage: BatchBenchmark [requests]; default 70,000.
 */
public final class BatchBenchmark {
  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 70_000;
    Path dir = Files.createTempDirectory("distill-batch-bench");
    Path key = dir.resolve("key.txt");
    Files.writeString(key, FakeChatServer.KEY);
    SparkSession spark = SparkTestSession.get();
    try (FakeChatServer chat = new FakeChatServer(Map.of()); FakeBatchServer server = new FakeBatchServer(chat)) {
      server.hold();
      for (int maxRequests : new int[] {0, (n + 99) / 100}) {
        GenerateConfig g = SparkTestSession.config("generate.base_url=" + server.baseUrl("openai"), "generate.api_key_file=" + key,
            "generate.teacher={model: teacher-r, max_tokens: 32768, price_input: 0.55, price_output: 2.19, mode: batch}",
            "generate.batch.action=submit", "generate.batch.max_requests=" + maxRequests).generate();
        Dataset<Row> missing = spark.createDataFrame(requests(g.teacher(), n), CallPlanner.SCHEMA).cache();
        missing.count();
        Ledger ledger = new Ledger(dir.resolve("ledger-" + maxRequests).toString(), spark.sparkContext().hadoopConfiguration());
        double submit = round(spark, g, ledger, missing, "submit", maxRequests);
        double attach = round(spark, g, ledger, missing, "attach", maxRequests);
        System.out.printf(Locale.ROOT, "BENCH batch attach/submit = %.3f%n", attach / submit);
        missing.unpersist();
      }
    } finally {
      try (var paths = Files.walk(dir)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** One run's start on the ledger: the first submits every request, the next attaches to the batches in flight. */
  private static double round(SparkSession spark, GenerateConfig g, Ledger ledger, Dataset<Row> missing, String label, int maxRequests)
      throws InterruptedException {
    GenerateProgress.Counters counters = GenerateProgress.Counters.register(spark.sparkContext(), "bench." + label + maxRequests);
    Map<String, GenerateConfig.Role> roles = new LinkedHashMap<>();
    roles.put(g.teacher().name(), g.teacher());
    BatchRound round = new BatchRound(g, roles, GenerateStage.apiKeys(g, Map.of()), ledger, spark.sparkContext().hadoopConfiguration(),
        counters, new SpendingCap(0), new Console(new java.io.PrintStream(java.io.OutputStream.nullOutputStream())), "bench", "bench-" + label, label);
    long start = System.nanoTime();
    round.start(missing);
    double seconds = (System.nanoTime() - start) / 1e9;
    try {
      round.finish();
    } catch (BatchesPendingException expected) {
      // submit-only: the batches stay in flight for the next round to attach to
    }
    BatchRound.Figures f = round.figures();
    System.out.printf(Locale.ROOT, "BENCH batch %-6s requests=%,d max_requests=%s batches_submitted=%d requests/batch=%,d upload=%.2fs "
        + "batches_attached=%d start=%.2fs%n", label, missing.count(), maxRequests == 0 ? "provider (50,000)" : String.valueOf(maxRequests),
        f.submitted, f.submitted == 0 ? 0 : f.requestsSubmitted / f.submitted, f.uploadSeconds, f.attached, seconds);
    return seconds;
  }

  /** {@code n} teacher requests as the planner writes them, each question about 300 characters. */
  private static List<Row> requests(GenerateConfig.Role teacher, int n) {
    List<Row> rows = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String question = "Benchmark question " + i + ": let $P(x)$ be a polynomial of degree " + (i % 7 + 3) + " with integer coefficients such "
          + "that $P(k) = k^2 + " + (i % 101) + "$ for $k = 1, 2, \\ldots, " + (i % 11 + 4) + "$. Find the remainder when $P(" + (i % 89 + 20)
          + ")$ is divided by $1000$, and justify each step of the argument carefully.";
      Map<String, Object> body = CallPlanner.body(teacher, teacher.prompt().render(Map.of("question", question)), null, 1, teacher.maxTokens());
      String callKey = Json.canonicalSha256(body);
      rows.add(RowFactory.create("rk" + i, "teacher", callKey, callKey, "teacher", teacher.name(), teacher.model(), Json.compact(body),
          question.length(), teacher.maxTokens(), 1, 0, false, null));
    }
    return rows;
  }

  private BatchBenchmark() {}
}
