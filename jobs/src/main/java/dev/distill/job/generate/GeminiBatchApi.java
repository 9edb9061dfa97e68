package dev.distill.job.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.job.conf.Endpoints;
import dev.distill.job.io.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Gemini's Batch API (ai.google.dev/gemini-api/docs/batch-mode, ai.google.dev/api/batch-mode): the
 * requests as a JSONL file, each line {@code {key, request: GenerateContentRequest}}, uploaded
 * through the Files API (resumable upload at {@code /upload/v1beta/files}), a batch created on it
 * at {@code models/{model}:batchGenerateContent} with the intent in its {@code displayName}, polled
 * at {@code batches/{id}} (an operation: {@code metadata.state} PENDING, RUNNING, then SUCCEEDED,
 * FAILED, CANCELLED or EXPIRED, prefixed BATCH_STATE_ on the wire and JOB_STATE_ in the guide;
 * {@code done} once ended), its results a JSONL file ({@code response.responsesFile}, downloaded at
 * {@code /download/v1beta/files/{id}:download?alt=media}), each line {@code {key, response}} or
 * {@code {key, error: {code, message}}}. An input file holds at most 2 GB and the docs give no
 * request count per batch; an expired batch "will not have any results".
 *
 * <p>The chat-completions body the ledger keys is translated on the wire into a
 * GenerateContentRequest (system messages into {@code systemInstruction}, assistant turns as role
 * {@code model}, the sampling keys into {@code generationConfig}; the OpenAI-compatibility
 * endpoint's {@code extra_body.google.thinking_config} into {@code thinkingConfig}), and each
 * response back into a chat-completions reply: thought parts the reasoning, the other text parts
 * the content, finishReason MAX_TOKENS the finish_reason length, thinking tokens counted as
 * completion tokens (they are billed as output).
 */
final class GeminiBatchApi implements BatchApi {
  /**
   * The docs allow 2 GB a file, but a batch file is put together in the driver's memory (a UTF-16
   * String of non-Latin-1 text, then its bytes): 200 MB a file, as the openai shape, keeps that a
   * few hundred MB (a 2 GB file would need a 4 GB String); more files, not larger ones.
   */
  static final long MAX_BYTES = 200_000_000L;
  /** No request count limit is documented: the byte limit governs. */
  static final int MAX_REQUESTS = Integer.MAX_VALUE;
  /** How a batch's displayName (and its input file's) carries the intent. */
  static final String INTENT_PREFIX = "distill-";
  private static final Set<String> ENDED = Set.of("SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED");
  /** Request fields of GenerateContentRequest passed as they are (extra_body), in either JSON spelling. */
  private static final Set<String> NATIVE = Set.of("safetySettings", "safety_settings", "tools", "toolConfig", "tool_config",
      "cachedContent", "cached_content");

  private final String root;
  private final String uploadRoot;
  private final String downloadRoot;
  private final String model;
  private final BatchHttp http;

  /** @param model the role's model, as online ({@code gemini-2.5-flash}) or as a resource name ({@code models/gemini-2.5-flash}) */
  GeminiBatchApi(String baseUrl, String model, BatchHttp http) {
    this.root = Endpoints.root(baseUrl);
    URI u = URI.create(root);
    String host = u.getScheme() + "://" + u.getRawAuthority();
    this.uploadRoot = host + "/upload" + u.getRawPath();
    this.downloadRoot = host + "/download" + u.getRawPath();
    this.model = model.startsWith("models/") ? model : "models/" + model;
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
    ObjectNode line = Json.MAPPER.createObjectNode().put("key", customId);
    line.set("request", request(chatBody));
    return line.toString();
  }

  /** The GenerateContentRequest of a chat-completions body; a key it has no place for is refused, not dropped. */
  static ObjectNode request(String chatBody) {
    JsonNode chat = BatchApi.chatBody(chatBody);
    ObjectNode request = Json.MAPPER.createObjectNode();
    ArrayNode contents = request.putArray("contents");
    StringBuilder system = new StringBuilder();
    for (JsonNode m : chat.path("messages")) {
      String role = m.path("role").asText();
      String text = text(m.path("content"), role);
      switch (role) {
        case "system", "developer" -> system.append(system.isEmpty() ? "" : "\n\n").append(text);
        case "user", "assistant" -> contents.addObject().put("role", role.equals("user") ? "user" : "model").putArray("parts").addObject()
            .put("text", text);
        default -> throw new IllegalArgumentException("a message of role \"" + role + "\" has no generateContent equivalent");
      }
    }
    if (!system.isEmpty()) {
      request.putObject("systemInstruction").putArray("parts").addObject().put("text", system.toString());
    }
    ObjectNode generation = Json.MAPPER.createObjectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = chat.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      JsonNode v = f.getValue();
      switch (f.getKey()) {
        case "model", "messages" -> { } // the model is the batch's (in its URL)
        case "max_tokens", "max_completion_tokens" -> generation.set("maxOutputTokens", v);
        case "temperature" -> generation.set("temperature", v);
        case "top_p" -> generation.set("topP", v);
        case "top_k" -> generation.set("topK", v);
        case "n" -> generation.set("candidateCount", v);
        case "seed" -> generation.set("seed", v);
        case "presence_penalty" -> generation.set("presencePenalty", v);
        case "frequency_penalty" -> generation.set("frequencyPenalty", v);
        case "stop" -> generation.set("stopSequences", v.isArray() ? v : Json.MAPPER.createArrayNode().add(v));
        case "generationConfig", "generation_config" -> v.fields().forEachRemaining(g -> generation.set(g.getKey(), g.getValue()));
        case "extra_body" -> google(v, request, generation);
        default -> {
          if (!NATIVE.contains(f.getKey())) {
            throw new IllegalArgumentException("the request key \"" + f.getKey() + "\" has no generateContent equivalent (native "
                + "fields go as they are: generationConfig, safetySettings, tools, toolConfig, cachedContent)");
          }
          request.set(f.getKey(), v);
        }
      }
    }
    if (!generation.isEmpty()) {
      request.set("generationConfig", generation);
    }
    return request;
  }

  /** The OpenAI-compatibility endpoint's native options ({@code extra_body: {google: {thinking_config, cached_content}}}). */
  private static void google(JsonNode extraBody, ObjectNode request, ObjectNode generation) {
    for (Iterator<Map.Entry<String, JsonNode>> it = extraBody.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      if (!f.getKey().equals("google")) {
        throw new IllegalArgumentException("the request key \"extra_body." + f.getKey() + "\" has no generateContent equivalent");
      }
      for (Iterator<Map.Entry<String, JsonNode>> g = f.getValue().fields(); g.hasNext(); ) {
        Map.Entry<String, JsonNode> o = g.next();
        switch (o.getKey()) {
          case "thinking_config" -> generation.set("thinkingConfig", o.getValue());
          case "cached_content" -> request.set("cachedContent", o.getValue());
          default -> throw new IllegalArgumentException("the request key \"extra_body.google." + o.getKey()
              + "\" has no generateContent equivalent (thinking_config and cached_content have)");
        }
      }
    }
  }

  /** A message's text: a string, or its text parts joined. */
  private static String text(JsonNode content, String role) {
    String text = ChatReply.text(content);
    if (text == null) {
      throw new IllegalArgumentException("a " + role + " message without text content has no place in a text batch");
    }
    return text;
  }

  /**
   * Uploads the file (an orphan upload costs nothing), then creates the batch once (see
   * {@link BatchApi#submit}; the docs: "the creation of a batch job is not idempotent"), its
   * displayName {@code distill-<intent>}.
   */
  @Override
  public String submit(List<String> requests, String intent) throws IOException, InterruptedException {
    StringBuilder file = new StringBuilder();
    for (String r : requests) {
      file.append(r).append('\n');
    }
    String name = INTENT_PREFIX + intent;
    String uploaded = http.uploadResumable(uploadRoot + "/files", Json.compact(Map.of("file", Map.of("displayName", name))),
        file.toString().getBytes(StandardCharsets.UTF_8), "application/jsonl");
    String fileName = Json.MAPPER.readTree(uploaded).path("file").path("name").asText("");
    if (fileName.isBlank()) {
      throw new IOException("the upload to " + uploadRoot + "/files answered without a file name: " + ProviderError.snippet(uploaded));
    }
    return http.create(root + "/" + model + ":batchGenerateContent",
        Json.compact(Map.of("batch", Map.of("displayName", name, "inputConfig", Map.of("fileName", fileName)))), "name");
  }

  @Override
  public boolean tagsIntent() {
    return true;
  }

  /** {@code GET batches?pageSize=100&pageToken=}: {@code operations}, {@code nextPageToken}; the docs give no order. */
  @Override
  public Page list(String after) throws IOException, InterruptedException {
    JsonNode page = Json.MAPPER.readTree(http.get(root + "/batches?pageSize=100"
        + (after == null ? "" : "&pageToken=" + URLEncoder.encode(after, StandardCharsets.UTF_8))));
    List<Listed> batches = new ArrayList<>();
    for (JsonNode op : page.path("operations")) {
      String displayName = op.path("metadata").path("displayName").asText("");
      batches.add(new Listed(op.path("name").asText(), instant(op.path("metadata").path("createTime").asText("")),
          displayName.startsWith(INTENT_PREFIX) ? displayName.substring(INTENT_PREFIX.length()) : null));
    }
    String next = page.path("nextPageToken").asText("");
    return new Page(batches, next.isEmpty() ? null : next);
  }

  @Override
  public boolean listsNewestFirst() {
    return false;
  }

  private static Instant instant(String rfc3339) {
    try {
      return OffsetDateTime.parse(rfc3339).toInstant();
    } catch (DateTimeParseException e) {
      return Instant.EPOCH;
    }
  }

  /** {@code GET batches/{id}}; the id is the operation's name, {@code batches/...}. */
  @Override
  public State poll(String batchId) throws IOException, InterruptedException {
    JsonNode op = Json.MAPPER.readTree(http.get(root + "/" + batchId));
    JsonNode meta = op.path("metadata");
    String state = meta.path("state").asText("").replaceFirst("^(BATCH|JOB)_STATE_", "");
    JsonNode stats = meta.path("batchStats");
    String responses = op.path("response").path("responsesFile").asText(meta.path("output").path("responsesFile").asText(null));
    JsonNode error = op.path("error");
    return new State(batchId, state.toLowerCase(Locale.ROOT), op.path("done").asBoolean(false) || ENDED.contains(state),
        stats.path("requestCount").asLong(), stats.path("successfulRequestCount").asLong(), stats.path("failedRequestCount").asLong(),
        responses, null, error.path("message").asText(null), error.has("code") ? httpStatus(error.path("code").asInt()) : 0);
  }

  /** The responses file, {@code files/{id}}, at {@code /download/v1beta/files/{id}:download?alt=media}. */
  @Override
  public List<Result> results(String responsesFile) throws IOException, InterruptedException {
    List<Result> out = new ArrayList<>();
    for (String line : http.get(downloadRoot + "/" + responsesFile + ":download?alt=media").split("\n")) {
      if (!line.isBlank()) {
        out.add(result(Json.MAPPER.readTree(line)));
      }
    }
    return out;
  }

  /** One responses line: a reply, a refused prompt (promptFeedback.blockReason: final), or an error with the HTTP status of its code. */
  static Result result(JsonNode line) {
    String key = line.path("key").asText();
    JsonNode error = line.path("error");
    if (error.isObject()) {
      int code = error.path("code").asInt(2);
      return new Result(key, httpStatus(code), null, error.path("status").asText("code " + code) + ": " + error.path("message").asText());
    }
    JsonNode response = line.path("response");
    if (!response.path("candidates").isArray() || response.path("candidates").isEmpty()) {
      String blocked = response.path("promptFeedback").path("blockReason").asText(null);
      return blocked != null ? new Result(key, 400, null, "the prompt was blocked: " + blocked)
          : new Result(key, 502, null, "the response has no candidates: " + ProviderError.snippet(response.toString()));
    }
    return new Result(key, 200, chatReply(response).toString(), null);
  }

  /**
   * The HTTP status of an error code: google.rpc.Code's own mapping (googleapis rpc/code.proto) for
   * the gRPC codes (UNAUTHENTICATED 16 is 401, PERMISSION_DENIED 7 is 403, RESOURCE_EXHAUSTED 8 is
   * 429, INVALID_ARGUMENT 3 is 400, CANCELLED 1 is 499...), a code from 100 up taken as HTTP already.
   */
  static int httpStatus(int code) {
    if (code >= 100) {
      return code;
    }
    return switch (code) {
      case 0 -> 200;
      case 1 -> 499;
      case 3, 9, 11 -> 400;
      case 4 -> 504;
      case 5 -> 404;
      case 6, 10 -> 409;
      case 7 -> 403;
      case 8 -> 429;
      case 12 -> 501;
      case 14 -> 503;
      case 16 -> 401;
      default -> 500; // UNKNOWN 2, INTERNAL 13, DATA_LOSS 15, and codes added later
    };
  }

  /** A GenerateContentResponse as a chat-completions reply. */
  static ObjectNode chatReply(JsonNode response) {
    ObjectNode reply = Json.MAPPER.createObjectNode().put("id", response.path("responseId").asText(""))
        .put("model", response.path("modelVersion").asText(""));
    ArrayNode choices = reply.putArray("choices");
    int i = 0;
    for (JsonNode candidate : response.path("candidates")) {
      StringBuilder text = new StringBuilder();
      StringBuilder thought = new StringBuilder();
      for (JsonNode part : candidate.path("content").path("parts")) {
        if (part.path("text").isTextual()) {
          (part.path("thought").asBoolean(false) ? thought : text).append(part.path("text").asText());
        }
      }
      ObjectNode choice = choices.addObject().put("index", candidate.path("index").asInt(i++));
      ObjectNode m = choice.putObject("message").put("role", "assistant").put("content", text.toString());
      if (!thought.isEmpty()) {
        m.put("reasoning_content", thought.toString());
      }
      choice.put("finish_reason", finishReason(candidate.path("finishReason").asText(null)));
    }
    JsonNode usage = response.path("usageMetadata");
    long thoughts = usage.path("thoughtsTokenCount").asLong();
    ObjectNode u = reply.putObject("usage").put("prompt_tokens", usage.path("promptTokenCount").asLong())
        .put("completion_tokens", usage.path("candidatesTokenCount").asLong() + thoughts);
    if (usage.has("thoughtsTokenCount")) {
      u.putObject("completion_tokens_details").put("reasoning_tokens", thoughts);
    }
    return reply;
  }

  /** STOP is stop, MAX_TOKENS length, the safety and recitation blocks content_filter; any other reason as it is, lower-cased. */
  static String finishReason(String reason) {
    if (reason == null) {
      return null;
    }
    return switch (reason) {
      case "STOP" -> "stop";
      case "MAX_TOKENS" -> "length";
      case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY" -> "content_filter";
      default -> reason.toLowerCase(Locale.ROOT);
    };
  }
}
