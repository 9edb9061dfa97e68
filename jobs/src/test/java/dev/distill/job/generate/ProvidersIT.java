package dev.distill.job.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.error.ExitCode;
import dev.distill.job.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The generate stage against the loopback server's provider profiles, through the real CLI: long
 * streamed traces, replies cut at max_tokens, requests a server rejects, a spent quota, the spend
 * against the server's own billing with faults, pass@k bands, context windows and k traces per question.
 * Each test has its own pool, ledger and output.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProvidersIT {
  Path dir;
  Path keyFile;
  FakeChatServer server;
  Map<String, String> answers = new LinkedHashMap<>();
  GenerateRuns runs;

  @BeforeAll
  void start() throws IOException {
    dir = Files.createTempDirectory("distill-providers-it");
    keyFile = dir.resolve("api-key.txt");
    Files.writeString(keyFile, FakeChatServer.KEY + "\n");
    server = new FakeChatServer(answers);
    runs = new GenerateRuns(dir.resolve("out"));
  }

  @AfterAll
  void stop() throws IOException {
    server.close();
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** Questions {@code name}-0.. with a marker on some, written as a pool of its own; returns the questions. */
  private List<String> pool(String name, int n, Map<Integer, String> markers) throws IOException {
    List<String> questions = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String q = "In pool " + name + ", add " + (i * 17 + 3) + " and " + (i * 5 + 11) + " then report the sum of case " + i + "."
          + (markers.containsKey(i) ? " " + markers.get(i) : "");
      String answer = String.valueOf(i * 22 + 14);
      answers.put(q, answer);
      questions.add(q);
      lines.add(Json.compact(Map.of("problem", q, "answer", answer)));
    }
    Files.createDirectories(dir.resolve(name));
    Files.write(dir.resolve(name).resolve("pool.jsonl"), lines);
    return questions;
  }

  private Path config(String name, String generate, String... extra) throws IOException {
    StringBuilder yaml = new StringBuilder();
    yaml.append("sources:\n  - {name: test/").append(name).append(", path: '").append(dir.resolve(name)).append("/*.jsonl', format: jsonl, ")
        .append("cot_type: math, fields: {question: problem, answer: answer}}\n");
    yaml.append("spark: {master: 'local[2]', conf: {spark.ui.enabled: 'false'}}\n");
    yaml.append("quality: {target_scripts: []}\n");
    yaml.append("generate:\n");
    yaml.append("  api_key_file: '").append(keyFile).append("'\n");
    yaml.append("  ledger: '").append(dir.resolve("ledger-" + name)).append("'\n");
    yaml.append("  concurrency: 4\n  max_retries: 3\n  backoff_initial_ms: 50\n  backoff_max_ms: 200\n  timeout_seconds: 3\n");
    yaml.append("  idle_timeout_seconds: 2\n  ledger_flush_rows: 4\n  ledger_flush_seconds: 1\n  progress_seconds: 5\n");
    yaml.append(generate);
    for (String line : extra) {
      yaml.append(line).append('\n');
    }
    Path file = dir.resolve(name + ".yaml");
    Files.writeString(file, yaml.toString());
    return file;
  }

  private Dataset<Row> ledger(String name) {
    return GenerateRuns.segments(dir.resolve("ledger-" + name));
  }

  private static List<String> errors(Row r) {
    return scala.jdk.javaapi.CollectionConverters.asJava(r.<String>getSeq(r.fieldIndex("generation_errors")));
  }

  private int maxAnswers() {
    return server.answered().values().stream().mapToInt(AtomicInteger::get).max().orElse(0);
  }

  @Test
  void longTracesStreamWholeAndACutTraceNeverBecomesATrace() throws IOException {
    List<String> qs = pool("long", 8, Map.of(1, "[long]", 4, "[long]", 6, "[long]"));
    // A 40,960-token window (Qwen3's), so that a 32,768-token limit fits beside the prompt.
    server.setMaxModelLen(40960);
    String teacher = "  teacher: {model: teacher-r, base_url: '" + server.baseUrl("vllm") + "', max_tokens: %d}\n";
    assertEquals(ExitCode.OK, runs.cli("run", config("long", String.format(teacher, 4096), "select: {size: 8}"), "short"));
    List<Row> rows = runs.read("short", "stages/generate").collectAsList();
    int lost = 0;
    for (Row r : rows) {
      String q = r.getAs("question");
      if (q.contains("[long]")) {
        lost++;
        assertTrue(r.isNullAt(r.fieldIndex("trace")), "a trace cut at max_tokens is never used: " + q);
        assertTrue(errors(r).toString().contains("truncated"), errors(r).toString());
      } else {
        assertTrue(((String) r.getAs("trace")).contains("step by step"), q);
      }
    }
    assertEquals(3, lost);
    List<Row> removed = runs.read("short", "removed/quality").filter("reason = 'api_error'").collectAsList();
    assertEquals(3, removed.size());
    removed.forEach(r -> assertTrue(((String) r.getAs("detail")).contains("truncated: the reply reached max_tokens 4096"), (String) r.getAs("detail")));
    assertEquals(3, ledger("long").filter("status = 'truncated'").count(), "the ledger says truncated, not ok");
    assertEquals(3L, runs.stage("short", "generate").path("replies_truncated").asLong());
    for (String line : Files.readAllLines(dir.resolve("out/short/handoff/train.jsonl"))) {
      assertFalse(line.contains("[long]"), "a truncated trace reached the handoff");
    }

    // A larger max_tokens is another request: called again, and the 30,000-token streams arrive whole,
    // each taking longer than the idle timeout in total but never pausing that long between chunks.
    int before = server.requestsMatching("[long]");
    assertEquals(ExitCode.OK, runs.cli("run", config("long", String.format(teacher, 32768), "select: {size: 8}"), "whole"));
    assertEquals(before + 3, server.requestsMatching("[long]"), "only the cut traces are asked again, once each");
    List<Row> longRows = runs.read("whole", "stages/generate").filter("question LIKE '%[long]%'").collectAsList();
    assertEquals(3, longRows.size());
    for (Row r : longRows) {
      String trace = r.getAs("trace");
      int tokens = trace == null ? 0 : (trace.length() - trace.replace("think", "").length()) / "think".length();
      assertEquals(30_000, tokens, "a whole 30,000-token trace");
    }
    long slowest = ledger("long").filter("status = 'ok' AND request LIKE '%[long]%'").agg(org.apache.spark.sql.functions.min("latency_ms"))
        .first().getLong(0);
    assertTrue(slowest > 2000, "each long stream took " + slowest + " ms in total, more than the 2 s idle timeout");
    System.out.printf("[ProvidersIT] rows lost to truncation on the long-trace profile: max_tokens 4096: %d of %d, 32768: %d of %d%n",
        lost, qs.size(), runs.read("whole", "removed/quality").filter("reason = 'api_error'").count(), qs.size());
    server.setMaxModelLen(32768);
  }

  @Test
  void aRejectedRequestIsNeverSentTwiceAcrossRuns() throws IOException {
    pool("rejected", 6, Map.of(2, "[badrequest]", 3, "[overflow]"));
    String roles = "  teacher: {model: teacher-r, base_url: '" + server.baseUrl("openai") + "', max_tokens: 500}\n";
    Path config = config("rejected", roles);
    assertEquals(ExitCode.OK, runs.cli("generate", config, "rej1"));
    assertEquals(1, server.requestsMatching("[badrequest]"));
    assertEquals(1, server.requestsMatching("[overflow]"));
    assertEquals(2, ledger("rejected").filter("status = 'rejected'").count());
    assertEquals(ExitCode.OK, runs.cli("generate", config, "rej2"));
    assertEquals(1, server.requestsMatching("[badrequest]"), "a 400 is final for that request: not sent again by a rerun");
    assertEquals(1, server.requestsMatching("[overflow]"));
    for (Row r : runs.read("rej2", "stages/generate").filter("question LIKE '%[badrequest]%' OR question LIKE '%[overflow]%'").collectAsList()) {
      assertTrue(errors(r).get(0).contains("HTTP 400"), errors(r).toString());
    }

    // An OpenAI reasoning model refuses max_tokens and temperature; with its own parameters every call goes through.
    String o = "  teacher: {model: o4-mini, base_url: '" + server.baseUrl("openai") + "', max_tokens: 500%s}\n";
    assertEquals(ExitCode.OK, runs.cli("generate", config("rejected", String.format(o, "")), "rej3"));
    assertEquals(6L, runs.stage("rej3", "generate").path("calls_rejected").asLong());
    assertEquals(ExitCode.OK, runs.cli("generate", config("rejected", String.format(o, ", limit_field: max_completion_tokens, send_temperature: false")), "rej4"));
    String sent = server.lastRequest("o4-mini");
    assertTrue(sent.contains("\"max_completion_tokens\":500") && !sent.contains("temperature"), sent);
    assertEquals(4, ledger("rejected").filter("status = 'ok' AND model = 'o4-mini'").count(), "all but [badrequest] and [overflow]");
  }

  @Test
  void aSpentQuotaStopsTheRunWithExit4AndARefilledRerunPaysNothingTwice() throws Exception {
    pool("quota", 40, Map.of());
    // OpenAI's spent quota is a 429 like its rate limits; only insufficient_quota tells it apart. teacher-t thinks in <think> tags.
    Path config = config("quota", "  teacher: {model: teacher-t, base_url: '" + server.baseUrl("openai") + "', max_tokens: 300}\n"
        + "  max_fatal_errors: 3\n  concurrency: 2\n");
    server.resetCounts();
    server.exhaustQuotaAfter(12);
    try {
      stopsAndResumes(config);
    } finally {
      server.refillQuota();
    }
  }

  private void stopsAndResumes(Path config) throws Exception {
    // In this JVM, with its error stream captured: what the user reads is the line Main prints there.
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    java.io.PrintStream original = System.err;
    int rc;
    System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      rc = runs.cli("generate", config, "q1");
    } finally {
      System.setErr(original);
    }
    String printed = err.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(ExitCode.UPSTREAM, rc, printed);
    assertTrue(printed.contains("distill: Cannot continue generating: generate.teacher (model teacher-t at " + server.baseUrl("openai")
        + ") failed 3 times in a row") && printed.contains("HTTP 429") && printed.contains("exceeded your current quota"), printed);
    assertEquals(1, printed.lines().filter(l -> l.startsWith("distill:")).count(), printed);
    assertFalse(printed.contains("\tat "), "one line, no stack trace: " + printed);
    assertFalse(printed.contains(FakeChatServer.KEY));
    int refused = server.statusCounts().getOrDefault(429, new AtomicInteger()).get();
    // Two tasks, each stops after 3 in a row; a reply in flight can reset a task's count once, and up to
    // concurrency more requests were already sent when it stopped.
    System.out.printf("[ProvidersIT] quota: %d refusals before the stop (max_fatal_errors 3, 2 tasks x 2 concurrent)%n", refused);
    assertTrue(refused >= 3 && refused <= 2 * (2 * 3 + 2), refused + " quota refusals before the stop");
    long kept = ledger("quota").filter("status = 'ok'").count();
    assertTrue(kept >= 12 && kept == server.totalAnswered(), "every reply received before the stop is kept: " + kept + " of " + server.totalAnswered());

    server.refillQuota();
    assertEquals(ExitCode.OK, runs.cli("generate", config, "q1"));
    assertEquals(40, runs.read("q1", "stages/generate").filter("trace IS NOT NULL").count());
    assertEquals(1, maxAnswers(), "no call answered twice across the stopped run and its rerun");
    assertEquals(40, server.billedAttempts(), "40 questions, 40 billed replies");
  }

  @Test
  void spendEqualsTheServersBillingWithTenPercentFaults() throws Exception {
    Map<Integer, String> faults = new LinkedHashMap<>();
    String[] kinds = {"[truncated]", "[stall]", "[drop]", "[500]", "[ratelimit]", "[slow]"};
    for (int i = 0; i < 6; i++) {
      faults.put(i * 9 + 2, kinds[i]);
    }
    pool("billing", 60, faults);
    server.resetCounts();
    server.setStallMillis(3500);
    Path config = config("billing", "  teacher: {model: teacher-r, base_url: '" + server.baseUrl("vllm") + "', max_tokens: 400, "
        + "price_input: 3000, price_output: 9000, free: false}\n"
        + "  students:\n    - {name: s, model: student-good, base_url: '" + server.baseUrl("plain") + "', stream: false, max_tokens: 100, "
        + "price_input: 500, price_output: 1500, free: false}\n");
    long start = System.nanoTime();
    assertEquals(ExitCode.OK, runs.cli("generate", config, "bill"));
    double seconds = (System.nanoTime() - start) / 1e9;
    JsonNode gen = runs.stage("bill", "generate");
    // A [slow] first attempt is billed when the server finishes it, after the client has moved on.
    assertTrue(server.awaitIdle(10_000), "the server still had requests running");
    double billed = server.billedUsd("teacher-r", 3000, 9000) + server.billedUsd("student-good", 500, 1500);
    double recorded = gen.path("cost_usd").asDouble();
    double ledgerSum = ledger("billing").agg(org.apache.spark.sql.functions.sum("cost_usd")).first().getDouble(0);
    System.out.printf("[ProvidersIT] spend with 10%% faults: recorded $%.6f, ledger $%.6f, server billed $%.6f; %d abandoned attempts; %.1f s%n",
        recorded, ledgerSum, billed, gen.path("abandoned_attempts").asLong(), seconds);
    assertTrue(gen.path("abandoned_attempts").asLong() >= 4, gen.toString());
    assertEquals(billed, recorded, 1e-5, "run.json's spend is what the server billed, abandoned attempts included");
    assertEquals(billed, ledgerSum, 1e-5);
    assertEquals(60, runs.read("bill", "stages/generate").filter("trace IS NOT NULL").count(), "every fault was retried to a whole reply");
  }

  @Test
  void passAtKBandsKeepExactlyThePlantedRates() throws IOException {
    Map<Integer, String> rates = new LinkedHashMap<>();
    for (int k = 0; k <= 8; k++) {
      rates.put(k, "[pass=" + k + "]");
    }
    List<String> qs = pool("passk", 9, rates);
    for (String profile : List.of("vllm", "llama")) {
      server.resetCounts();
      boolean n = profile.equals("vllm");
      Path config = config("passk", "  students:\n    - {name: r, model: student-rate, base_url: '" + server.baseUrl(profile) + "', samples: 8, "
          + "temperature: 0.7, max_tokens: 100, use_n: " + n + "}\n", "difficulty: {pass_rate: [0.25, 0.75]}", "select: {size: 9}");
      assertEquals(ExitCode.OK, runs.cli("run", config, "pass-" + profile));
      assertEquals(n ? 9 : 72, server.totalHits(), profile + ": " + (n ? "one request with n=8" : "8 seeded requests") + " per question");
      Set<String> kept = new TreeSet<>();
      runs.read("pass-" + profile, "stages/difficulty").collectAsList().forEach(r -> kept.add(r.getAs("question")));
      Set<String> expected = new TreeSet<>();
      for (int k = 2; k <= 6; k++) {
        expected.add(qs.get(k));
      }
      assertEquals(expected, kept, profile + ": 2..6 of 8 right is inside [0.25, 0.75]");
      assertEquals(4, runs.read("pass-" + profile, "removed/difficulty").filter("reason = 'pass_rate'").count());
      assertEquals(0L, runs.stage("pass-" + profile, "difficulty").path("removed").path("solved_by_student").asLong(), "a band turns s1's hard filter off");
    }
  }

  @Test
  void aStudentCutOffHasNoAnswerRatherThanAWrongOne() throws IOException {
    List<String> qs = pool("noanswer", 4, Map.of(1, "[length]"));
    Path config = config("noanswer", "  students:\n    - {name: s, model: student-good, base_url: '" + server.baseUrl("sglang") + "', max_tokens: 100}\n");
    assertEquals(ExitCode.OK, runs.cli("generate", config, "na"));
    Row cut = runs.read("na", "stages/generate").filter(org.apache.spark.sql.functions.col("question").equalTo(qs.get(1))).first();
    assertTrue(cut.isNullAt(cut.fieldIndex("grades")) || cut.getJavaMap(cut.fieldIndex("grades")).isEmpty(), "no grade for a cut answer");
    assertEquals(List.of("s#0"), scala.jdk.javaapi.CollectionConverters.asJava(cut.<String>getSeq(cut.fieldIndex("students_no_answer"))));
    assertTrue(errors(cut).isEmpty(), "no answer is not an API error");
  }

  @Test
  void theContextWindowIsCheckedBeforeCalling() throws IOException {
    List<String> qs = pool("window", 4, Map.of());
    String longQuestion = "In pool window, consider " + "a very long preamble that keeps going ".repeat(20) + "and answer 5.";
    answers.put(longQuestion, "5");
    Files.writeString(dir.resolve("window/pool.jsonl"), Json.compact(Map.of("problem", longQuestion, "answer", "5")) + "\n", java.nio.file.StandardOpenOption.APPEND);
    server.setMaxModelLen(700);
    try {
      String student = "  students:\n    - {name: s, model: student-good, base_url: '" + server.baseUrl("vllm") + "', max_tokens: 500%s}\n";
      assertEquals(ExitCode.OK, runs.cli("generate", config("window", String.format(student, "")), "w0", "--dry-run"));
      JsonNode estimate = Json.MAPPER.readTree(dir.resolve("out/w0/run.json").toFile()).path("generate_estimate").get(0);
      assertTrue(estimate.path("context_window").asText().contains("700 tokens"), estimate.toString());
      assertEquals(1, estimate.path("calls_refused_context").asInt(), estimate.toString());

      assertEquals(ExitCode.OK, runs.cli("generate", config("window", String.format(student, "")), "w1"));
      assertEquals(0, server.requestsMatching("very long preamble"), "refused before calling");
      Row refused = runs.read("w1", "stages/generate").filter(org.apache.spark.sql.functions.col("question").equalTo(longQuestion)).first();
      assertTrue(errors(refused).get(0).contains("context window") && errors(refused).get(0).contains("700"), errors(refused).toString());
      assertEquals(qs.size(), runs.read("w1", "stages/generate").filter("size(generation_errors) = 0").count());

      assertEquals(ExitCode.OK, runs.cli("generate", config("window", String.format(student, ", context_overflow: clamp")), "w2"));
      String sent = server.lastRequest("very long preamble");
      int maxTokens = Json.MAPPER.readTree(sent).path("max_tokens").asInt();
      assertTrue(maxTokens > 0 && maxTokens < 500, "clamped to what fits: " + maxTokens);
      assertEquals(1L, runs.stage("w2", "generate").path("calls_clamped_context").asLong());
    } finally {
      server.setMaxModelLen(32768);
    }
  }

  @Test
  void kTracesPerQuestionExportTheBestOrAll() throws IOException {
    pool("ktraces", 5, Map.of());
    String teacher = "  teacher: {model: teacher-r, base_url: '" + server.baseUrl("vllm") + "', samples: 3, use_n: true, max_tokens: 300}\n";
    assertEquals(ExitCode.OK, runs.cli("run", config("ktraces", teacher, "select: {size: 5}"), "k-best"));
    List<Row> rows = runs.read("k-best", "stages/generate").collectAsList();
    for (Row r : rows) {
      assertEquals(3, r.getList(r.fieldIndex("teacher_samples")).size());
    }
    assertEquals(5, Files.readAllLines(dir.resolve("out/k-best/handoff/train.jsonl")).size(), "best: one trace per question");
    assertEquals(ExitCode.OK, runs.cli("run", config("ktraces", teacher, "select: {size: 5}", "export: {traces: all}"), "k-all"));
    assertEquals(15, Files.readAllLines(dir.resolve("out/k-all/handoff/train.jsonl")).size(), "all: every trace of every question");
    JsonNode export = runs.stage("k-all", "export");
    assertEquals(export.path("rows_in").asLong(), export.path("rows_out").asLong() + export.path("removed").path("too_long").asLong(0));
  }
}
