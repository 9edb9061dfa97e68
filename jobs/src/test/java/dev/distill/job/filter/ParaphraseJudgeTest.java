package dev.distill.job.filter;

import static dev.distill.job.SparkTestSession.candidate;
import static dev.distill.job.SparkTestSession.candidates;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.distill.job.SparkTestSession;
import dev.distill.job.SparkTestSession.CandidateRow;
import dev.distill.job.api.StageContext;
import dev.distill.job.api.StageRunner;
import dev.distill.job.generate.GenerateStage;
import dev.distill.job.io.Json;
import dev.distill.job.io.StageResult;
import dev.distill.job.schema.Columns;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** decontam.judge against a real chat-completions server on 127.0.0.1 that counts every request it gets. */
class ParaphraseJudgeTest {
  private static final String CIRCLE = "A circle has a radius of 7 centimeters. What is the area of the circle? Express your answer in terms of $\\pi$.";
  private static final String TRAINS =
      "Two trains leave the same station at noon, one heading north at 60 km/h and one heading east at 80 km/h. How far apart are they at 3 pm?";
  private static final String DIVISORS = "Find the smallest positive integer that has exactly 12 positive divisors.";
  private static final String ENZYME = "Which enzyme in human saliva begins the digestion of starch?";

  // The server's answer is chosen by which of these the prompt holds.
  private static final String PARAPHRASE = "Express in terms of $\\pi$ the area enclosed by a circle whose radius measures 7 centimeters.";
  private static final String SAME_TOPIC = "Two cars set off together from one town at 9 am; the first drives due north at 50 km/h, "
      + "the second due east at 120 km/h. What distance separates them two hours later?";
  private static final String GARBLED = "Which protein in human saliva starts breaking starch down?";
  private static final String FLAKY = "Name the least whole number above zero with precisely twelve divisors.";
  private final CandidateRow paraphrase = candidate(PARAPHRASE).source("pool/a", 0);
  private final CandidateRow sameTopic = candidate(SAME_TOPIC).source("pool/a", 0);
  private final CandidateRow garbled = candidate(GARBLED).source("pool/a", 0);
  private final CandidateRow flaky = candidate(FLAKY).source("pool/a", 0);
  private final CandidateRow copy = candidate("find the smallest positive integer that has exactly 12 positive divisors").source("pool/a", 0);

