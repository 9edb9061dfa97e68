package dev.distill.job.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.SparkTestSession;
import dev.distill.job.conf.GenerateConfig;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.error.ConfigException;
import dev.distill.job.io.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The batch shapes on the wire (against the loopback batch server), their translations, and the batch keys of a role. */
class BatchApiTest {
  static final String QUESTION = "What is 6 times 7?";

  private static String chatBody(String model, String system) {
    List<Map<String, String>> messages = new ArrayList<>();
    if (system != null) {
      messages.add(Map.of("role", "system", "content", system));
    }
    messages.add(Map.of("role", "user", "content", QUESTION));
    return Json.compact(Map.of("model", model, "messages", messages, "max_tokens", 64, "temperature", 0.6));
  }

  @Test
  void anOpenAiRequestLineHoldsTheLedgerKeyedBodyByteForByte() throws Exception {
    OpenAiBatchApi api = new OpenAiBatchApi("http://127.0.0.1:9/v1", null, "24h");
    String body = chatBody("teacher-r", null);
    String line = api.request("abc", body);
    assertTrue(line.contains("\"body\":" + body + "}"), line);
    JsonNode n = Json.MAPPER.readTree(line);
    assertEquals("abc", n.path("custom_id").asText());
    assertEquals("/v1/chat/completions", n.path("url").asText());
    assertEquals(Json.canonicalSha256(Json.MAPPER.readValue(body, Map.class)), Json.canonicalSha256(Json.MAPPER.convertValue(n.path("body"), Map.class)));
  }

  @Test
  void anthropicParamsTakeTheSystemMessageApartAndTheTokenLimit() {
    JsonNode p = AnthropicBatchApi.params(Json.compact(Map.of("model", "claude", "max_completion_tokens", 99, "n", 1, "seed", 3,
        "thinking", Map.of("type", "enabled", "budget_tokens", 16),
        "messages", List.of(Map.of("role", "system", "content", "Be brief."), Map.of("role", "user", "content", QUESTION)))));
    assertEquals("Be brief.", p.path("system").asText());
    assertEquals(99, p.path("max_tokens").asInt());
    assertEquals(1, p.path("messages").size());
    assertEquals("user", p.path("messages").get(0).path("role").asText());
    assertEquals("enabled", p.path("thinking").path("type").asText(), "provider fields pass as they are");
    assertFalse(p.has("n") || p.has("seed") || p.has("max_completion_tokens"), p.toString());
  }

  @Test
  void anAnthropicMessageIsReadAsAChatReply() throws Exception {
    JsonNode message = Json.MAPPER.readTree("{\"id\":\"msg_1\",\"model\":\"claude\",\"content\":[{\"type\":\"thinking\",\"thinking\":\"6*7\","
        + "\"signature\":\"s\"},{\"type\":\"text\",\"text\":\"42\"}],\"stop_reason\":\"max_tokens\",\"usage\":{\"input_tokens\":12,\"output_tokens\":64}}");
    ChatReply reply = ChatReply.parse(AnthropicBatchApi.chatReply(message).toString());
    assertEquals("42", reply.content());
    assertEquals("6*7", reply.reasoning());
    assertTrue(reply.choices().get(0).truncated(), "stop_reason max_tokens is finish_reason length");
    assertEquals(12L, reply.promptTokens());
    assertEquals(64L, reply.completionTokens());
    JsonNode errored = Json.MAPPER.readTree("{\"custom_id\":\"a\",\"result\":{\"type\":\"errored\",\"error\":{\"type\":\"error\","
        + "\"error\":{\"type\":\"invalid_request_error\",\"message\":\"max_tokens: too large\"}}}}");
    BatchApi.Result r = AnthropicBatchApi.result(errored);
    assertEquals(400, r.httpStatus());
    assertEquals(ProviderError.Kind.FINAL, BatchRound.outcome(r, 0, ApiKey.NONE).errorKind(), "a wrong request is never sent again");
    assertNull(AnthropicBatchApi.result(Json.MAPPER.readTree("{\"custom_id\":\"a\",\"result\":{\"type\":\"expired\"}}")),
        "an expired request has no result: it is submitted again");
  }

