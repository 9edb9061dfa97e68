package dev.distill.job.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.conf.Endpoints;
import dev.distill.job.conf.GenerateConfig;
import dev.distill.job.conf.PromptTemplate;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The HTTP client against a real loopback server that misbehaves on purpose. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChatClientTest {
  FakeChatServer server;
  ChatClient client = new ChatClient(new RetryPolicy(3, 50, 200), Duration.ofSeconds(2), Duration.ofSeconds(2));

  @BeforeAll
  void start() throws Exception {
    server = new FakeChatServer(Map.ofEntries(
        Map.entry("plain question", "7"),
        Map.entry("limited [429] question", "8"),
        Map.entry("flaky [500] question", "9"),
        Map.entry("broken [always500] question", "1"),
        Map.entry("slow [slow] question", "2"),
        Map.entry("cut [truncated] question", "3"),
        Map.entry("empty [missing] question", "4"),
        Map.entry("cut off [length] question", "5"),
        Map.entry("parts [array] question", "6"),
        Map.entry("proxy [err200] question", "12"),
        Map.entry("window [overflow] question", "13"),
        Map.entry("spent [quota] question", "14"),
        Map.entry("busy [ratelimit] question for openai", "15"),
        Map.entry("busy [ratelimit] question for anthropic", "15"),
        Map.entry("busy [ratelimit] question for plain", "15"),
        Map.entry("stuck [stall] question", "16"),
        Map.entry("dropped [drop] question", "17"),
        Map.entry("wrong [badrequest] question", "18")));
    server.setStallMillis(3000);
  }

  @AfterAll
  void stop() {
    server.close();
  }

  private static ApiKey key() throws Exception {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("key", ".txt");
    java.nio.file.Files.writeString(file, FakeChatServer.KEY + "\n");
    GenerateConfig.Role role = new GenerateConfig.Role("teacher", "teacher", "teacher-r", "http://x", "", file.toString(), 0, 10, 1, 0, 0, "",
        PromptTemplate.parse("{question}", java.util.Set.of("question")),
        new GenerateConfig.Wire(false, "max_tokens", true, false, Map.of(), -1, GenerateConfig.REFUSE, null));
    return ApiKey.resolve(role, "generate.teacher", Map.of());
  }

  private ChatClient.Outcome ask(String profile, String model, String question, boolean stream) throws Exception {
    String body = dev.distill.job.io.Json.compact(Map.of("model", model, "messages",
        java.util.List.of(Map.of("role", "user", "content", question)), "max_tokens", 100));
    return client.call(server.baseUrl(profile), body, stream, key(), ChatClient.Guard.NONE);
  }

  @Test
  void everyProfileStreamedOrNotGivesTheSameReply() throws Exception {
    for (String profile : FakeChatServer.PROFILES) {
      for (boolean stream : new boolean[] {true, false}) {
        ChatClient.Outcome o = ask(profile, "teacher-r", "plain question", stream);
        String where = profile + (stream ? " streamed" : " whole");
        assertTrue(o.ok(), where + ": " + o.error());
        assertEquals(1, o.attempts(), where);
        assertTrue(o.reply().content().contains("\\boxed{7}"), where + ": " + o.reply().content());
        assertEquals("stop", o.reply().finishReason(), where);
        assertTrue(o.reply().promptTokens() > 0 && o.reply().completionTokens() > 0, where + ": usage " + o.reply());
        boolean returnsThinking = !java.util.List.of("openai", "gemini", "anthropic").contains(profile);
        if (returnsThinking) {
          assertTrue(o.reply().reasoning() != null && o.reply().reasoning().contains("step by step"), where + ": " + o.reply());
        }
      }
    }
    ChatClient.Outcome routed = ask("openrouter", "teacher-r", "plain question", false);
    assertNotNull(routed.reply().providerCostUsd(), "OpenRouter reports the cost in usage.cost");
    String reasoningModel = dev.distill.job.io.Json.compact(Map.of("model", "o3-mini", "messages",
        java.util.List.of(Map.of("role", "user", "content", "plain question")), "max_completion_tokens", 100));
    assertNotNull(client.call(server.baseUrl("openai"), reasoningModel, false, key(), ChatClient.Guard.NONE).reply().reasoningTokens(),
        "OpenAI counts reasoning tokens in completion_tokens_details");
  }

  @Test
  void geminiThoughtsAskedForInExtraBodyBecomeTheTrace() throws Exception {
    String body = dev.distill.job.io.Json.compact(Map.of("model", "teacher-r", "messages",
        java.util.List.of(Map.of("role", "user", "content", "plain question")), "max_tokens", 100,
        "google", Map.of("thinking_config", Map.of("include_thoughts", true))));
    for (boolean stream : new boolean[] {true, false}) {
      ChatClient.Outcome o = client.call(server.baseUrl("gemini"), body, stream, key(), ChatClient.Guard.NONE);
      assertTrue(o.ok(), o.error());
      Replies.TeacherOutput t = Replies.teacher(o.reply().content(), o.reply().reasoning());
      assertTrue(t.trace() != null && !t.trace().isBlank(), "thoughts in <thought> tags: " + o.reply().content());
      assertTrue(t.attempt().contains("\\boxed{7}"), t.attempt());
    }
  }

  @Test
  void aReplyCutAtTheLimitIsTruncatedNotAnError() throws Exception {
    for (String profile : java.util.List.of("vllm", "gemini", "ollama")) {
      for (boolean stream : new boolean[] {true, false}) {
        ChatClient.Outcome o = ask(profile, "teacher-r", "cut off [length] question", stream);
        assertTrue(o.ok(), profile + ": " + o.error());
        assertEquals(1, o.attempts(), "a cut reply is paid and final: never retried");
        assertTrue(o.reply().choices().get(0).truncated(), profile + ": " + o.reply());
        assertTrue(o.reply().content() == null || o.reply().content().isEmpty(), profile + ": " + o.reply().content());
      }
    }
  }

  @Test
  void contentPartsAndErrorsInsideA200AreReadForWhatTheyAre() throws Exception {
    ChatClient.Outcome parts = ask("plain", "student-good", "parts [array] question", false);
    assertTrue(parts.ok() && parts.reply().content().contains("\\boxed{6}"), String.valueOf(parts.reply()));
    assertEquals(1, parts.attempts(), "content parts are a good reply, not a malformed one");
    for (boolean stream : new boolean[] {true, false}) {
      ChatClient.Outcome routed = ask("openrouter", "student-good", "proxy [err200] question", stream);
      assertTrue(routed.ok(), routed.error());
      assertEquals(2, routed.attempts(), "OpenRouter's upstream error inside a 200 is retried, not taken as the reply");
      assertEquals(0, routed.abandoned());
    }
  }

  @Test
  void requestsTheServerRejectsAreFinalAndAccountsAreFatal() throws Exception {
    for (String profile : java.util.List.of("vllm", "openai", "llama")) {
      ChatClient.Outcome o = ask(profile, "student-good", "window [overflow] question", true);
      assertFalse(o.ok(), profile);
      assertEquals(ProviderError.Kind.FINAL, o.errorKind(), profile + ": " + o.error());
      assertEquals(1, o.attempts(), profile + ": a context overflow is never retried (llama-server says so with a 500)");
    }
    ChatClient.Outcome bad = ask("openai", "student-good", "wrong [badrequest] question", false);
    assertEquals(ProviderError.Kind.FINAL, bad.errorKind());
    assertEquals(400, bad.httpStatus());
    for (String profile : java.util.List.of("openai", "deepseek", "openrouter", "gemini")) {
      ChatClient.Outcome o = ask(profile, "student-good", "spent [quota] question", false);
      assertEquals(ProviderError.Kind.FATAL, o.errorKind(), profile + ": " + o.error());
      assertEquals(1, o.attempts(), profile);
    }
    ChatClient.Outcome openai = ask("openai", "o3-mini", "plain question", false);
    assertEquals(ProviderError.Kind.FINAL, openai.errorKind(), "o-series models reject max_tokens: " + openai.error());
    assertTrue(openai.error().contains("max_completion_tokens"), openai.error());
  }

  @Test
  void rateLimitHeadersAreHonoured() throws Exception {
    for (String profile : java.util.List.of("openai", "anthropic", "plain")) {
      long start = System.nanoTime();
      ChatClient.Outcome o = ask(profile, "student-good", "busy [ratelimit] question for " + profile, false);
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertTrue(o.ok(), profile + ": " + o.error());
      assertEquals(2, o.attempts(), profile + ": " + o.error());
      long asked = FakeChatServer.rateLimitWaitMillis(profile);
      assertTrue(asked > 200 && ms >= asked - 50, profile + ": asked for " + asked + " ms, waited " + ms + " ms (the backoff alone is 50 ms)");
    }
  }

  @Test
  void aStalledOrCutStreamIsAbandonedBilledAndRetried() throws Exception {
    for (String q : java.util.List.of("stuck [stall] question", "dropped [drop] question")) {
      ChatClient.Outcome o = ask("vllm", "student-good", q, true);
      assertTrue(o.ok(), q + ": " + o.error());
      assertEquals(2, o.attempts(), q);
      assertEquals(1, o.abandoned(), q + ": the first attempt was generated, so it counts at its worst case");
    }
  }

  private ChatClient.Outcome ask(String model, String question) throws Exception {
    String body = dev.distill.job.io.Json.compact(Map.of("model", model, "messages",
        java.util.List.of(Map.of("role", "user", "content", question)), "max_tokens", 100));
    return client.call(server.baseUrl(), body, key());
  }

  @Test
  void readsThinkingFromReasoningContent() throws Exception {
    ChatClient.Outcome o = ask("teacher-r", "plain question");
    assertTrue(o.ok(), o.error());
    assertEquals(1, o.attempts());
    assertTrue(o.reply().reasoning().contains("step by step"));
    assertTrue(o.reply().content().contains("\\boxed{7}"));
    assertTrue(o.reply().promptTokens() > 0);
  }

  @Test
  void retriesRateLimitHonouringRetryAfter() throws Exception {
    long start = System.nanoTime();
    ChatClient.Outcome o = ask("teacher-r", "limited [429] question");
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertTrue(o.ok(), o.error());
    assertEquals(2, o.attempts());
    // Retry-After: 1 second, far longer than the 50 ms backoff the policy would have used.
    assertTrue(ms >= 950, "waited only " + ms + " ms");
  }

  @Test
  void retriesServerErrorsTimeoutsAndBrokenReplies() throws Exception {
    for (String q : java.util.List.of("flaky [500] question", "slow [slow] question", "cut [truncated] question", "empty [missing] question")) {
      ChatClient.Outcome o = ask("student-good", q);
      assertTrue(o.ok(), q + ": " + o.error());
      assertEquals(2, o.attempts(), q);
    }
  }

  @Test
  void givesUpAfterMaxRetriesAndSaysWhy() throws Exception {
    ChatClient.Outcome o = ask("student-good", "broken [always500] question");
    assertFalse(o.ok());
    assertEquals(4, o.attempts());
    assertEquals(500, o.httpStatus());
    assertTrue(o.error().contains("HTTP 500") && o.error().contains("gave up after 4 attempts"), o.error());
  }

  @Test
  void unauthorizedIsNotRetriedAndTheKeyIsNeverInTheError() throws Exception {
    int before = server.unauthorized();
    String body = "{\"model\":\"teacher-r\",\"messages\":[{\"role\":\"user\",\"content\":\"plain question\"}]}";
    ChatClient.Outcome o = client.call(server.baseUrl(), body, ApiKey.NONE);
    assertFalse(o.ok());
    assertEquals(1, o.attempts());
    assertEquals(401, o.httpStatus());
    assertEquals(before + 1, server.unauthorized());
    assertFalse(o.error().contains(FakeChatServer.KEY));
  }

  @Test
  void endpointAcceptsBaseUrlWithOrWithoutThePath() {
    assertEquals("http://h/v1/chat/completions", Endpoints.chatCompletions("http://h/v1"));
    assertEquals("http://h/v1/chat/completions", Endpoints.chatCompletions("http://h/v1/"));
    assertEquals("http://h/v1/chat/completions", Endpoints.chatCompletions("http://h/v1/chat/completions"));
    assertEquals("http://h/v1/models", Endpoints.models("http://h/v1/"));
  }

  @Test
  void keyIsHiddenWhenPrintedAndScrubbedFromText() throws Exception {
    ApiKey k = key();
    assertFalse(k.toString().contains(FakeChatServer.KEY));
    assertEquals("echo *** back", k.scrub("echo " + FakeChatServer.KEY + " back"));
    assertNull(ApiKey.NONE.scrub(null));
  }
}
