package dev.distill.job.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.conf.PromptTemplate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Reading replies, verdicts and codes; retry delays; prompt templates; the spending cap. */
class RepliesTest {

  @Test
  void teacherThinkingFromFieldOrTags() {
    Replies.TeacherOutput field = Replies.teacher("Answer: 4", "I think 2+2=4");
    assertEquals("I think 2+2=4", field.trace());
    assertEquals("Answer: 4", field.attempt());
    Replies.TeacherOutput tags = Replies.teacher("<think>\nhmm, 4\n</think>\n\nThe answer is 4.", null);
    assertEquals("hmm, 4", tags.trace());
    assertEquals("The answer is 4.", tags.attempt());
    Replies.TeacherOutput stripped = Replies.teacher("hmm, 4</think>The answer is 4.", "");
    assertEquals("hmm, 4", stripped.trace());
    assertNull(Replies.teacher("The answer is 4.", null).trace());
    Replies.TeacherOutput gemini = Replies.teacher("<thought>**Adding** two and two</thought>The answer is 4.", null);
    assertEquals("**Adding** two and two", gemini.trace());
    assertEquals("The answer is 4.", gemini.attempt());
  }

  @Test
  void judgeVerdictOnTheLastLine() {
    assertEquals(true, Replies.verdict("The answers agree.\n\nYes"));
    assertEquals(true, Replies.verdict("...\n**Verdict: Correct**"));
    assertEquals(false, Replies.verdict("They differ.\nNo."));
    assertEquals(false, Replies.verdict("They differ.\nIncorrect"));
    assertNull(Replies.verdict("Yes, they agree.\nMaybe"));
    assertNull(Replies.verdict(null));
  }

  @Test
  void mscCodeIsTheLastTwoDigitNumberOfTheLastLine() {
    assertEquals("11", Replies.mscCode("Number theory.\n11"));
    assertEquals("60", Replies.mscCode("It mentions 05 and 11.\nCode: 60 (probability)"));
    assertNull(Replies.mscCode("no code here"));
  }

  @Test
  void chatReplyRejectsBrokenBodies() throws Exception {
    assertThrows(ChatReply.MalformedReplyException.class, () -> ChatReply.parse("{\"choices\": [{\"mess"));
    assertThrows(ChatReply.MalformedReplyException.class, () -> ChatReply.parse("{\"choices\": []}"));
    // A message with neither content nor reasoning is still a (paid) reply: parsed, not retried.
    assertNull(ChatReply.parse("{\"choices\": [{\"message\": {}}]}").content());
    ChatReply r = ChatReply.parse("{\"choices\":[{\"message\":{\"content\":\"x\",\"reasoning\":\"r\"},\"finish_reason\":\"length\"}]}");
    assertEquals("r", r.reasoning());
    assertEquals("length", r.finishReason());
    assertNull(r.promptTokens());
  }

  @Test
  void providerErrorsAreTransientFinalOrFatal() {
    // Gemini's errors are a JSON array; its transient 429 says "check quota", its spent one "exceeded your current quota".
    ProviderError busy = ProviderError.classify(429, "[{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted (e.g. check quota).\","
        + "\"status\":\"RESOURCE_EXHAUSTED\",\"details\":[{\"retryDelay\":\"13s\"}]}}]");
    assertEquals(ProviderError.Kind.TRANSIENT, busy.kind());
    assertEquals("Resource has been exhausted (e.g. check quota).", busy.message());
    assertEquals(13_000, RetryPolicy.retryDelayInBody("{\"retryDelay\": \"13s\"}"));
    assertEquals(ProviderError.Kind.FATAL, ProviderError.classify(429,
        "{\"error\":{\"message\":\"You exceeded your current quota\",\"type\":\"insufficient_quota\"}}").kind());
    assertEquals(ProviderError.Kind.FATAL, ProviderError.classify(400,
        "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"Your credit balance is too low to access the Anthropic API.\"}}").kind());
    assertEquals(ProviderError.Kind.FATAL, ProviderError.classify(402, "{\"error\":{\"message\":\"Insufficient Balance\"}}").kind());
    assertEquals(ProviderError.Kind.FINAL, ProviderError.classify(500,
        "{\"error\":{\"code\":500,\"message\":\"the request exceeds the available context size. try increasing the context size\"}}").kind());
    assertEquals(ProviderError.Kind.FINAL, ProviderError.classify(500, "{\"error\":{\"message\":\"Only one completion choice is allowed\"}}").kind());
    assertEquals(ProviderError.Kind.TRANSIENT, ProviderError.classify(503, "upstream connect error").kind());
    assertEquals(ProviderError.Kind.FINAL, ProviderError.classify(404, "{\"error\":{\"message\":\"The model `x` does not exist\"}}").kind());
    // OpenRouter's upstream failure inside a 200 carries its own code.
    ProviderError routed = ProviderError.classify(200, "{\"error\":{\"code\":502,\"message\":\"Provider returned error\",\"metadata\":{\"raw\":\"reset\"}}}");
    assertEquals(ProviderError.Kind.TRANSIENT, routed.kind());
    assertEquals(502, routed.status());
    assertEquals("Provider returned error (reset)", routed.message());
  }

