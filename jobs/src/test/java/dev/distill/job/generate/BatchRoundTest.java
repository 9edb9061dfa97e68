package dev.distill.job.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.SparkTestSession;
import dev.distill.job.conf.GenerateConfig;
import dev.distill.job.error.BatchesPendingException;
import dev.distill.job.error.ConfigException;
import dev.distill.job.error.ExitCode;
import dev.distill.job.error.Failures;
import dev.distill.job.error.GenerationStoppedException;
import dev.distill.job.io.Console;
import dev.distill.job.io.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Batch rounds against the loopback batch server: the stage's one cost cap (batches in flight at
 * their worst case, held by every later run until collected, and what online calls may spend),
 * transient errors submitted again without a ledger error, batches the provider forgot, and
 * batches created before their id was recorded.
 */
class BatchRoundTest {
  private static final int MAX_TOKENS = 1000;

  private final SparkSession spark = SparkTestSession.get();
  private final ByteArrayOutputStream log = new ByteArrayOutputStream();
  private Path dir;
  private Path key;
  private Ledger ledger;
  /** Each round writes its own ledger segments. */
  private int rounds;

  @BeforeEach
  void setUp() throws IOException {
    dir = Files.createTempDirectory("distill-batch-round");
    key = dir.resolve("key.txt");
    Files.writeString(key, FakeChatServer.KEY);
    ledger = new Ledger(dir.resolve("ledger").toString(), spark.sparkContext().hadoopConfiguration());
  }

  @Test
  void theCapCountsBatchesInFlightAtTheirWorstCaseAcrossRuns() throws Exception {
    try (FakeChatServer chat = new FakeChatServer(Map.of()); FakeBatchServer server = new FakeBatchServer(chat)) {
      server.hold();
      GenerateConfig probe = config(server, "generate.batch.action=submit");
      Dataset<Row> missing = missing(probe, 5, "");
      double budget = worstCase(probe, 0) * 2.5;

      GenerateProgress.Counters first = counters("first");
      BatchRound submitting = round(probe, first, new SpendingCap(budget)).start(missing);
      BatchesPendingException pending = assertThrows(BatchesPendingException.class, submitting::finish);
      assertEquals(ExitCode.OK, pending.exitCode(), "--submit-only exits 0 with batches in flight");
      assertEquals(2, server.submitted().size(), "two requests fit the cap at their worst case");
      assertEquals(3, first.capped().value());

      GenerateProgress.Counters second = counters("second");
      BatchRound attaching = round(config(server, "generate.batch.action=collect"), second, new SpendingCap(budget)).start(missing);
      assertEquals(ExitCode.PENDING, assertThrows(BatchesPendingException.class, attaching::finish).exitCode());
      assertEquals(2, server.submitted().size(), "the batch in flight still holds its worst case: nothing more fits");
      assertEquals(1, attaching.figures().attached);
      assertEquals(3, second.capped().value());
    }
  }

  /**
   * A --collect run downloads a batch that ended (billed at its worst case: every reply reaches
   * max_tokens) and then calls the online roles: they get only what the batch left of the cap, so
   * batch and online spending together stay within it.
   */
  @Test
  void onlineCallsGetOnlyWhatTheBatchesLeftOfTheCap() throws Exception {
    Map<String, String> answers = new java.util.HashMap<>();
    for (int i = 0; i < 5; i++) {
      answers.put(question(i, " [length]"), String.valueOf(i * i));
    }
    try (FakeChatServer chat = new FakeChatServer(answers); FakeBatchServer server = new FakeBatchServer(chat)) {
      server.hold();
      GenerateConfig g = config(server, "generate.batch.action=submit", "generate.teacher.price_input=0");
      Dataset<Row> missing = missing(g, 5, " [length]");
      double worstCase = worstCase(g, 0);
      double budget = worstCase * 2.5;
      assertThrows(BatchesPendingException.class, round(g, counters("submit"), new SpendingCap(budget)).start(missing)::finish);
      assertEquals(2, server.submitted().size());
      server.release();
      Thread.sleep(4 * FakeBatchServer.STEP_MS);

      SpendingCap cap = new SpendingCap(budget);
      GenerateProgress.Counters counters = counters("collect");
      BatchRound collecting = round(config(server, "generate.batch.action=collect", "generate.teacher.price_input=0"), counters, cap)
          .start(missing);
      assertEquals(2 * worstCase, counters.costMicros().value() / 1e6, 1e-6, "each reply billed at max_tokens: the worst case");
      assertEquals(2 * worstCase, cap.spent(), 1e-9, "what the batch cost is spent on the stage's cap");
      double online = cap.reserveRest();
      assertEquals(budget - 2 * worstCase, online, 1e-9, "the online calls may spend only what the batch left");
      cap.settle(online, online);
      collecting.finish();
      assertTrue(cap.spent() <= budget + 1e-9, "batch + online spending within the cap: " + cap.spent() + " of " + budget);
      assertEquals(2, server.submitted().size(), "nothing more fitted");
    }
  }