  /**
   * Each error type of an errored Anthropic result gets the HTTP status an online call gets with
   * it, so it is classified as online: a wrong request is final (rejected), overload and rate
   * limits are transient (submitted again, no ledger error), and expired or canceled requests have
   * no result (submitted again).
   */
  @Test
  void anthropicErrorTypesGetTheStatusesAndKindsOfOnlineReplies() throws Exception {
    Map<String, Integer> statuses = Map.of("invalid_request_error", 400, "authentication_error", 401, "permission_error", 403,
        "not_found_error", 404, "request_too_large", 413, "rate_limit_error", 429, "api_error", 500, "overloaded_error", 529);
    for (Map.Entry<String, Integer> e : statuses.entrySet()) {
      JsonNode line = Json.MAPPER.readTree("{\"custom_id\":\"a\",\"result\":{\"type\":\"errored\",\"error\":{\"type\":\"error\","
          + "\"error\":{\"type\":\"" + e.getKey() + "\",\"message\":\"m\"}}}}");
      BatchApi.Result r = AnthropicBatchApi.result(line);
      assertEquals(e.getValue(), r.httpStatus(), e.getKey());
      ProviderError.Kind online = ProviderError.classify(e.getValue(), "{\"type\":\"error\",\"error\":{\"type\":\"" + e.getKey()
          + "\",\"message\":\"m\"}}").kind();
      ProviderError.Kind batch = BatchRound.outcome(r, 0, ApiKey.NONE).errorKind();
      assertEquals(online == ProviderError.Kind.FATAL ? ProviderError.Kind.TRANSIENT : online, batch, e.getKey());
    }
    assertEquals(ProviderError.Kind.TRANSIENT, BatchRound.outcome(AnthropicBatchApi.result(Json.MAPPER.readTree("{\"custom_id\":\"a\","
        + "\"result\":{\"type\":\"errored\",\"error\":{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
        + "\"message\":\"Overloaded\"}}}}")), 0, ApiKey.NONE).errorKind(), "overloaded: submitted again");
    for (String type : List.of("expired", "canceled")) {
      assertNull(AnthropicBatchApi.result(Json.MAPPER.readTree("{\"custom_id\":\"a\",\"result\":{\"type\":\"" + type + "\"}}")), type);
    }
  }

  /** The request that creates a batch is not sent again after it timed out (the batch may exist); the batch carries its intent. */
  @Test
  void aCreateThatTimedOutIsNotSentAgainAndTheBatchCarriesItsIntent() throws Exception {
    try (FakeChatServer chat = new FakeChatServer(Map.of(QUESTION, "42")); FakeBatchServer server = new FakeBatchServer(chat)) {
      BatchHttp http = new BatchHttp(Map.of("Authorization", "Bearer " + FakeChatServer.KEY), new RetryPolicy(3, 1, 1),
          Duration.ofMillis(400), ApiKey.NONE, "test");
      OpenAiBatchApi api = new OpenAiBatchApi(server.baseUrl("openai"), http, "24h");
      server.answerNextCreateAfter(1500);
      String failure = assertThrows(java.io.IOException.class, () -> api.submit(List.of(api.request("r0", chatBody("teacher-r", null))),
          "intent-1")).getMessage();
      assertTrue(failure.contains("not sent again: the provider may have created the batch"), failure);
      assertEquals(1, server.batchesCreated(), "sent once, with 3 retries allowed");
      BatchApi.Page page = api.list(null);
      assertEquals(List.of("intent-1"), page.batches().stream().map(BatchApi.Listed::intent).toList(), "its metadata names the intent");
      assertThrows(BatchHttp.NotFoundException.class, () -> api.poll("batch_unknown"));
    }
  }