  @Test
  void backoffDoublesWithJitterAndHonoursRetryAfter() {
    RetryPolicy p = new RetryPolicy(5, 1000, 8000);
    Instant now = Instant.parse("2026-11-25T10:00:00Z");
    for (int i = 0; i < 50; i++) {
      long d1 = p.delayMs(1, null);
      long d3 = p.delayMs(3, null);
      long d9 = p.delayMs(9, null);
      assertTrue(d1 >= 500 && d1 <= 1000, "retry 1: " + d1);
      assertTrue(d3 >= 2000 && d3 <= 4000, "retry 3: " + d3);
      assertTrue(d9 >= 4000 && d9 <= 8000, "retry 9 capped: " + d9);
    }
    assertEquals(7000, p.delayMs(1, RetryPolicy.askedMs(Map.of("Retry-After", List.of("7")), now)));
    assertEquals(30_000, p.delayMs(1, RetryPolicy.askedMs(Map.of("retry-after", List.of("Wed, 25 Nov 2026 10:00:30 GMT")), now)));
    assertEquals(RetryPolicy.MAX_RETRY_AFTER_MS, p.delayMs(1, RetryPolicy.askedMs(Map.of("retry-after", List.of("86400")), now)));
    assertEquals(1500, p.delayMs(1, RetryPolicy.askedMs(Map.of("retry-after-ms", List.of("1500"), "retry-after", List.of("2")), now)),
        "retry-after-ms is the more precise of the two");
    assertEquals(360_000, p.delayMs(1, RetryPolicy.askedMs(Map.of("x-ratelimit-reset-requests", List.of("1s"),
        "x-ratelimit-reset-tokens", List.of("6m0s")), now)), "the later of OpenAI's two resets");
    assertEquals(3_500, p.delayMs(1, RetryPolicy.askedMs(Map.of("anthropic-ratelimit-requests-reset", List.of("2026-11-25T10:00:03.500Z")), now)));
    assertNull(RetryPolicy.askedMs(Map.of("content-type", List.of("application/json")), now));
    assertEquals(20, RetryPolicy.durationMs("20ms"));
    assertEquals(3_723_500, RetryPolicy.durationMs("1h2m3.5s"));
    assertNull(RetryPolicy.durationMs("soon"));
    assertTrue(RetryPolicy.retryable(429) && RetryPolicy.retryable(503) && !RetryPolicy.retryable(400) && !RetryPolicy.retryable(401));
  }

  @Test
  void promptTemplatesSubstituteOnceAndRejectUnknownNames() {
    PromptTemplate t = PromptTemplate.parse("Q: {question}\nUse {{question}} and \\boxed{}.", Set.of("question"));
    assertEquals("Q: what is {x}?\nUse {question} and \\boxed{}.", t.render(Map.of("question", "what is {x}?")));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PromptTemplate.parse("{quesiton}", Set.of("question")));
    assertTrue(e.getMessage().contains("{quesiton}"));
  }

  @Test
  void spendingCapWaitsForCallsInFlightThenStops() throws Exception {
    SpendingCap cap = new SpendingCap(1.0);
    assertTrue(cap.reserve(0.6));
    // The second reservation waits until the first call settles at its real (smaller) cost.
    Thread settle = new Thread(() -> {
      sleepQuietly(200);
      cap.settle(0.6, 0.3);
    });
    settle.start();
    assertTrue(cap.reserve(0.6));
    settle.join();
    cap.settle(0.6, 0.5);
    // 0.8 spent: a worst case of 0.3 no longer fits with nothing in flight, so the cap is reached for good.
    assertTrue(!cap.reserve(0.3));
    assertTrue(cap.reached());
    assertTrue(!cap.reserve(0.01));
    assertEquals(0.8, cap.spent(), 1e-9);
    assertTrue(new SpendingCap(0).reserve(1e9));
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void rateLimiterMakesCallersWaitOnceTheMinuteIsSpent() {
    RateLimiter r = new RateLimiter(60);
    assertEquals(0, r.take(60));
    long wait = r.take(1);
    assertTrue(wait >= 900 && wait <= 1100, "one more request per second at 60/min: " + wait);
    r.giveBack(2);
    assertEquals(0, new RateLimiter(0).take(1e9));
  }
}