  /** A 500 inside a batch is submitted again, not a ledger error nor a failed call; the resubmission's reply is what the ledger gets. */
  @Test
  void aTransientErrorInABatchIsSubmittedAgainWithoutALedgerError() throws Exception {
    try (FakeChatServer chat = new FakeChatServer(Map.of()); FakeBatchServer server = new FakeBatchServer(chat)) {
      server.failTenPercent();
      GenerateConfig g = config(server, "generate.batch.action=wait");
      GenerateProgress.Counters counters = counters("transient");
      BatchRound round = round(g, counters, new SpendingCap(0)).start(missing(g, 10, ""));
      round.finish();
      assertEquals(1, server.failedIds().size(), "one request in ten failed");
      String failed = server.failedIds().iterator().next();
      assertEquals(2, server.submitted().get(failed).get(), "the failed request went in a second batch");
      assertEquals(0, counters.failed().value(), "not counted as failed: it was answered the second time");
      List<Row> entries = GenerateRuns.segments(dir.resolve("ledger")).collectAsList();
      assertEquals(10, entries.size(), "one entry per request: " + entries);
      assertTrue(entries.stream().allMatch(e -> Ledger.OK.equals(e.getAs("status"))), "no error entry: " + entries);
    }
  }

  /** A recorded batch for a role this config lacks is left open and holds nothing on this run's cap. */
  @Test
  void aBatchOfARoleTheConfigLacksIsLeftOpenAndHoldsNothing() throws Exception {
    try (FakeChatServer chat = new FakeChatServer(Map.of()); FakeBatchServer server = new FakeBatchServer(chat)) {
      server.hold();
      GenerateConfig g = config(server, "generate.batch.action=submit");
      double budget = worstCase(g, 0) * 10;
      assertThrows(BatchesPendingException.class, round(g, counters("judge"), new SpendingCap(budget)).start(missing(g, 2, ""))::finish);

      SpendingCap cap = new SpendingCap(budget);
      BatchRound without = new BatchRound(g, Map.of(), GenerateStage.apiKeys(g, Map.of()), ledger, spark.sparkContext().hadoopConfiguration(),
          counters("none"), cap, console(), "test", "test-" + rounds++, "test").start(missing(g, 0, ""));
      without.finish();
      assertEquals(0, without.figures().attached);
      assertEquals(budget, cap.reserveRest(), 1e-9, "the whole cap is left to this run");
      assertTrue(log.toString(StandardCharsets.UTF_8).contains("is for role teacher, which this config lacks; left open"), log.toString());

      BatchRound with = round(config(server, "generate.batch.action=collect"), counters("again"), new SpendingCap(budget)).start(missing(g, 2, ""));
      assertEquals(1, with.figures().attached, "a run with the role attaches to it");
    }
  }