  @TempDir
  Path tmp;
  private HttpServer server;
  private final AtomicInteger calls = new AtomicInteger();
  private final Map<String, AtomicInteger> callsFor = new HashMap<>();

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/v1/chat/completions", this::answer);
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  /** Yes for the paraphrase, No for the same-topic question, no verdict for the garbled one, HTTP 500 the first time for the flaky one (No after). */
  private void answer(HttpExchange exchange) throws IOException {
    JsonNode request = Json.MAPPER.readTree(exchange.getRequestBody().readAllBytes());
    calls.incrementAndGet();
    String prompt = request.path("messages").get(request.path("messages").size() - 1).path("content").asText();
    String text;
    if (prompt.contains(PARAPHRASE)) {
      text = "Both ask for the area of a circle of radius 7 in terms of pi.\nYes";
    } else if (prompt.contains(SAME_TOPIC)) {
      text = "Same kind of problem, other numbers and another question.\nNo";
    } else if (prompt.contains(GARBLED)) {
      text = "Hard to say; they are about saliva.";
    } else if (prompt.contains(FLAKY)) {
      if (callsFor.computeIfAbsent("flaky", k -> new AtomicInteger()).incrementAndGet() == 1) {
        send(exchange, 500, "{\"error\": {\"message\": \"internal error\", \"type\": \"server_error\"}}");
        return;
      }
      text = "The eval item asks for a count of 12 divisors too, but phrased as the smallest such integer.\nNo";
    } else {
      text = "unexpected prompt";
    }
    send(exchange, 200, Json.compact(Map.of("id", "c1", "object", "chat.completion", "model", request.path("model").asText(),
        "choices", List.of(Map.of("index", 0, "message", Map.of("role", "assistant", "content", text), "finish_reason", "stop")),
        "usage", Map.of("prompt_tokens", 100, "completion_tokens", 10, "total_tokens", 110))));
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private StageContext context(String run, String... more) throws IOException {
    Path eval = tmp.resolve("eval.jsonl");
    Files.writeString(eval, line("c1", CIRCLE) + line("t1", TRAINS) + line("d1", DIVISORS) + line("e1", ENZYME), StandardCharsets.UTF_8);
    String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    List<String> overrides = new java.util.ArrayList<>(List.of(
        "decontam.eval_sets=[{name: evalx, path: '" + eval + "', question: problem, id_field: uid}]",
        "embeddings.enabled=true",
        "run.output='" + tmp.resolve("out") + "'",
        // Every question not caught by its n-grams is in the band: the judge decides them all.
        "decontam.semantic_threshold=0.999",
        "decontam.review_threshold=-1",
        "decontam.judge={model: para-judge, base_url: '" + base + "', stream: false, price_input: 1.0, price_output: 2.0}",
        "generate.max_retries=0"));
    overrides.addAll(List.of(more));
    return SparkTestSession.context(tmp.resolve("out/" + run), overrides.toArray(String[]::new));
  }

  private static String line(String id, String problem) {
    return "{\"uid\": \"" + id + "\", \"problem\": \"" + problem.replace("\\", "\\\\") + "\"}\n";
  }

  private StageResult decontam(StageContext context) {
    return StageRunner.run(new DecontamStage(), context,
        candidates(List.of(paraphrase.row(), sameTopic.row(), garbled.row(), flaky.row(), copy.row())));
  }

  /** The review file: id -> {verdict, error}. */
  private static Map<String, String[]> review(StageContext context) {
    Map<String, String[]> out = new HashMap<>();
    for (Row r : context.spark().read().parquet(context.run().review(DecontamStage.REVIEW)).collectAsList()) {
      out.put(r.getAs(Columns.ID), new String[] {r.getAs("judge_verdict"), r.getAs("judge_error")});
    }
    return out;
  }

  @Test
  void yesRemovesNoAndFailuresAreListedAndARerunCallsNothingTwice() throws IOException {
    StageContext first = context("run1");
    StageResult result = decontam(first);

    assertEquals(4, calls.get(), "one call per question in the band; the n-gram copy is never sent");

    assertEquals(Map.of("contaminated", 1L, "paraphrased_eval", 1L), result.removed());
    Dataset<Row> removed = first.spark().read().parquet(first.run().removed(DecontamStage.NAME));
    Row para = removed.filter(removed.col(Columns.ID).equalTo(paraphrase.id())).first();
    assertEquals(DecontamStage.PARAPHRASED_EVAL, para.getAs(Columns.REASON));
    String detail = para.getAs(Columns.DETAIL);
    assertTrue(detail.matches("evalx:c1 cosine [01]\\.\\d{3}, judge: yes \\(para-judge\\)"), detail);

    Map<String, String[]> listed = review(first);
    assertEquals(3, listed.size(), "no, no verdict and the failed call are kept for review");
    assertArrayEquals(new String[] {"no", null}, listed.get(sameTopic.id()));
    assertNull(listed.get(garbled.id())[0], "an unreadable reply is no verdict");
    assertTrue(listed.get(garbled.id())[1].startsWith("unreadable verdict: the reply's last line is \"Hard to say; they are about saliva.\""),
        listed.get(garbled.id())[1]);
    assertNull(listed.get(flaky.id())[0], "a failed call is no verdict");
    assertTrue(listed.get(flaky.id())[1].startsWith("judge call error: HTTP 500"), listed.get(flaky.id())[1]);
    List<String> kept = first.spark().read().parquet(first.run().stage(DecontamStage.NAME)).select(Columns.ID)
        .as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    assertEquals(List.of(sameTopic.id(), garbled.id(), flaky.id()).stream().sorted().toList(), kept.stream().sorted().toList());

    @SuppressWarnings("unchecked")
    Map<String, Object> judge = (Map<String, Object>) result.extra().get("semantic_judge");
    assertEquals(4L, judge.get("judged"));
    assertEquals(1L, judge.get("yes"));
    assertEquals(1L, judge.get("no"));
    assertEquals(2L, judge.get("errors"));
    assertEquals(4L, judge.get("calls_made"));
    assertEquals(1L, judge.get("calls_failed"));
    // Three replies of 100 prompt and 10 completion tokens at $1 / $2 per million; the 500 costs nothing.
    assertEquals(3 * (100 * 1.0 + 10 * 2.0) / 1e6, (Double) judge.get("cost_usd"), 1e-12);
    assertEquals(3L, result.extra().get("semantic_review"));

    // Another run on the same ledger, failed calls not retried: nothing is called, the verdicts are the same.
    StageContext second = context("run2", "generate.retry_failed=false");
    StageResult again = decontam(second);
    assertEquals(4, calls.get(), "a rerun pays nothing twice");
    assertEquals(result.removed(), again.removed());
    assertEquals(Map.of(sameTopic.id(), "no"), Map.of(sameTopic.id(), review(second).get(sameTopic.id())[0]));
    @SuppressWarnings("unchecked")
    Map<String, Object> cached = (Map<String, Object>) again.extra().get("semantic_judge");
    assertEquals(4L, cached.get("calls_cached"));
    assertEquals(0L, cached.get("calls_made"));

    // With retry_failed (the default) only the failed call is made again; this time it answers No.
    StageContext third = context("run3");
    decontam(third);
    assertEquals(5, calls.get(), "only the failed call is called again");
    assertArrayEquals(new String[] {"no", null}, review(third).get(flaky.id()));
    assertEquals(5L, GenerateStage.ledger(third).all(third.spark()).filter("role = 'paraphrase_judge'").count(),
        "every call is in the ledger");
  }

  @Test
  void callsOverTheCostCapAreNotMadeAndTheirRowsAreListed() throws IOException {
    // A call's worst case (prompt bytes + max_tokens 1024 at $2 per million) is above $0.002: none fits.
    StageContext capped = context("run1", "generate.max_cost_usd=0.001");
    StageResult result = decontam(capped);
    assertEquals(0, calls.get(), "nothing is sent past the cap");
    assertEquals(Map.of("contaminated", 1L), result.removed());
    Map<String, String[]> listed = review(capped);
    assertEquals(4, listed.size());
    for (String[] v : listed.values()) {
      assertNull(v[0]);
      assertTrue(v[1].startsWith("not judged: generate.max_cost_usd was reached"), v[1]);
    }
  }

  @Test
  void aVerdictIsYesOrNoOnTheLastLineAndAnythingElseSaysWhyThereIsNone() {
    assertArrayEquals(new String[] {"yes", null}, ParaphraseJudge.decide("ok", "<think>same area</think>Same problem.\n\nYes.", null, null, false, "k"));
    assertArrayEquals(new String[] {"no", null}, ParaphraseJudge.decide("ok", "Verdict: No", "the numbers differ", null, false, "k"));
    assertArrayEquals(new String[] {null, "judge call truncated: the reply reached max_tokens 8"},
        ParaphraseJudge.decide("truncated", "Yes", null, "truncated: the reply reached max_tokens 8", false, "k"));
    assertArrayEquals(new String[] {null, "judge call rejected: HTTP 400: bad model"},
        ParaphraseJudge.decide("rejected", null, null, "HTTP 400: bad model", false, "k"));
    assertEquals("unreadable verdict: the reply's last line is (empty), not Yes or No (k.prompt asks for it)",
        ParaphraseJudge.decide("ok", "", null, null, false, "k")[1]);
    assertEquals("not judged: the call was not made", ParaphraseJudge.decide(null, null, null, null, false, "k")[1]);
  }
}
