package dev.distill.job.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
  ChatClient client = new ChatClient(new RetryPolicy(3, 50, 200), Duration.ofSeconds(2));

  @BeforeAll
  void start() throws Exception {
    server = new FakeChatServer(Map.of(
        "plain question", "7",
        "limited [429] question", "8",
        "flaky [500] question", "9",
        "broken [always500] question", "1",
        "slow [slow] question", "2",
        "cut [truncated] question", "3",
        "empty [missing] question", "4"));
  }

  @AfterAll
  void stop() {
    server.close();
  }

  private static ApiKey key() throws Exception {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("key", ".txt");
    java.nio.file.Files.writeString(file, FakeChatServer.KEY + "\n");
    GenerateConfig.Role role = new GenerateConfig.Role("teacher", "teacher", "teacher-r", "http://x", "", file.toString(), 0, 10, 1, 0, 0, "",
        PromptTemplate.parse("{question}", java.util.Set.of("question")));
    return ApiKey.resolve(role, "generate.teacher", Map.of());
  }

  private ChatClient.Outcome ask(String model, String question) throws Exception {
    String body = dev.distill.job.run.Json.compact(Map.of("model", model, "messages",
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
    assertEquals("http://h/v1/chat/completions", ChatClient.endpoint("http://h/v1"));
    assertEquals("http://h/v1/chat/completions", ChatClient.endpoint("http://h/v1/"));
    assertEquals("http://h/v1/chat/completions", ChatClient.endpoint("http://h/v1/chat/completions"));
  }

  @Test
  void keyIsHiddenWhenPrintedAndScrubbedFromText() throws Exception {
    ApiKey k = key();
    assertFalse(k.toString().contains(FakeChatServer.KEY));
    assertEquals("echo *** back", k.scrub("echo " + FakeChatServer.KEY + " back"));
    assertNull(ApiKey.NONE.scrub(null));
  }
}