  /** A 404 on a recorded batch gives its requests back: the record is abandoned, they go in a new batch, and the run goes on. */
  @Test
  void aBatchTheProviderForgotGivesItsRequestsBack() throws Exception {
    try (FakeChatServer chat = new FakeChatServer(Map.of()); FakeBatchServer server = new FakeBatchServer(chat)) {
      server.hold();
      GenerateConfig g = config(server, "generate.batch.action=submit");
      Dataset<Row> missing = missing(g, 3, "");
      assertThrows(BatchesPendingException.class, round(g, counters("forgotten"), new SpendingCap(0)).start(missing)::finish);
      String forgotten = server.batchRequests().keySet().iterator().next();
      server.forget(forgotten);
      server.release();

      BatchRound again = round(config(server, "generate.batch.action=wait"), counters("given-back"), new SpendingCap(0)).start(missing);
      again.finish();
      assertEquals(1, again.figures().abandoned);
      assertEquals(2, server.batchesCreated(), "its requests went in a new batch");
      assertTrue(server.submitted().values().stream().allMatch(n -> n.get() == 2), "each request submitted again once");
      assertTrue(log.toString(StandardCharsets.UTF_8).contains("warning: batch " + forgotten + " of generate.teacher is unknown to"), log.toString());
      assertEquals(3, GenerateRuns.segments(dir.resolve("ledger")).count(), "every request answered");
      try (Stream<Path> files = Files.list(dir.resolve("ledger/batches"))) {
        assertEquals(1, files.filter(p -> p.toString().endsWith(".abandoned")).count());
      }
    }
  }

  /**
   * The create request timed out after the provider created the batch: it is not sent again, the
   * run stops, and the next run finds the batch by the intent it carries as metadata and attaches.
   */
  @Test
  void aBatchCreatedBeforeItsIdWasRecordedIsFoundByItsIntentNotSubmittedTwice() throws Exception {
    try (FakeChatServer chat = new FakeChatServer(Map.of()); FakeBatchServer server = new FakeBatchServer(chat)) {
      server.hold();
      server.answerNextCreateAfter(2500);
      GenerateConfig g = config(server, "generate.batch.action=submit", "generate.timeout_seconds=1");
      Dataset<Row> missing = missing(g, 3, "");
      String stopped = assertThrows(UncheckedIOException.class, () -> round(g, counters("timeout"), new SpendingCap(0)).start(missing))
          .getMessage();
      assertTrue(stopped.contains("not sent again: the provider may have created the batch")
          && stopped.contains("looked up by the intent it carries"), stopped);
      assertEquals(1, server.batchesCreated(), "the create request was sent once");
      server.release();

      BatchRound attaching = round(config(server, "generate.batch.action=wait"), counters("found"), new SpendingCap(0)).start(missing);
      attaching.finish();
      assertEquals(1, attaching.figures().attached, "the batch of the intent was found and attached to");
      assertEquals(1, server.batchesCreated(), "and not submitted again");
      assertTrue(server.submitted().values().stream().allMatch(n -> n.get() == 1));
      assertEquals(3, GenerateRuns.segments(dir.resolve("ledger")).count(), "every request answered");
    }
  }

  /** Message Batches carry no metadata: an Anthropic intent without an id is closed with a warning and its requests submitted again. */
  @Test
  void anAnthropicIntentWithoutAnIdIsAbandonedWithAWarning() throws Exception {
    try (FakeChatServer chat = new FakeChatServer(Map.of()); FakeBatchServer server = new FakeBatchServer(chat)) {
      server.answerNextCreateAfter(2500);
      String anthropic = "generate.teacher={model: teacher-r, max_tokens: " + MAX_TOKENS + ", price_input: 2, price_output: 8, mode: batch, "
          + "batch_api: anthropic, base_url: '" + server.baseUrl("anthropic") + "'}";
      GenerateConfig g = config(server, anthropic, "generate.timeout_seconds=1");
      Dataset<Row> missing = missing(g, 2, "");
      String stopped = assertThrows(UncheckedIOException.class, () -> round(g, counters("anthropic"), new SpendingCap(0)).start(missing))
          .getMessage();
      assertTrue(stopped.contains("cancel it there first"), stopped);

      BatchRound again = round(config(server, anthropic), counters("anthropic-again"), new SpendingCap(0)).start(missing);
      again.finish();
      assertEquals(1, again.figures().abandoned);
      assertTrue(log.toString(StandardCharsets.UTF_8).contains("has no batch id: if " + server.baseUrl("anthropic") + " created it, cancel it"),
          log.toString());
      assertEquals(2, server.batchesCreated(), "its requests went in a new batch (the limitation the README states)");
      assertEquals(2, GenerateRuns.segments(dir.resolve("ledger")).count());
    }
  }

