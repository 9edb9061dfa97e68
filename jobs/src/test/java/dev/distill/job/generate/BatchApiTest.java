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
      assertEquals(online, batch, e.getKey() + ": a key refused in a batch stops the stage as online (BatchRound), not resubmitted");
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
  void theShapesRunAgainstTheLoopbackServerAndAnExpiredBatchReturnsOnlyWhatRan() throws Exception {
    try (FakeChatServer chat = new FakeChatServer(Map.of(QUESTION, "42")); FakeBatchServer server = new FakeBatchServer(chat)) {
      GenerateConfig g = SparkTestSession.config("generate.api_key_env=UNUSED").generate();
      BatchHttp openAiHttp = new BatchHttp(Map.of("Authorization", "Bearer " + FakeChatServer.KEY), new RetryPolicy(0, 1, 1),
          Duration.ofSeconds(10), ApiKey.NONE, "test");
      BatchHttp anthropicHttp = new BatchHttp(Map.of("x-api-key", FakeChatServer.KEY, "anthropic-version", AnthropicBatchApi.VERSION),
          new RetryPolicy(0, 1, 1), Duration.ofSeconds(10), ApiKey.NONE, "test");
      BatchHttp geminiHttp = new BatchHttp(Map.of("x-goog-api-key", FakeChatServer.KEY), new RetryPolicy(0, 1, 1), Duration.ofSeconds(10),
          ApiKey.NONE, "test");
      List<BatchApi> apis = List.of(new OpenAiBatchApi(server.baseUrl("openai"), openAiHttp, g.batching().completionWindow()),
          new AnthropicBatchApi(server.baseUrl("anthropic"), anthropicHttp), new GeminiBatchApi(server.baseUrl("gemini"), "teacher-r", geminiHttp));
      for (BatchApi api : apis) {
        server.expireNext(api instanceof OpenAiBatchApi ? 1 : 0);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          lines.add(api.request("req" + i, chatBody(i % 2 == 0 ? "teacher-r" : "student-good", i == 1 ? "Be brief." : null)));
        }
        String id = api.submit(lines, "intent-" + api.getClass().getSimpleName());
        List<String> seen = new ArrayList<>();
        BatchApi.State s = api.poll(id);
        while (!s.ended()) {
          seen.add(s.status());
          Thread.sleep(20);
          s = api.poll(id);
        }
        seen.add(s.status());
        List<BatchApi.Result> results = results(api, s);
        Set<String> ids = results.stream().map(BatchApi.Result::customId).collect(Collectors.toSet());
        if (api instanceof OpenAiBatchApi) {
          assertEquals(List.of("validating", "in_progress", "expired"), seen.stream().distinct().toList());
          assertEquals(Set.of("req0", "req1"), ids, "the unanswered half (batch_expired) has no result");
        } else if (api instanceof AnthropicBatchApi) {
          assertEquals(List.of("in_progress", "ended"), seen.stream().distinct().toList());
          assertEquals(Set.of("req0", "req1", "req2", "req3"), ids);
        } else {
          assertEquals(List.of("pending", "running", "succeeded"), seen.stream().distinct().toList());
          assertEquals(Set.of("req0", "req1", "req2", "req3"), ids);
          assertEquals(4, s.total());
          assertEquals(4, s.succeeded(), "batchStats.successfulRequestCount, an int64 sent as a string");
        }
        if (api.tagsIntent()) {
          assertTrue(api.list(null).batches().stream().anyMatch(l -> ("intent-" + api.getClass().getSimpleName()).equals(l.intent())
              && l.id().equals(id)), "the batch carries its intent: " + api.getClass().getSimpleName());
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

  /** An expired Gemini batch has no results ("will not have any results to retrieve"): every request of it comes back. */
  @Test
  void anExpiredGeminiBatchHasNoResults() throws Exception {
    try (FakeChatServer chat = new FakeChatServer(Map.of(QUESTION, "42")); FakeBatchServer server = new FakeBatchServer(chat)) {
      GeminiBatchApi api = new GeminiBatchApi(server.baseUrl("gemini"), "models/teacher-r", new BatchHttp(Map.of("x-goog-api-key",
          FakeChatServer.KEY), new RetryPolicy(0, 1, 1), Duration.ofSeconds(10), ApiKey.NONE, "test"));
      server.expireNext(1);
      String id = api.submit(List.of(api.request("a", chatBody("teacher-r", null)), api.request("b", chatBody("teacher-r", null))), "i");
      assertTrue(id.startsWith("batches/"), "the id is the operation's name: " + id);
      BatchApi.State s = api.poll(id);
      while (!s.ended()) {
        Thread.sleep(20);
        s = api.poll(id);
      }
      assertEquals("expired", s.status());
      assertEquals(List.of(), s.resultRefs());
      assertEquals(0, server.billedPromptTokens("teacher-r"), "nothing ran, nothing billed");
      assertThrows(BatchHttp.NotFoundException.class, () -> api.poll("batches/unknown"));
      assertThrows(BatchHttp.NotFoundException.class, () -> api.results("files/unknown"));
    }
  }

  /** The chat body goes into a GenerateContentRequest: system apart, sampling keys in generationConfig, the compat endpoint's thinking_config. */
  @Test
  void aGeminiRequestIsTheChatBodyAsGenerateContent() throws Exception {
    String body = Json.compact(Map.of("model", "gemini-2.5-pro", "max_tokens", 99, "temperature", 0.6, "n", 2, "seed", 7, "stop", "###",
        "extra_body", Map.of("google", Map.of("thinking_config", Map.of("include_thoughts", true, "thinking_budget", 512))),
        "messages", List.of(Map.of("role", "system", "content", "Be brief."), Map.of("role", "user", "content", QUESTION),
            Map.of("role", "assistant", "content", "Let me see."), Map.of("role", "user", "content", List.of(Map.of("type", "text",
                "text", "Go on."))))));
    JsonNode line = Json.MAPPER.readTree(new GeminiBatchApi("http://127.0.0.1:9/v1beta", "gemini-2.5-pro", null).request("k1", body));
    assertEquals("k1", line.path("key").asText(), "the ledger's call key is the line's key");
    JsonNode r = line.path("request");
    assertEquals("Be brief.", r.path("systemInstruction").path("parts").get(0).path("text").asText());
    assertEquals(List.of("user", "model", "user"), List.of(r.path("contents").get(0).path("role").asText(),
        r.path("contents").get(1).path("role").asText(), r.path("contents").get(2).path("role").asText()));
    assertEquals(QUESTION, r.path("contents").get(0).path("parts").get(0).path("text").asText());
    assertEquals("Go on.", r.path("contents").get(2).path("parts").get(0).path("text").asText(), "text parts joined");
    JsonNode gen = r.path("generationConfig");
    assertEquals(99, gen.path("maxOutputTokens").asInt());
    assertEquals(0.6, gen.path("temperature").asDouble(), 1e-9);
    assertEquals(2, gen.path("candidateCount").asInt());
    assertEquals(7, gen.path("seed").asInt());
    assertEquals("###", gen.path("stopSequences").get(0).asText());
    assertTrue(gen.path("thinkingConfig").path("include_thoughts").asBoolean(), gen.toString());
    assertFalse(r.has("model") || r.has("messages") || r.has("max_tokens") || r.has("extra_body"), r.toString());
    assertEquals(r, GeminiBatchApi.request(body), "the same body, the same request: the ledger keys it once");
    for (String key : List.of("reasoning_effort", "response_format")) {
      String refused = assertThrows(IllegalArgumentException.class, () -> GeminiBatchApi.request(Json.compact(Map.of("model", "g",
          "messages", List.of(Map.of("role", "user", "content", QUESTION)), key, "high")))).getMessage();
      assertTrue(refused.contains("\"" + key + "\"") && refused.contains("no generateContent equivalent"), refused);
    }
  }

  /** A GenerateContentResponse read back as a chat reply: thought parts the reasoning, MAX_TOKENS truncated, thinking billed as output. */
  @Test
  void aGeminiResponseIsReadAsAChatReplyAndItsErrorsAsOnlineStatuses() throws Exception {
    JsonNode line = Json.MAPPER.readTree("{\"key\":\"k1\",\"response\":{\"responseId\":\"r1\",\"modelVersion\":\"gemini-2.5-pro\","
        + "\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"6*7\",\"thought\":true},{\"text\":\"42\"}]},"
        + "\"finishReason\":\"MAX_TOKENS\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":12,\"candidatesTokenCount\":50,"
        + "\"thoughtsTokenCount\":14,\"totalTokenCount\":76}}}");
    BatchApi.Result result = GeminiBatchApi.result(line);
    assertEquals("k1", result.customId());
    ChatReply reply = ChatReply.parse(result.reply());
    assertEquals("42", reply.content());
    assertEquals("6*7", reply.reasoning());
    assertTrue(reply.choices().get(0).truncated(), "MAX_TOKENS is finish_reason length");
    assertEquals(12L, reply.promptTokens());
    assertEquals(64L, reply.completionTokens(), "candidates + thoughts: both billed as output");
    assertEquals(14L, reply.reasoningTokens());
    Map<String, String> reasons = Map.of("STOP", "stop", "MAX_TOKENS", "length", "SAFETY", "content_filter", "RECITATION", "content_filter",
        "PROHIBITED_CONTENT", "content_filter", "OTHER", "other", "MALFORMED_FUNCTION_CALL", "malformed_function_call");
    reasons.forEach((gemini, chat) -> assertEquals(chat, GeminiBatchApi.finishReason(gemini), gemini));
    BatchApi.Result blocked = GeminiBatchApi.result(Json.MAPPER.readTree("{\"key\":\"k2\",\"response\":{\"promptFeedback\":"
        + "{\"blockReason\":\"SAFETY\"},\"usageMetadata\":{\"promptTokenCount\":9}}}"));
    assertEquals(ProviderError.Kind.FINAL, BatchRound.outcome(blocked, 0, ApiKey.NONE).errorKind(), "a blocked prompt is never sent again");
    // google.rpc.Code in the line's error: the status an online call gets with it, and so its kind.
    Map<Integer, Integer> statuses = Map.of(16, 401, 7, 403, 3, 400, 8, 429, 13, 500, 14, 503, 1, 499, 4, 504);
    for (Map.Entry<Integer, Integer> e : statuses.entrySet()) {
      BatchApi.Result r = GeminiBatchApi.result(Json.MAPPER.readTree("{\"key\":\"k\",\"error\":{\"code\":" + e.getKey()
          + ",\"message\":\"m\",\"status\":\"S\"}}"));
      assertEquals(e.getValue(), r.httpStatus(), "code " + e.getKey());
      assertEquals(ProviderError.classify(e.getValue(), "{\"error\":{\"message\":\"m\"}}").kind(), BatchRound.outcome(r, 0, ApiKey.NONE).errorKind(),
          "code " + e.getKey());
    }
    assertEquals(ProviderError.Kind.FATAL, BatchRound.outcome(GeminiBatchApi.result(Json.MAPPER.readTree("{\"key\":\"k\",\"error\":"
        + "{\"code\":16,\"message\":\"m\"}}")), 0, ApiKey.NONE).errorKind(), "UNAUTHENTICATED stops the stage");
  }

  private static List<BatchApi.Result> results(BatchApi api, BatchApi.State state) throws Exception {
    List<BatchApi.Result> out = new ArrayList<>();
    for (String ref : state.resultRefs()) {
      out.addAll(api.results(ref));
    }
    return out;
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
