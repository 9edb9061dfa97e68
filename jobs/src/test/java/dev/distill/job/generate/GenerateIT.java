package dev.distill.job.generate;

import dev.distill.job.ChildCli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.LeaseExpiry;
import dev.distill.job.error.ExitCode;
import dev.distill.job.io.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The generate stage end to end through the real CLI, against a real chat-completions server on
 * 127.0.0.1 that misbehaves on purpose: every call made once across runs, failures in the ledger
 * and then in removed/quality as api_error, the cost cap, the dry run, a killed run resumed, and
 * the API key absent from everything the runs write.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GenerateIT {
  static final int PLAIN = 40;
  static final List<String> SPECIAL = List.of("[429]", "[500]", "[slow]", "[truncated]", "[missing]", "[always500]", "[nothink]");
  static final String[] WORDS = {"amber", "basil", "cedar", "delta", "ember", "fjord", "garnet", "harbor", "indigo", "juniper", "kestrel",
      "lagoon", "meadow", "nectar", "orchid", "pepper", "quartz", "raven", "saffron", "tundra"};

  Path dir;
  Path pool;
  Path keyFile;
  FakeChatServer server;
  Map<String, String> answers = new LinkedHashMap<>();
  StringBuilder childOutput = new StringBuilder();

  @BeforeAll
  void start() throws IOException {
    dir = Files.createTempDirectory("distill-generate-it");
    Files.createDirectories(dir.resolve("pool"));
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < PLAIN + SPECIAL.size(); i++) {
      String q = question(i) + (i >= PLAIN ? " " + SPECIAL.get(i - PLAIN) : "");
      answers.put(q, String.valueOf(i * 7 + 3));
      lines.add(Json.compact(Map.of("problem", q, "answer", String.valueOf(i * 7 + 3))));
    }
    // The same question twice in the pool: one call serves both rows.
    lines.add(lines.get(0));
    // No reference answer: teacher and classifier, but no students and no judge.
    String unanswered = question(99);
    answers.put(unanswered, "5");
    lines.add(Json.compact(Map.of("problem", unanswered)));
    Files.write(dir.resolve("pool/part-1.jsonl"), lines);
    for (int i = 100; i < 105; i++) {
      answers.put(question(i), String.valueOf(i));
    }
    keyFile = dir.resolve("api-key.txt");
    Files.writeString(keyFile, FakeChatServer.KEY + "\n");
    server = new FakeChatServer(answers);
  }

  static String question(int i) {
    return "Compute " + (i * 13 + 7) + " times " + (i % 9 + 2) + " for the " + WORDS[i % WORDS.length] + " " + WORDS[(i * 7 + 3) % WORDS.length]
        + " riddle, variant " + i + ", then report the " + WORDS[(i * 3 + 1) % WORDS.length] + " total.";
  }

  @AfterAll
  void stop() throws IOException {
    server.close();
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private Path config(String name, String ledger, String... extra) throws IOException {
    StringBuilder yaml = new StringBuilder();
    yaml.append("sources:\n  - {name: test/gen, path: '").append(dir.resolve("pool")).append("/*.jsonl', format: jsonl, cot_type: math, ")
        .append("fields: {question: problem, answer: answer}}\n");
    yaml.append("spark: {master: 'local[2]', conf: {spark.ui.enabled: 'false'}}\n");
    yaml.append("select: {size: 20}\n");
    yaml.append("generate:\n");
    yaml.append("  base_url: '").append(server.baseUrl()).append("'\n");
    yaml.append("  api_key_file: '").append(keyFile).append("'\n");
    yaml.append("  ledger: '").append(dir.resolve(ledger)).append("'\n");
    yaml.append("  teacher: {model: teacher-r, price_input: 1000, price_output: 1000, max_tokens: 200}\n");
    yaml.append("  students:\n    - {name: good, model: student-good, samples: 2, temperature: 0.7, max_tokens: 200}\n");
    yaml.append("    - {name: bad, model: student-bad, max_tokens: 200}\n");
    yaml.append("  judge: {model: judge, max_tokens: 100}\n");
    yaml.append("  classifier: {model: classifier, max_tokens: 100}\n");
    yaml.append("  concurrency: 8\n  max_retries: 3\n  backoff_initial_ms: 50\n  backoff_max_ms: 200\n  timeout_seconds: 2\n");
    yaml.append("  ledger_flush_rows: 4\n  ledger_flush_seconds: 1\n  progress_seconds: 1\n");
    for (String line : extra) {
      yaml.append(line).append('\n');
    }
    Path file = dir.resolve(name + ".yaml");
    Files.writeString(file, yaml.toString());
    return file;
  }

  private int cli(String command, Path config, String runId, String... more) {
    return runs().cli(command, config, runId, more);
  }

  private GenerateRuns runs() {
    return new GenerateRuns(dir.resolve("out"));
  }

  private static SparkSession spark() {
    return GenerateRuns.spark();
  }

  private Dataset<Row> stage(String runId, String stage) {
    return runs().read(runId, stage);
  }

  private JsonNode runJson(String runId) throws IOException {
    return runs().runJson(runId);
  }

  private static JsonNode stageFigures(JsonNode run, String name) {
    for (JsonNode s : run.path("stages")) {
      if (s.path("name").asText().equals(name)) {
        return s;
      }
    }
    throw new AssertionError("no stage " + name + " in run.json");
  }

  private static int maxAnswers(FakeChatServer server) {
    return server.answered().values().stream().mapToInt(AtomicInteger::get).max().orElse(0);
  }

  /** Calls one pool row with a reference answer needs: teacher, 2 good + 1 bad student samples, classifier, judge. */
  static final int CALLS_PER_ROW = 6;

  @Test
  @Order(1)
  void generateCallsEveryRequestOnceAndFillsTheColumns() throws IOException {
    assertEquals(ExitCode.OK, cli("generate", config("main", "ledger"), "g1"));
    // 47 distinct answered questions x 6 calls + the unanswered one (teacher, classifier),
    // minus what [always500] never gets (5 round-1 calls fail; its judge has no attempt) and
    // [nothink] (no attempt, so no judge call).
    int distinctRows = PLAIN + SPECIAL.size();
    int expectedAnswered = distinctRows * CALLS_PER_ROW + 2 - 6 - 1;
    assertEquals(expectedAnswered, server.totalAnswered(), "replies delivered");
    assertEquals(1, maxAnswers(server), "no request was answered twice");

    List<Row> rows = stage("g1", "stages/generate").collectAsList();
    assertEquals(distinctRows + 2, rows.size(), "every row reaches stages/generate");
    int checked = 0;
    for (Row r : rows) {
      String q = r.getAs("question");
      List<String> errors = scala.jdk.javaapi.CollectionConverters.asJava(r.<String>getSeq(r.fieldIndex("generation_errors")));
      if (q.contains("[always500]") || q.contains("[nothink]")) {
        assertFalse(errors.isEmpty(), q);
        continue;
      }
      assertTrue(errors.isEmpty(), q + ": " + errors);
      assertTrue(((String) r.getAs("trace")).startsWith("Let me think about"), q);
      assertTrue(((String) r.getAs("attempt")).contains("\\boxed{" + answers.get(q) + "}"), q);
      assertEquals("11", r.getAs("domain_llm"));
      if (r.getAs("answer") != null) {
        Map<String, Boolean> grades = r.getJavaMap(r.fieldIndex("grades"));
        assertEquals(Map.of("good#0", true, "good#1", true, "bad#0", false), grades, q);
        assertEquals(Boolean.TRUE, r.getAs("judge_correct"), q);
        checked++;
      } else {
        assertTrue(r.isNullAt(r.fieldIndex("grades")));
      }
    }
    assertEquals(PLAIN + SPECIAL.size() - 2 + 1, checked);
    JsonNode gen = stageFigures(runJson("g1"), "generate");
    assertEquals(0, gen.path("calls_cached").asLong());
    assertTrue(gen.path("retries").asLong() >= 5 + 3 * 5, "429/500/slow/truncated/missing retried, always500 retried 3 times each: " + gen);
    assertTrue(gen.path("cost_usd").asDouble() > 0);

    Dataset<Row> ledger = spark().read().schema(Ledger.SCHEMA).json(dir.resolve("ledger/segments").toString());
    assertEquals(expectedAnswered, ledger.filter("status = 'ok'").select("key").distinct().count());
    assertEquals(5, ledger.filter("status = 'error'").count(), "the [always500] row's five round-1 calls failed for good");
    assertTrue(ledger.filter("status = 'error'").first().<String>getAs("error").contains("HTTP 500"));
  }

  @Test
  @Order(2)
  void rerunAndLargerPoolNeverPayTwice() throws IOException {
    server.resetCounts();
    assertEquals(ExitCode.OK, cli("generate", config("main", "ledger"), "g2"));
    assertEquals(0, server.totalAnswered(), "a rerun answers from the ledger");
    assertEquals(5 * 4, server.totalHits(), "only the failed calls are tried again (retry_failed), 4 attempts each");
    JsonNode gen = stageFigures(runJson("g2"), "generate");
    assertEquals(0, gen.path("calls_made").asLong() - 5);
    List<Row> before = stage("g1", "stages/generate").sort("origin").select("trace", "attempt", "grades", "judge_correct").collectAsList();
    List<Row> after = stage("g2", "stages/generate").sort("origin").select("trace", "attempt", "grades", "judge_correct").collectAsList();
    assertEquals(before, after, "the rerun reproduces the same rows");

    List<String> more = new ArrayList<>();
    for (int i = 100; i < 105; i++) {
      more.add(Json.compact(Map.of("problem", question(i), "answer", String.valueOf(i))));
    }
    Files.write(dir.resolve("pool/part-2.jsonl"), more);
    server.resetCounts();
    try {
      assertEquals(ExitCode.OK, cli("generate", config("main", "ledger"), "g3", "--set", "generate.retry_failed=false"));
      assertEquals(5 * CALLS_PER_ROW, server.totalAnswered(), "only the five new questions are called");
      assertEquals(5 * CALLS_PER_ROW, server.totalHits(), "failed calls are not retried with retry_failed=false");
      assertEquals(1, maxAnswers(server));
    } finally {
      Files.delete(dir.resolve("pool/part-2.jsonl"));
    }
  }

  @Test
  @Order(3)
  void fullRunDropsApiErrorsAndUsesJudgeAndClassifier() throws IOException {
    assertEquals(ExitCode.OK, cli("run", config("main", "ledger"), "r1", "--set", "generate.retry_failed=false"));
    List<Row> removed = stage("r1", "removed/quality").filter("reason = 'api_error'").collectAsList();
    List<String> questions = removed.stream().map(r -> (String) r.getAs("question")).sorted().toList();
    assertEquals(2, questions.size(), questions.toString());
    assertTrue(questions.get(0).contains("[always500]") || questions.get(1).contains("[always500]"));
    assertTrue(questions.stream().anyMatch(q -> q.contains("[nothink]")));
    for (Row r : removed) {
      String detail = r.getAs("detail");
      assertTrue(detail.contains("HTTP 500") || detail.contains("no thinking"), detail);
    }
    Dataset<Row> solved = stage("r1", "removed/difficulty").filter("reason = 'solved_by_student'");
    assertEquals(PLAIN + SPECIAL.size() - 2, solved.count(), "student-good solves every graded row, so the hard filter drops them all");
    assertEquals(0, solved.filter("teacher_correct IS NULL OR NOT teacher_correct").count(), "the judge's Yes reaches teacher_correct");
  }

  @Test
  @Order(4)
  void costCapStopsSpendingAndAHigherCapCallsOnlyWhatIsMissing() throws IOException {
    server.resetCounts();
    assertEquals(ExitCode.OK, cli("generate", config("capped", "ledger-capped", "  max_cost_usd: 2.0"), "c1"));
    JsonNode gen = stageFigures(runJson("c1"), "generate");
    assertTrue(gen.path("stopped_at_cost_cap").asBoolean(), gen.toString());
    assertTrue(gen.path("cost_usd").asDouble() <= 2.0, gen.toString());
    assertTrue(gen.path("calls_over_cap").asLong() > 0);
    double ledgerCost = spark().read().schema(Ledger.SCHEMA).json(dir.resolve("ledger-capped/segments").toString())
        .agg(org.apache.spark.sql.functions.sum("cost_usd")).first().getDouble(0);
    assertTrue(ledgerCost <= 2.0 && ledgerCost > 0.5, "spent " + ledgerCost + " of the 2.0 cap");
    long capped = stage("c1", "removed/generate").filter("reason = 'cost_cap'").count();
    long kept = stage("c1", "stages/generate").count();
    assertTrue(capped > 0 && kept + capped == PLAIN + SPECIAL.size() + 2, "kept " + kept + ", capped " + capped);
    int paid = server.totalAnswered();

    assertEquals(ExitCode.OK, cli("generate", config("uncapped", "ledger-capped"), "c2"));
    assertEquals(1, maxAnswers(server), "nothing paid twice across the capped and the uncapped run");
    assertEquals(stageFigures(runJson("c2"), "generate").path("calls_cached").asLong(), paid, "the capped run's replies are reused");
    assertEquals(0, spark().read().parquet(dir.resolve("out/c2/removed/generate").toString()).count());
  }

  @Test
  @Order(5)
  void dryRunEstimatesWithoutCalling() throws IOException {
    server.resetCounts();
    assertEquals(ExitCode.OK, cli("generate", config("dry", "ledger-dry"), "d1", "--dry-run"));
    assertEquals(0, server.totalHits());
    JsonNode run = runJson("d1");
    assertEquals("dry_run", run.path("status").asText());
    Map<String, Long> calls = new LinkedHashMap<>();
    for (JsonNode line : run.path("generate_estimate")) {
      calls.put(line.path("role").asText(), line.path("calls").asLong());
      assertTrue(line.path("max_cost_usd").asDouble() >= 0);
    }
    int distinct = PLAIN + SPECIAL.size();
    assertEquals(Map.of("teacher", (long) distinct + 1, "judge", (long) distinct, "classifier", (long) distinct + 1, "good", 2L * distinct,
        "bad", (long) distinct), calls);
  }

  @Test
  @Order(6)
  void killedRunResumesWithEveryRowAndNoCallPaidTwice() throws Exception {
    server.resetCounts();
    Path config = config("kill", "ledger-kill", "run: {lease_ttl_seconds: 2}");
    server.hangAfter(60);
    Process child = startChild(config, "k1");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (okEntries(dir.resolve("ledger-kill/segments")) < 60 && System.nanoTime() < deadline && child.isAlive()) {
      Thread.sleep(200);
    }
    // Replies stop at about 60 (concurrent requests may slip past the count); give the last flush a moment.
    Thread.sleep(2500);
    assertTrue(child.isAlive(), "the child run ended before it could be killed:\n" + childOutput);
    long before = okEntries(dir.resolve("ledger-kill/segments"));
    assertTrue(before >= 60, "only " + before + " replies in the ledger");
    assertEquals(server.totalAnswered(), before, "every reply delivered before the kill is in the ledger");
    child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    server.release();

    // The killed holder's lease expires 2 s after its last renewal; then --force-takeover resumes the run.
    LeaseExpiry.await(Files.readString(dir.resolve("out/k1/lease.json")));
    assertEquals(ExitCode.OK, cli("generate", config, "k1", "--force-takeover"));
    assertEquals(1, maxAnswers(server), "no call answered twice across the killed run and its resumption");
    List<Row> rows = stage("k1", "stages/generate").collectAsList();
    assertEquals(PLAIN + SPECIAL.size() + 2, rows.size());
    long withTrace = rows.stream().filter(r -> r.getAs("trace") != null).count();
    assertEquals(PLAIN + SPECIAL.size() + 2 - 2, withTrace, "every row but [always500] and [nothink] has its trace");
    JsonNode gen = stageFigures(runJson("k1"), "generate");
    assertEquals(before, gen.path("calls_cached").asLong(), "the killed run's replies are reused");
  }

  @Test
  @Order(7)
  void theApiKeyIsInNoFileAnyRunWrote() throws IOException {
    List<Path> leaked = new ArrayList<>();
    int files = 0;
    try (Stream<Path> paths = Files.walk(dir.resolve("out"))) {
      for (Path p : (Iterable<Path>) paths.filter(Files::isRegularFile)::iterator) {
        files++;
        if (new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1).contains(FakeChatServer.KEY)) {
          leaked.add(p);
        }
      }
    }
    for (String ledger : List.of("ledger", "ledger-capped", "ledger-kill")) {
      try (Stream<Path> paths = Files.walk(dir.resolve(ledger))) {
        for (Path p : (Iterable<Path>) paths.filter(Files::isRegularFile)::iterator) {
          files++;
          if (new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1).contains(FakeChatServer.KEY)) {
            leaked.add(p);
          }
        }
      }
    }
    assertTrue(files > 50, "looked at " + files + " files");
    assertEquals(List.of(), leaked);
    assertFalse(childOutput.toString().contains(FakeChatServer.KEY), "the killed run's console output holds the key");
    assertTrue(childOutput.length() > 0);
    assertNotNull(server.baseUrl());
  }

  private static long okEntries(Path segments) throws IOException {
    if (!Files.isDirectory(segments)) {
      return 0;
    }
    long n = 0;
    try (Stream<Path> files = Files.list(segments)) {
      for (Path f : (Iterable<Path>) files.filter(p -> p.getFileName().toString().endsWith(".jsonl")
          && !p.getFileName().toString().startsWith("."))::iterator) {
        n += Files.readAllLines(f).stream().filter(l -> l.contains("\"status\":\"ok\"")).count();
      }
    }
    return n;
  }

  private Process startChild(Path config, String runId) throws IOException {
    return ChildCli.start(List.of("generate", "--config", config.toString(), "--output", dir.resolve("out").toString(), "--run-id", runId),
        childOutput);
  }
}