  @Test
  void bothShapesRunAgainstTheLoopbackServerAndAnExpiredBatchReturnsOnlyWhatRan() throws Exception {
    try (FakeChatServer chat = new FakeChatServer(Map.of(QUESTION, "42")); FakeBatchServer server = new FakeBatchServer(chat)) {
      GenerateConfig g = SparkTestSession.config("generate.api_key_env=UNUSED").generate();
      BatchHttp openAiHttp = new BatchHttp(Map.of("Authorization", "Bearer " + FakeChatServer.KEY), new RetryPolicy(0, 1, 1),
          Duration.ofSeconds(10), ApiKey.NONE, "test");
      BatchHttp anthropicHttp = new BatchHttp(Map.of("x-api-key", FakeChatServer.KEY, "anthropic-version", AnthropicBatchApi.VERSION),
          new RetryPolicy(0, 1, 1), Duration.ofSeconds(10), ApiKey.NONE, "test");
      List<BatchApi> apis = List.of(new OpenAiBatchApi(server.baseUrl("openai"), openAiHttp, g.batching().completionWindow()),
          new AnthropicBatchApi(server.baseUrl("anthropic"), anthropicHttp));
      for (BatchApi api : apis) {
        server.expireNext(api instanceof OpenAiBatchApi ? 1 : 0);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          lines.add(api.request("req" + i, chatBody(i % 2 == 0 ? "teacher-r" : "student-good", i == 1 ? "Be brief." : null)));
        }
        String id = api.submit(lines, "intent-" + lines.size());
        List<String> seen = new ArrayList<>();
        BatchApi.State s = api.poll(id);
        while (!s.ended()) {
          seen.add(s.status());
          Thread.sleep(20);
          s = api.poll(id);
        }
        seen.add(s.status());
        List<BatchApi.Result> results = api.results(s);
        Set<String> ids = results.stream().map(BatchApi.Result::customId).collect(Collectors.toSet());
        if (api instanceof OpenAiBatchApi) {
          assertEquals(List.of("validating", "in_progress", "expired"), seen.stream().distinct().toList());
          assertEquals(Set.of("req0", "req1"), ids, "the unanswered half (batch_expired) has no result");
        } else {
          assertEquals(List.of("in_progress", "ended"), seen.stream().distinct().toList());
          assertEquals(Set.of("req0", "req1", "req2", "req3"), ids);
        }
        for (BatchApi.Result r : results) {
          ChatReply reply = ChatReply.parse(r.reply());
          if (r.customId().equals("req0")) {
            assertTrue(reply.reasoning() != null && !reply.reasoning().isBlank(), "the teacher's thinking comes through: " + r.reply());
          }
          assertTrue(reply.content().contains("42"), r.reply());
        }
      }
    }
  }

  @Test
  void aBatchRoleHasItsPricesAndItsKeysAreChecked() {
    PipelineConfig c = SparkTestSession.config("generate.base_url=http://h/v1", "generate.teacher.model=t", "generate.teacher.price_input=2",
        "generate.teacher.price_output=8", "generate.teacher.mode=batch", "generate.judge.model=j", "generate.judge.mode=batch",
        "generate.judge.price_input_batch=0.1", "generate.judge.price_output_batch=0.3", "generate.judge.batch_api=anthropic");
    GenerateConfig g = c.generate();
    assertTrue(g.teacher().batched());
    assertEquals((1e6 * 1 + 1e6 * 4) / 1e6, g.teacher().batchCost(1_000_000, 1_000_000), 1e-9, "half the online prices by default");
    assertEquals(0.4, g.judge().batchCost(1_000_000, 1_000_000), 1e-9);
    assertTrue(g.judge().priced(), "batch prices alone price a batch role");
    assertEquals("anthropic", g.judge().batch().api());
    assertFalse(SparkTestSession.config("generate.base_url=http://h/v1", "generate.teacher.model=t").generate().teacher().batched(), "online by default");
    String mode = assertThrows(ConfigException.class, () -> SparkTestSession.config("generate.base_url=http://h/v1", "generate.teacher.model=t",
        "generate.teacher.mode=offline")).getMessage();
    assertTrue(mode.contains("generate.teacher.mode"), mode);
    String unknown = assertThrows(ConfigException.class, () -> SparkTestSession.config("generate.batch.poll_every=3")).getMessage();
    assertTrue(unknown.contains("generate.batch.poll_every"), unknown);
    String poll = assertThrows(ConfigException.class, () -> SparkTestSession.config("generate.batch.poll_seconds=10",
        "generate.batch.poll_max_seconds=5")).getMessage();
    assertTrue(poll.contains("generate.batch.poll_max_seconds"), poll);
  }
}