  /**
   * A Gemini role end to end: uploaded, created, polled and collected through the loopback server;
   * an expired batch (which has no results) gives back all its requests and only those, submitted
   * again once; the thinking comes through; spend is the server's billing at batch prices.
   */
  @Test
  void aGeminiRoundSubmitsPollsCollectsAndResubmitsAnExpiredBatch() throws Exception {
    try (FakeChatServer chat = new FakeChatServer(Map.of()); FakeBatchServer server = new FakeBatchServer(chat)) {
      server.expireNext(1);
      GenerateConfig g = config(server, gemini(server));
      GenerateProgress.Counters counters = counters("gemini");
      BatchRound round = round(g, counters, new SpendingCap(0)).start(missing(g, 4, ""));
      round.finish();
      assertEquals(2, server.batchesCreated(), "the expired batch, then one for its requests");
      List<List<String>> batches = new ArrayList<>(server.batchRequests().values());
      assertEquals(Set.copyOf(batches.get(0)), Set.copyOf(batches.get(1)), "the second holds exactly what the expired one left unanswered");
      assertTrue(server.submitted().values().stream().allMatch(n -> n.get() == 2), "each request submitted twice: " + server.submitted());
      assertEquals(4, round.figures().requestsResubmitted);
      List<Row> entries = GenerateRuns.segments(dir.resolve("ledger")).collectAsList();
      assertEquals(4, entries.size());
      assertTrue(entries.stream().allMatch(e -> Ledger.OK.equals(e.getAs("status")) && e.<String>getAs("reasoning") != null
          && !e.<String>getAs("reasoning").isBlank()), "replies with the teacher's thinking: " + entries);
      double billed = (server.billedPromptTokens("teacher-r") * 1.0 + server.billedCompletionTokens("teacher-r") * 4.0) / 1e6;
      assertTrue(billed > 0);
      assertEquals(billed, counters.costMicros().value() / 1e6, 1e-6, "spend = the server's billing at batch prices (0.5 x 2 and 8)");
    }
  }

  /** Gemini batches carry the intent as their displayName: a create that timed out is found by it (paging a list in no given order). */
  @Test
  void aGeminiBatchCreatedBeforeItsIdWasRecordedIsFoundByItsDisplayName() throws Exception {
    try (FakeChatServer chat = new FakeChatServer(Map.of()); FakeBatchServer server = new FakeBatchServer(chat)) {
      server.hold();
      server.answerNextCreateAfter(2500);
      GenerateConfig g = config(server, gemini(server), "generate.timeout_seconds=1");
      Dataset<Row> missing = missing(g, 2, "");
      String stopped = assertThrows(UncheckedIOException.class, () -> round(g, counters("gemini-timeout"), new SpendingCap(0)).start(missing))
          .getMessage();
      assertTrue(stopped.contains("looked up by the intent it carries"), stopped);
      server.release();
      BatchRound attaching = round(config(server, gemini(server)), counters("gemini-found"), new SpendingCap(0)).start(missing);
      attaching.finish();
      assertEquals(1, attaching.figures().attached);
      assertEquals(1, server.batchesCreated(), "not submitted again");
      assertEquals(2, GenerateRuns.segments(dir.resolve("ledger")).count());
    }
  }

