package dev.distill.job.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.ChildCli;
import dev.distill.job.LeaseExpiry;
import dev.distill.job.error.ExitCode;
import dev.distill.job.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Batch mode end to end through the CLI, against a real batch server on 127.0.0.1 (openai shape
 * for the teacher, anthropic shape for the classifier) that answers with the same canned replies
 * as the online server the students and the judge call: submit-only then collect reaches the rows
 * an online run does, at the server's billing at batch prices; a run killed while its batches are
 * in flight is reattached by the next one, which submits again exactly the requests an expired
 * batch left unanswered and the one in ten that failed, and nothing else.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BatchIT {
  static final int QUESTIONS = 12;
  /** USD per million tokens: the teacher's online price (batch: x 0.5), the classifier's batch prices. */
  static final double TEACHER_PRICE = 1000;
  static final double CLASSIFIER_IN = 100;
  static final double CLASSIFIER_OUT = 200;

  Path dir;
  Path keyFile;
  FakeChatServer chat;
  FakeBatchServer batches;
  Map<String, String> answers = new LinkedHashMap<>();
  StringBuilder childOutput = new StringBuilder();

  @BeforeAll
  void start() throws IOException {
    dir = Files.createTempDirectory("distill-batch-it");
    Files.createDirectories(dir.resolve("pool"));
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < QUESTIONS; i++) {
      String q = GenerateIT.question(i);
      answers.put(q, String.valueOf(i * 7 + 3));
      lines.add(Json.compact(Map.of("problem", q, "answer", String.valueOf(i * 7 + 3))));
    }
    Files.write(dir.resolve("pool/part-1.jsonl"), lines);
    keyFile = dir.resolve("api-key.txt");
    Files.writeString(keyFile, FakeChatServer.KEY + "\n");
    chat = new FakeChatServer(answers);
    batches = new FakeBatchServer(chat);
  }

  @AfterAll
  void stop() throws IOException {
    batches.close();
    chat.close();
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** Teacher and classifier in {@code mode}, students and judge online; every run under its own ledger. */
  private Path config(String name, String mode) throws IOException {
    boolean batch = mode.equals("batch");
    String yaml = "sources:\n  - {name: test/batch, path: '" + dir.resolve("pool") + "/*.jsonl', format: jsonl, cot_type: math, "
        + "fields: {question: problem, answer: answer}}\n"
        + "spark: {master: 'local[2]', conf: {spark.ui.enabled: 'false', spark.sql.shuffle.partitions: '4'}}\n"
        + "run: {lease_ttl_seconds: 2}\n"
        + "generate:\n"
        + "  base_url: '" + chat.baseUrl() + "'\n"
        + "  api_key_file: '" + keyFile + "'\n"
        + "  ledger: '" + dir.resolve("ledger-" + name) + "'\n"
        + "  teacher: {model: teacher-r, max_tokens: 200, price_input: " + TEACHER_PRICE + ", price_output: " + TEACHER_PRICE + ", mode: " + mode
        + (batch ? ", base_url: '" + batches.baseUrl("openai") + "'" : "") + "}\n"
        + "  students:\n    - {name: good, model: student-good, max_tokens: 200, stream: false}\n"
        + "  judge: {model: judge, max_tokens: 100, stream: false}\n"
        + "  classifier: {model: classifier, max_tokens: 100, mode: " + mode + ", batch_api: anthropic, price_input_batch: " + CLASSIFIER_IN
        + ", price_output_batch: " + CLASSIFIER_OUT + (batch ? ", base_url: '" + batches.baseUrl("anthropic") + "'" : "") + "}\n"
        + "  batch: {poll_seconds: 0.1, poll_max_seconds: 0.3}\n"
        + "  concurrency: 4\n  max_retries: 3\n  backoff_initial_ms: 50\n  backoff_max_ms: 200\n  timeout_seconds: 10\n"
        + "  ledger_flush_rows: 4\n  ledger_flush_seconds: 1\n  progress_seconds: 1\n";
    Path file = dir.resolve(name + ".yaml");
    Files.writeString(file, yaml);
    return file;
  }

  private GenerateRuns runs(String name) {
    return new GenerateRuns(dir.resolve("out-" + name));
  }

  /** What generate wrote per question: trace, attempt, grades, domain, verdict. */
  private Map<String, List<Object>> rows(String name, String runId) {
    Map<String, List<Object>> out = new TreeMap<>();
    for (Row r : runs(name).read(runId, "stages/generate").collectAsList()) {
      out.put(r.getAs("question"), List.of(String.valueOf(r.<Object>getAs("trace")), String.valueOf(r.<Object>getAs("attempt")),
          String.valueOf(r.<Object>getAs("grades")), String.valueOf(r.<Object>getAs("domain_llm")), String.valueOf(r.<Object>getAs("judge_correct"))));
    }
    return out;
  }

  private double billedAtBatchPrices() {
    return (batches.billedPromptTokens("teacher-r") + batches.billedCompletionTokens("teacher-r")) * TEACHER_PRICE * 0.5 / 1e6
        + (batches.billedPromptTokens("classifier") * CLASSIFIER_IN + batches.billedCompletionTokens("classifier") * CLASSIFIER_OUT) / 1e6;
  }

  private static int maxSubmissions(FakeBatchServer server) {
    return server.submitted().values().stream().mapToInt(AtomicInteger::get).max().orElse(0);
  }

  Map<String, List<Object>> online;

  @Test
  @Order(1)
  void submitOnlyThenCollectTwiceReachesTheRowsOfAnOnlineRunAtBatchPrices() throws IOException {
    assertEquals(ExitCode.OK, runs("online").cli("generate", config("online", "online"), "r"));
    online = rows("online", "r");
    assertEquals(QUESTIONS, online.size());
    assertTrue(online.values().stream().noneMatch(v -> v.get(0).equals("null")), "the online run has every trace");

    batches.hold();
    Path config = config("sc", "batch");
    assertEquals(ExitCode.OK, runs("sc").cli("generate", config, "b", "--submit-only"));
    assertEquals(2, batches.batchesCreated(), "one batch for the teacher, one for the classifier");
    assertEquals(2 * QUESTIONS, batches.submitted().size());
    assertFalse(Files.exists(dir.resolve("out-sc/b/stages/generate/_SUCCESS")), "submit-only does not commit generate");

    assertEquals(ExitCode.PENDING, runs("sc").cli("generate", config, "b", "--collect"), "the batches are still in progress");
    batches.release();
    assertEquals(ExitCode.OK, runs("sc").cli("generate", config, "b", "--collect"));
    assertEquals(2, batches.batchesCreated(), "collect attaches, it never submits again");
    assertEquals(1, maxSubmissions(batches), "no request submitted twice");
    assertEquals(online, rows("sc", "b"), "the same rows as the online run");

    JsonNode gen = runs("sc").stage("b", "generate");
    assertEquals(billedAtBatchPrices(), gen.path("cost_usd").asDouble(), 1e-6, "spend = the server's billing at batch prices");
    assertTrue(gen.path("cost_usd").asDouble() > 0);
    assertEquals(2, gen.path("batches_attached").asInt());
    assertEquals(2, gen.path("batches_collected").asInt());
  }

  @Test
  @Order(2)
  void aKilledRunIsReattachedAndOnlyExpiredOrFailedRequestsGoAgain() throws Exception {
    batches.resetCounts();
    batches.hold();
    batches.failTenPercent();
    batches.expireNext(1);
    Path config = config("kill", "batch");
    Process child = ChildCli.start(List.of("generate", "--config", config.toString(), "--output", dir.resolve("out-kill").toString(),
        "--run-id", "k"), childOutput);
    Path records = dir.resolve("ledger-kill/batches");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (recorded(records) < 2 && System.nanoTime() < deadline && child.isAlive()) {
      Thread.sleep(100);
    }
    assertTrue(child.isAlive(), "the child ended before it could be killed:\n" + childOutput);
    assertEquals(2, recorded(records), "both batches recorded before the wait:\n" + childOutput);
    child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    assertEquals(2, batches.batchesCreated());
    batches.release();

    // The killed holder's lease expires 2 s after its last renewal; then --force-takeover resumes the run.
    LeaseExpiry.await(Files.readString(dir.resolve("out-kill/k/lease.json")));
    assertEquals(ExitCode.OK, runs("kill").cli("generate", config, "k", "--force-takeover"));
    Map<String, List<String>> created = batches.batchRequests();
    List<String> expired = created.values().iterator().next();
    Set<String> unanswered = new HashSet<>(expired.subList(expired.size() / 2, expired.size()));
    Set<String> failed = batches.failedIds();
    assertFalse(failed.isEmpty(), "one request in ten failed");
    for (Map.Entry<String, AtomicInteger> e : batches.submitted().entrySet()) {
      int expected = 1 + (unanswered.contains(e.getKey()) ? 1 : 0) + (failed.contains(e.getKey()) ? 1 : 0);
      assertEquals(expected, e.getValue().get(), "submissions of " + e.getKey());
    }
    Set<String> again = new HashSet<>();
    created.values().stream().skip(2).forEach(again::addAll);
    Set<String> expectedAgain = new HashSet<>(unanswered);
    expectedAgain.addAll(failed);
    assertEquals(expectedAgain, again, "the later batches hold exactly the expired batch's unanswered requests and the failed ones");
    assertEquals(online, rows("kill", "k"), "every row complete, as online");
    JsonNode gen = runs("kill").stage("k", "generate");
    assertEquals(2, gen.path("batches_attached").asInt(), "the rerun attached to the killed run's batches");
    assertEquals(expectedAgain.size(), gen.path("batch_requests_resubmitted").asInt());
    assertEquals(billedAtBatchPrices(), gen.path("cost_usd").asDouble(), 1e-6, "spend = the server's billing at batch prices");
  }

  /** Batches whose id is recorded (an intent's {@code .id} file), so killing the run now leaves none unrecorded. */
  private static long recorded(Path records) throws IOException {
    if (!Files.isDirectory(records)) {
      return 0;
    }
    try (Stream<Path> files = Files.list(records)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".id") && !p.getFileName().toString().startsWith(".")).count();
    }
  }
}
