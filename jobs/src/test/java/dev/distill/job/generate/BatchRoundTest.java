package dev.distill.job.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.distill.job.SparkTestSession;
import dev.distill.job.conf.GenerateConfig;
import dev.distill.job.error.BatchesPendingException;
import dev.distill.job.error.ExitCode;
import dev.distill.job.io.Console;
import dev.distill.job.io.Json;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** The cost cap over batches: each submitted at its worst case, held by every later run until collected. */
class BatchRoundTest {

  @Test
  void theCapCountsBatchesInFlightAtTheirWorstCaseAcrossRuns() throws Exception {
    Path dir = Files.createTempDirectory("distill-batch-round");
    Path key = dir.resolve("key.txt");
    Files.writeString(key, FakeChatServer.KEY);
    SparkSession spark = SparkTestSession.get();
    try (FakeChatServer chat = new FakeChatServer(Map.of()); FakeBatchServer server = new FakeBatchServer(chat)) {
      server.hold();
      GenerateConfig probe = config(server, key, "generate.batch.action=submit");
      List<Row> rows = new ArrayList<>();
      double worstCase = 0;
      for (int i = 0; i < 5; i++) {
        Map<String, Object> body = CallPlanner.body(probe.teacher(), "Question " + i + ": what is " + i + " squared?", null, 1, 1000);
        String json = Json.compact(body);
        worstCase = probe.teacher().batchCost(GenerationTask.worstCasePromptTokens(json), 1000);
        rows.add(RowFactory.create("rk" + i, "teacher", Json.canonicalSha256(body), Json.canonicalSha256(body), "teacher", "teacher",
            "teacher-r", json, 40, 1000, 1, 0, false, null));
      }
      Dataset<Row> missing = spark.createDataFrame(rows, CallPlanner.SCHEMA);
      Ledger ledger = new Ledger(dir.resolve("ledger").toString(), spark.sparkContext().hadoopConfiguration());
      double budget = worstCase * 2.5;

      GenerateProgress.Counters first = GenerateProgress.Counters.register(spark.sparkContext(), "test.cap.first");
      BatchRound submitting = round(probe, ledger, first, budget, spark).start(missing);
      BatchesPendingException pending = assertThrows(BatchesPendingException.class, submitting::finish);
      assertEquals(ExitCode.OK, pending.exitCode(), "--submit-only exits 0 with batches in flight");
      assertEquals(2, server.submitted().size(), "two requests fit the cap at their worst case");
      assertEquals(3, first.capped().value());

      GenerateProgress.Counters second = GenerateProgress.Counters.register(spark.sparkContext(), "test.cap.second");
      BatchRound attaching = round(config(server, key, "generate.batch.action=collect"), ledger, second, budget, spark).start(missing);
      assertEquals(ExitCode.PENDING, assertThrows(BatchesPendingException.class, attaching::finish).exitCode());
      assertEquals(2, server.submitted().size(), "the batch in flight still holds its worst case: nothing more fits");
      assertEquals(1, attaching.figures().attached);
      assertEquals(3, second.capped().value());
    }
  }

  private static GenerateConfig config(FakeBatchServer server, Path key, String action) {
    return SparkTestSession.config("generate.base_url=" + server.baseUrl("openai"), "generate.api_key_file=" + key,
        "generate.teacher={model: teacher-r, max_tokens: 1000, price_input: 2, price_output: 8, mode: batch}", action).generate();
  }

  private static BatchRound round(GenerateConfig g, Ledger ledger, GenerateProgress.Counters counters, double budget, SparkSession spark) {
    return new BatchRound(g, Map.of("teacher", g.teacher()), GenerateStage.apiKeys(g, Map.of()), ledger, spark.sparkContext().hadoopConfiguration(),
        counters, budget, new Console(new PrintStream(OutputStream.nullOutputStream())), "test", "test", "test");
  }
}