  /**
   * Results refused for the key (401 in every result) stop the stage as an online 401 does (exit 4),
   * without the key in the message and nothing in the ledger; the batch is closed and the rerun,
   * with the key fixed, submits exactly those requests again.
   */
  @Test
  void resultsRefusedForTheKeyStopTheStageAndTheRerunSubmitsThemAgain() throws Exception {
    try (FakeChatServer chat = new FakeChatServer(Map.of()); FakeBatchServer server = new FakeBatchServer(chat)) {
      server.refuseNext();
      GenerateConfig g = config(server);
      Dataset<Row> missing = missing(g, 3, "");
      BatchRound refused = round(g, counters("refused"), new SpendingCap(0)).start(missing);
      GenerationStoppedException stop = assertThrows(GenerationStoppedException.class, refused::finish);
      assertTrue(stop.getMessage().contains("3 of its requests were refused for the key or the account (HTTP 401")
          && stop.getMessage().contains("fix the key"), stop.getMessage());
      assertFalse(stop.getMessage().contains(FakeChatServer.KEY), "no secret in the message");
      StringWriter err = new StringWriter();
      assertEquals(ExitCode.UPSTREAM, Failures.report(stop, new PrintWriter(err)), "exit 4, as online");
      assertEquals(1, server.batchesCreated(), "not resubmitted under the refused key");
      assertFalse(Files.isDirectory(dir.resolve("ledger/segments")) && GenerateRuns.segments(dir.resolve("ledger")).count() > 0,
          "a refusal is not a ledger entry");

      BatchRound again = round(config(server), counters("refused-again"), new SpendingCap(0)).start(missing);
      again.finish();
      assertEquals(0, again.figures().attached, "the refused batch was closed");
      assertTrue(server.submitted().values().stream().allMatch(n -> n.get() == 2), "each submitted again once: " + server.submitted());
      assertEquals(3, GenerateRuns.segments(dir.resolve("ledger")).count());
    }
  }

  /** A Gemini batch that fails as a whole with PERMISSION_DENIED (code 7) stops the stage with the 403. */
  @Test
  void aGeminiBatchFailedWithPermissionDeniedStopsTheStage() throws Exception {
    try (FakeChatServer chat = new FakeChatServer(Map.of()); FakeBatchServer server = new FakeBatchServer(chat)) {
      server.failNextWithPermissionDenied();
      GenerateConfig g = config(server, gemini(server));
      BatchRound round = round(g, counters("denied"), new SpendingCap(0)).start(missing(g, 2, ""));
      String stop = assertThrows(GenerationStoppedException.class, round::finish).getMessage();
      assertTrue(stop.contains("failed: HTTP 403: The caller does not have permission"), stop);
      assertEquals(1, server.batchesCreated(), "not resubmitted");
    }
  }

  /** A request key Gemini has no field for stops the run as a config error naming the role and the key, before anything is sent. */
  @Test
  void aRequestKeyGeminiHasNoFieldForIsAConfigError() throws Exception {
    try (FakeChatServer chat = new FakeChatServer(Map.of()); FakeBatchServer server = new FakeBatchServer(chat)) {
      GenerateConfig g = config(server, "generate.teacher={model: teacher-r, max_tokens: " + MAX_TOKENS + ", mode: batch, batch_api: gemini, "
          + "base_url: '" + server.baseUrl("gemini") + "', extra_body: {reasoning_effort: high}}");
      String refused = assertThrows(ConfigException.class, () -> round(g, counters("unmapped"), new SpendingCap(0)).start(missing(g, 1, "")))
          .getMessage();
      assertTrue(refused.contains("generate.teacher") && refused.contains("\"reasoning_effort\"") && refused.contains("extra_body"), refused);
      assertEquals(0, server.batchesCreated());
    }
  }

  /** An output file the provider answers 404 for gives its requests back with a warning naming the batch and the file. */
  @Test
  void aResultFileTheProviderForgotGivesItsRequestsBack() throws Exception {
    try (FakeChatServer chat = new FakeChatServer(Map.of()); FakeBatchServer server = new FakeBatchServer(chat)) {
      server.hold();
      GenerateConfig g = config(server, "generate.batch.action=submit");
      Dataset<Row> missing = missing(g, 3, "");
      assertThrows(BatchesPendingException.class, round(g, counters("purged"), new SpendingCap(0)).start(missing)::finish);
      String batch = server.batchRequests().keySet().iterator().next();
      server.release();
      Thread.sleep(4 * FakeBatchServer.STEP_MS);
      server.purgeResults(batch);

      BatchRound again = round(config(server, "generate.batch.action=wait"), counters("purged-again"), new SpendingCap(0)).start(missing);
      again.finish();
      String out = log.toString(StandardCharsets.UTF_8);
      assertTrue(out.contains("warning: batch " + batch + " of generate.teacher completed, but its result file file-out-" + batch
          + " is unknown to"), out);
      assertEquals(2, server.batchesCreated(), "its requests went in a new batch");
      assertTrue(server.submitted().values().stream().allMatch(n -> n.get() == 2), "each submitted again once");
      assertEquals(3, GenerateRuns.segments(dir.resolve("ledger")).count(), "every request answered");
    }
  }

