package dev.distill.job.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.job.conf.Endpoints;
import dev.distill.job.io.Json;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Anthropic's Message Batches: requests {@code {custom_id, params}} posted to
 * {@code /messages/batches}, {@code processing_status} in_progress, canceling, ended, results as
 * JSONL at {@code results_url}, each {@code {custom_id, result: {type: succeeded | errored |
 * canceled | expired}}}; at most 100,000 requests and 256 MB a batch. The chat-completions body
 * the ledger keys is translated into Messages params on the wire (system message apart,
 * max_tokens, the rest as is), and each message back into a chat-completions reply: text blocks
 * the content, thinking blocks the reasoning, stop_reason max_tokens the finish_reason length.
 */
final class AnthropicBatchApi implements BatchApi {
  static final String VERSION = "2023-06-01";
  static final int MAX_REQUESTS = 100_000;
  static final long MAX_BYTES = 256L * 1024 * 1024;
  private static final Set<String> NOT_PARAMS = Set.of("messages", "max_completion_tokens", "n", "seed");

  private final String root;
  private final BatchHttp http;

  AnthropicBatchApi(String baseUrl, BatchHttp http) {
    this.root = Endpoints.root(baseUrl);
    this.http = http;
  }

  @Override
  public int maxRequests() {
    return MAX_REQUESTS;
  }

  @Override
  public long maxBytes() {
    return MAX_BYTES;
  }

  @Override
  public String request(String customId, String chatBody) {
    ObjectNode line = Json.MAPPER.createObjectNode().put("custom_id", customId);
    line.set("params", params(chatBody));
    return line.toString();
  }

  /** The Messages params of a chat-completions body. */
  static ObjectNode params(String chatBody) {
    JsonNode chat = BatchApi.chatBody(chatBody);
    ObjectNode params = Json.MAPPER.createObjectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = chat.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      if (!NOT_PARAMS.contains(f.getKey())) {
        params.set(f.getKey(), f.getValue());
      }
    }
    if (chat.has("max_completion_tokens")) {
      params.set("max_tokens", chat.get("max_completion_tokens"));
    }
    ArrayNode messages = params.putArray("messages");
    StringBuilder system = new StringBuilder();
    for (JsonNode m : chat.path("messages")) {
      if ("system".equals(m.path("role").asText())) {
        system.append(system.isEmpty() ? "" : "\n\n").append(m.path("content").asText());
      } else {
        messages.add(m);
      }
    }
    if (!system.isEmpty()) {
      params.put("system", system.toString());
    }
    return params;
  }

  /** Sent once (see {@link BatchApi#submit}); a message batch has no metadata, so {@code intent} stays on our side. */
  @Override
  public String submit(List<String> requests, String intent) throws IOException, InterruptedException {
    String body = "{\"requests\":[" + String.join(",", requests) + "]}";
    return http.create(root + "/messages/batches", body);
  }

  @Override
  public boolean tagsIntent() {
    return false;
  }

  /** {@code GET /messages/batches?limit=100&after_id=}: newest first, {@code created_at} RFC 3339, {@code has_more}. */
  @Override
  public Page list(String after) throws IOException, InterruptedException {
    JsonNode page = Json.MAPPER.readTree(http.get(root + "/messages/batches?limit=100" + (after == null ? "" : "&after_id=" + after)));
    List<Listed> batches = new ArrayList<>();
    for (JsonNode b : page.path("data")) {
      batches.add(new Listed(b.path("id").asText(), Instant.parse(b.path("created_at").asText(Instant.EPOCH.toString())), null));
    }
    return Page.afterLastId(batches, page.path("has_more").asBoolean(false));
  }

  @Override
  public State poll(String batchId) throws IOException, InterruptedException {
    JsonNode b = Json.MAPPER.readTree(http.get(root + "/messages/batches/" + batchId));
    String status = b.path("processing_status").asText();
    JsonNode c = b.path("request_counts");
    long failed = c.path("errored").asLong() + c.path("canceled").asLong() + c.path("expired").asLong();
    long total = failed + c.path("succeeded").asLong() + c.path("processing").asLong();
    return new State(batchId, status, "ended".equals(status), total, c.path("succeeded").asLong(), failed, b.path("results_url").asText(null),
        null, null);
  }

  /** The JSONL at the batch's {@code results_url}. */
  @Override
  public List<Result> results(String resultsUrl) throws IOException, InterruptedException {
    List<Result> out = new ArrayList<>();
    for (String line : http.get(resultsUrl).split("\n")) {
      if (!line.isBlank()) {
        Result r = result(Json.MAPPER.readTree(line));
        if (r != null) {
          out.add(r);
        }
      }
    }
    return out;
  }

  /** One results line; null for a request the batch never ran (canceled, expired): it is submitted again. */
  static Result result(JsonNode line) {
    String id = line.path("custom_id").asText();
    JsonNode result = line.path("result");
    switch (result.path("type").asText()) {
      case "succeeded" -> {
        return new Result(id, 200, chatReply(result.path("message")).toString(), null);
      }
      case "errored" -> {
        // result.error is an error response {type: error, error: {type, message}}.
        JsonNode error = result.path("error").has("error") ? result.path("error").path("error") : result.path("error");
        String type = error.path("type").asText();
        return new Result(id, httpStatus(type), null, type + ": " + error.path("message").asText());
      }
      default -> {
        return null;
      }
    }
  }

  /**
   * The HTTP status an online call gets with this error type (docs.claude.com/en/api/errors), so a
   * batch result is classified as the online reply would be: 4xx final or fatal, 429 / 5xx / 529
   * transient (submitted again). An unknown type is taken as transient.
   */
  static int httpStatus(String errorType) {
    return switch (errorType) {
      case "invalid_request_error" -> 400;
      case "authentication_error" -> 401;
      case "billing_error" -> 402;
      case "permission_error" -> 403;
      case "not_found_error" -> 404;
      case "request_too_large" -> 413;
      case "rate_limit_error" -> 429;
      case "timeout_error" -> 504;
      case "overloaded_error" -> 529;
      default -> 500; // api_error, and types added later
    };
  }

  /** A Message as a chat-completions reply. */
  static ObjectNode chatReply(JsonNode message) {
    StringBuilder text = new StringBuilder();
    StringBuilder thinking = new StringBuilder();
    for (JsonNode block : message.path("content")) {
      switch (block.path("type").asText()) {
        case "text" -> text.append(block.path("text").asText());
        case "thinking" -> thinking.append(block.path("thinking").asText());
        default -> { }
      }
    }
    ObjectNode reply = Json.MAPPER.createObjectNode().put("id", message.path("id").asText()).put("model", message.path("model").asText());
    ObjectNode choice = reply.putArray("choices").addObject().put("index", 0);
    ObjectNode m = choice.putObject("message").put("role", "assistant").put("content", text.toString());
    if (!thinking.isEmpty()) {
      m.put("reasoning_content", thinking.toString());
    }
    String stop = message.path("stop_reason").asText();
    choice.put("finish_reason", "max_tokens".equals(stop) ? "length" : "stop");
    JsonNode usage = message.path("usage");
    reply.putObject("usage").put("prompt_tokens", usage.path("input_tokens").asLong()).put("completion_tokens", usage.path("output_tokens").asLong());
    return reply;
  }
}