  /** Only the error file lost: the output file's results are kept, and only the request of the lost file goes again. */
  @Test
  void aLostErrorFileKeepsTheOutputFilesResults() throws Exception {
    try (FakeChatServer chat = new FakeChatServer(Map.of()); FakeBatchServer server = new FakeBatchServer(chat)) {
      server.hold();
      server.failTenPercent();
      GenerateConfig g = config(server, "generate.batch.action=submit");
      Dataset<Row> missing = missing(g, 10, "");
      assertThrows(BatchesPendingException.class, round(g, counters("error-file"), new SpendingCap(0)).start(missing)::finish);
      String batch = server.batchRequests().keySet().iterator().next();
      server.forgetFile("file-err-" + batch);
      server.release();

      BatchRound again = round(config(server, "generate.batch.action=wait"), counters("error-file-again"), new SpendingCap(0)).start(missing);
      again.finish();
      assertTrue(log.toString(StandardCharsets.UTF_8).contains("its result file file-err-" + batch + " is unknown to"), log.toString());
      String failed = server.failedIds().iterator().next();
      assertEquals(2, server.submitted().get(failed).get(), "the request of the lost error file went again");
      assertEquals(9, server.submitted().values().stream().filter(n -> n.get() == 1).count(), "the output file's 9 results were kept");
      assertEquals(10, GenerateRuns.segments(dir.resolve("ledger")).count());
    }
  }

  private static String gemini(FakeBatchServer server) {
    return "generate.teacher={model: teacher-r, max_tokens: " + MAX_TOKENS + ", price_input: 2, price_output: 8, mode: batch, "
        + "batch_api: gemini, base_url: '" + server.baseUrl("gemini") + "'}";
  }

  private GenerateConfig config(FakeBatchServer server, String... more) {
    List<String> sets = new ArrayList<>(List.of("generate.base_url=" + server.baseUrl("openai"), "generate.api_key_file=" + key,
        "generate.teacher={model: teacher-r, max_tokens: " + MAX_TOKENS + ", price_input: 2, price_output: 8, mode: batch}",
        "generate.batch.poll_seconds=0.1", "generate.batch.poll_max_seconds=0.2", "generate.max_retries=2", "generate.backoff_initial_ms=10",
        "generate.backoff_max_ms=50"));
    sets.addAll(List.of(more));
    return SparkTestSession.config(sets.toArray(new String[0])).generate();
  }

  /** {@code n} teacher requests, their questions ending in {@code marker}. */
  private Dataset<Row> missing(GenerateConfig g, int n, String marker) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Map<String, Object> body = body(g, i, marker);
      rows.add(RowFactory.create("rk" + i, "teacher", Json.canonicalSha256(body), Json.canonicalSha256(body), "teacher", "teacher",
          "teacher-r", Json.compact(body), 40, MAX_TOKENS, 1, 0, false, null));
    }
    return spark.createDataFrame(rows, CallPlanner.SCHEMA);
  }

  private static Map<String, Object> body(GenerateConfig g, int i, String marker) {
    return CallPlanner.body(g.teacher(), question(i, marker), null, 1, MAX_TOKENS);
  }

  private static String question(int i, String marker) {
    return "Question " + i + ": what is " + i + " squared?" + marker;
  }

  private static double worstCase(GenerateConfig g, int i) {
    return GenerationTask.worstCaseCost(g.teacher(), Json.compact(body(g, i, "")), MAX_TOKENS, 1);
  }

  private GenerateProgress.Counters counters(String name) {
    return GenerateProgress.Counters.register(spark.sparkContext(), "test.batch-round." + name + "." + dir.getFileName());
  }

  private Console console() {
    return new Console(new PrintStream(log, true, StandardCharsets.UTF_8));
  }

  private BatchRound round(GenerateConfig g, GenerateProgress.Counters counters, SpendingCap cap) {
    return new BatchRound(g, Map.of("teacher", g.teacher()), GenerateStage.apiKeys(g, Map.of()), ledger, spark.sparkContext().hadoopConfiguration(),
        counters, cap, console(), "test", "test-" + rounds++, "test");
  }

}
