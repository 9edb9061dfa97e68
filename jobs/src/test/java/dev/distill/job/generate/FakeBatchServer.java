package dev.distill.job.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.distill.job.io.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A real batch API server on 127.0.0.1 for tests, in two documented shapes, answering every
 * request with what a {@link FakeChatServer} answers it online (so batch and online runs see the
 * same canned replies):
 *
 * <ul>
 *   <li>openai ({@code /openai/v1}): POST /files (multipart, purpose batch), POST /batches (with
 *       metadata), GET /batches/{id} moving validating → in_progress → finalizing → completed (or
 *       failed, expired, cancelled), GET /batches (newest first, limit, after, has_more), GET
 *       /files/{id}/content, 404 for an unknown id; output lines {@code {id, custom_id, response:
 *       {status_code, request_id, body}, error: null}}, failed requests in the error file, requests an
 *       expired batch never ran there with error code batch_expired (platform.openai.com/docs/guides/batch).
 *   <li>anthropic ({@code /anthropic/v1}): POST /messages/batches, GET /messages/batches/{id}
 *       (processing_status in_progress → ended, request_counts; 404 not_found_error for an unknown
 *       id), GET /messages/batches (newest first, limit, after_id), results JSONL at results_url with
 *       {@code result.type} succeeded, errored, canceled or expired (docs.claude.com, Message Batches).
 * </ul>
 *
 * <p>Each state lasts {@link #STEP_MS}, so tests run in seconds; {@link #hold()} keeps every
 * batch in_progress until {@link #release()} (a batch that takes hours), {@link #expireNext(int)}
 * makes the next batches expire with half of their requests run, {@link #failTenPercent()} fails
 * every tenth request run (a 500 in the error file) the first time it is submitted,
 * {@link #forget(String)} drops a batch (a provider that no longer knows it), and
 * {@link #answerNextCreateAfter(long)} creates the next batch but answers only after a delay (a
 * create request that times out). Results come in reverse order. The server counts every request
 * submitted per custom id and bills what it ran.
 */
public final class FakeBatchServer implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  /** How long each state of a batch lasts. */
  static final long STEP_MS = 150;

  private final HttpServer server;
  private final FakeChatServer chat;
  private final Map<String, String> files = new ConcurrentHashMap<>();
  private final Map<String, Batch> batches = new ConcurrentHashMap<>();
  private final List<String> created = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Map<String, AtomicInteger> submitted = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> billedPrompt = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> billedCompletion = new ConcurrentHashMap<>();
  private final AtomicInteger ids = new AtomicInteger();
  private final java.util.concurrent.atomic.AtomicLong createDelayMs = new java.util.concurrent.atomic.AtomicLong();
  private volatile boolean holding;
  private final AtomicInteger toExpire = new AtomicInteger();
  private volatile boolean failTenPercent;
  private final AtomicInteger firstSeen = new AtomicInteger();
  private final Set<String> failedIds = ConcurrentHashMap.newKeySet();

  /** One batch: its requests (custom id, chat body), where it stands, and its results once run. */
  private static final class Batch {
    final String id;
    final boolean anthropic;
    final List<String[]> requests;
    final boolean expire;
    final long createdAt = System.currentTimeMillis();
    JsonNode metadata;
    volatile String status;
    long since = System.currentTimeMillis();
    final List<String> output = new ArrayList<>();
    final List<String> errors = new ArrayList<>();
    int succeeded;
    int failed;
    int unanswered;

    Batch(String id, boolean anthropic, List<String[]> requests, boolean expire) {
      this.id = id;
      this.anthropic = anthropic;
      this.requests = requests;
      this.expire = expire;
      this.status = anthropic ? "in_progress" : "validating";
    }
  }

  public FakeBatchServer(FakeChatServer chat) throws IOException {
    this.chat = chat;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newFixedThreadPool(8));
    server.createContext("/", this::route);
    server.start();
  }

  /** The base URL of a shape: openai or anthropic. */
  public String baseUrl(String shape) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + shape + "/v1";
  }

  public void hold() {
    holding = true;
  }

  public void release() {
    holding = false;
  }

  public void expireNext(int n) {
    toExpire.set(n);
  }

  public void failTenPercent() {
    failTenPercent = true;
  }

  /** The custom ids failed on their first submission (every tenth request run). */
  public Set<String> failedIds() {
    return failedIds;
  }

  /** Requests submitted, per custom id, over every batch. */
  public Map<String, AtomicInteger> submitted() {
    return submitted;
  }

  public int batchesCreated() {
    return created.size();
  }

  /** The requests of each batch, by batch id, in the order the batches were created. */
  public Map<String, List<String>> batchRequests() {
    Map<String, List<String>> out = new java.util.LinkedHashMap<>();
    for (String id : created) {
      if (batches.containsKey(id)) {
        out.put(id, batches.get(id).requests.stream().map(r -> r[0]).toList());
      }
    }
    return out;
  }

  /** Forgets a batch, as a provider that purged it, or another account's key, would. */
  public void forget(String batchId) {
    batches.remove(batchId);
  }

  /** The next create request makes its batch at once but answers after {@code ms}. */
  public void answerNextCreateAfter(long ms) {
    createDelayMs.set(ms);
  }

  public long billedPromptTokens(String model) {
    LongAdder a = billedPrompt.get(model);
    return a == null ? 0 : a.sum();
  }

  public long billedCompletionTokens(String model) {
    LongAdder a = billedCompletion.get(model);
    return a == null ? 0 : a.sum();
  }

  public void resetCounts() {
    submitted.clear();
    batches.clear();
    created.clear();
    billedPrompt.clear();
    billedCompletion.clear();
    failedIds.clear();
    failTenPercent = false;
  }

  // ---------------------------------------------------------------- routing

  private void route(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod();
      byte[] body = exchange.getRequestBody().readAllBytes();
      if (path.startsWith("/openai/v1/") && !("Bearer " + FakeChatServer.KEY).equals(exchange.getRequestHeaders().getFirst("Authorization"))
          || path.startsWith("/anthropic/v1/") && !FakeChatServer.KEY.equals(exchange.getRequestHeaders().getFirst("x-api-key"))) {
        send(exchange, 401, "{\"error\":{\"message\":\"invalid api key\",\"type\":\"authentication_error\"}}");
        return;
      }
      if (path.startsWith("/anthropic/v1/") && exchange.getRequestHeaders().getFirst("anthropic-version") == null) {
        send(exchange, 400, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"anthropic-version: header is required\"}}");
        return;
      }
      if (method.equals("POST") && path.equals("/openai/v1/files")) {
        upload(exchange, body);
      } else if (method.equals("POST") && path.equals("/openai/v1/batches")) {
        createOpenAi(exchange, body);
      } else if (method.equals("GET") && path.equals("/openai/v1/batches")) {
        send(exchange, 200, list(false, exchange.getRequestURI().getQuery(), "after"));
      } else if (method.equals("GET") && path.startsWith("/openai/v1/batches/")) {
        Batch b = poll(path.substring("/openai/v1/batches/".length()));
        send(exchange, b == null ? 404 : 200, b == null ? "{\"error\":{\"message\":\"No batch found with id '"
            + path.substring("/openai/v1/batches/".length()) + "'.\",\"type\":\"invalid_request_error\",\"code\":null}}" : openAiBatch(b).toString());
      } else if (method.equals("GET") && path.startsWith("/openai/v1/files/") && path.endsWith("/content")) {
        String id = path.substring("/openai/v1/files/".length(), path.length() - "/content".length());
        String content = files.get(id);
        send(exchange, content == null ? 404 : 200, content == null ? "{\"error\":{\"message\":\"no such file\"}}" : content);
      } else if (method.equals("POST") && path.equals("/anthropic/v1/messages/batches")) {
        createAnthropic(exchange, body);
      } else if (method.equals("GET") && path.startsWith("/anthropic/v1/messages/batches/") && path.endsWith("/results")) {
        Batch b = batches.get(path.substring("/anthropic/v1/messages/batches/".length(), path.length() - "/results".length()));
        send(exchange, 200, String.join("\n", b.output) + "\n");
      } else if (method.equals("GET") && path.equals("/anthropic/v1/messages/batches")) {
        send(exchange, 200, list(true, exchange.getRequestURI().getQuery(), "after_id"));
      } else if (method.equals("GET") && path.startsWith("/anthropic/v1/messages/batches/")) {
        Batch b = poll(path.substring("/anthropic/v1/messages/batches/".length()));
        send(exchange, b == null ? 404 : 200, b == null ? "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":\"batch not found\"}}"
            : anthropicBatch(b).toString());
      } else {
        send(exchange, 404, "{\"error\":{\"message\":\"not found: " + method + " " + path + "\"}}");
      }
    } catch (RuntimeException e) {
      send(exchange, 500, "{\"error\":{\"message\":\"" + e.toString().replace('"', '\'') + "\"}}");
    }
  }

  /** The file part of a multipart/form-data body. */
  private void upload(HttpExchange exchange, byte[] body) throws IOException {
    String text = new String(body, StandardCharsets.UTF_8);
    if (!text.contains("name=\"purpose\"\r\n\r\nbatch\r\n")) {
      send(exchange, 400, "{\"error\":{\"message\":\"purpose must be batch\"}}");
      return;
    }
    int start = text.indexOf("\r\n\r\n", text.indexOf("name=\"file\"")) + 4;
    int end = text.lastIndexOf("\r\n--");
    String id = "file-" + ids.incrementAndGet();
    files.put(id, text.substring(start, end));
    send(exchange, 200, Json.compact(Map.of("id", id, "object", "file", "purpose", "batch", "bytes", end - start)));
  }

  private void createOpenAi(HttpExchange exchange, byte[] body) throws IOException {
    JsonNode req = Json.MAPPER.readTree(body);
    String content = files.get(req.path("input_file_id").asText());
    if (content == null || !"/v1/chat/completions".equals(req.path("endpoint").asText())) {
      send(exchange, 400, "{\"error\":{\"message\":\"unknown input_file_id or endpoint\"}}");
      return;
    }
    List<String[]> requests = new ArrayList<>();
    for (String line : content.split("\n")) {
      if (!line.isBlank()) {
        JsonNode l = Json.MAPPER.readTree(line);
        if (!"POST".equals(l.path("method").asText()) || !"/v1/chat/completions".equals(l.path("url").asText())) {
          send(exchange, 400, "{\"error\":{\"message\":\"each line needs method POST and url /v1/chat/completions\"}}");
          return;
        }
        requests.add(new String[] {l.path("custom_id").asText(), l.path("body").toString()});
      }
    }
    Batch b = create("batch_", false, requests);
    b.metadata = req.path("metadata");
    answerLate();
    send(exchange, 200, openAiBatch(b).toString());
  }

  private void createAnthropic(HttpExchange exchange, byte[] body) throws IOException {
    List<String[]> requests = new ArrayList<>();
    for (JsonNode r : Json.MAPPER.readTree(body).path("requests")) {
      requests.add(new String[] {r.path("custom_id").asText(), chatBody(r.path("params")).toString()});
    }
    Batch b = create("msgbatch_", true, requests);
    answerLate();
    send(exchange, 200, anthropicBatch(b).toString());
  }

  private Batch create(String prefix, boolean anthropic, List<String[]> requests) {
    for (String[] r : requests) {
      submitted.computeIfAbsent(r[0], k -> new AtomicInteger()).incrementAndGet();
    }
    boolean expire = toExpire.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
    Batch b = new Batch(prefix + ids.incrementAndGet(), anthropic, requests, expire);
    batches.put(b.id, b);
    created.add(b.id);
    return b;
  }

  /**
   * Where a batch stands now: each state lasts {@link #STEP_MS} (in_progress as long as the server
   * holds, then one step more), so a client polling fast sees every state and one polling later
   * finds the batch ended; its requests run on the way out of in_progress.
   */
  private synchronized Batch poll(String id) {
    Batch b = batches.get(id);
    if (b == null) {
      return null;
    }
    long now = System.currentTimeMillis();
    while (true) {
      boolean stepDone = now - b.since >= STEP_MS;
      if (b.status.equals("in_progress") && holding) {
        b.since = now;
        return b;
      }
      if (!stepDone) {
        return b;
      }
      switch (b.status) {
        case "validating" -> b.status = "in_progress";
        case "in_progress" -> {
          run(b);
          b.status = b.anthropic ? "ended" : b.expire ? "expired" : "finalizing";
        }
        case "finalizing" -> b.status = "completed";
        default -> {
          return b;
        }
      }
      b.since += STEP_MS;
    }
  }

  /** Runs the batch's requests against the chat server (the first half only when it expires); results in reverse order. */
  private void run(Batch b) {
    int runs = b.expire ? b.requests.size() / 2 : b.requests.size();
    for (int i = 0; i < b.requests.size(); i++) {
      String[] r = b.requests.get(i);
      if (i >= runs) {
        b.unanswered++;
        b.errors.add(b.anthropic
            ? Json.compact(Map.of("custom_id", r[0], "result", Map.of("type", "expired")))
            : Json.compact(Map.of("id", "batch_req_" + i, "custom_id", r[0], "error",
                Map.of("code", "batch_expired", "message", "This request could not be executed before the completion window expired."))));
      } else if (failTenPercent && submitted.get(r[0]).get() == 1 && firstSeen.incrementAndGet() % 10 == 0) {
        failedIds.add(r[0]);
        b.failed++;
        b.errors.add(b.anthropic
            ? Json.compact(Map.of("custom_id", r[0], "result", Map.of("type", "errored", "error",
                Map.of("type", "error", "error", Map.of("type", "api_error", "message", "Internal server error")))))
            : Json.compact(Map.of("id", "batch_req_" + i, "custom_id", r[0], "response", Map.of("status_code", 500, "request_id", "req_" + i,
                "body", Map.of("error", Map.of("message", "The server had an error processing your request.", "type", "server_error"))))));
      } else {
        answer(b, i, r);
      }
    }
    Collections.reverse(b.output);
    if (b.anthropic) {
      b.output.addAll(b.errors);
    } else if (!b.output.isEmpty() || !b.errors.isEmpty()) {
      files.put("file-out-" + b.id, String.join("\n", b.output) + "\n");
      files.put("file-err-" + b.id, String.join("\n", b.errors) + "\n");
    }
  }

  private void answer(Batch b, int i, String[] r) {
    String reply;
    try {
      HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(chat.baseUrl() + "/chat/completions"))
          .header("Authorization", "Bearer " + FakeChatServer.KEY).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(r[1], StandardCharsets.UTF_8)).build(), HttpResponse.BodyHandlers.ofString());
      reply = response.body();
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
    JsonNode chatReply;
    try {
      chatReply = Json.MAPPER.readTree(reply);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    String model;
    try {
      model = Json.MAPPER.readTree(r[1]).path("model").asText();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    JsonNode usage = chatReply.path("usage");
    billedPrompt.computeIfAbsent(model, k -> new LongAdder()).add(usage.path("prompt_tokens").asLong());
    billedCompletion.computeIfAbsent(model, k -> new LongAdder()).add(usage.path("completion_tokens").asLong());
    b.succeeded++;
    if (b.anthropic) {
      b.output.add(Json.compact(Map.of("custom_id", r[0], "result", Map.of("type", "succeeded", "message", message(chatReply, model)))));
    } else {
      b.output.add(Json.compact(Map.of("id", "batch_req_" + i, "custom_id", r[0], "response",
          Map.of("status_code", 200, "request_id", "req_" + i, "body", chatReply))));
    }
  }

  /** A chat-completions reply as an Anthropic Message: thinking and text blocks, stop_reason, usage. */
  private static ObjectNode message(JsonNode chatReply, String model) {
    ObjectNode m = Json.MAPPER.createObjectNode().put("id", "msg_" + Math.abs(chatReply.toString().hashCode())).put("type", "message")
        .put("role", "assistant").put("model", model);
    ArrayNode content = m.putArray("content");
    JsonNode choice = chatReply.path("choices").path(0);
    String reasoning = choice.path("message").path("reasoning_content").asText("");
    if (!reasoning.isEmpty()) {
      content.addObject().put("type", "thinking").put("thinking", reasoning).put("signature", "sig");
    }
    content.addObject().put("type", "text").put("text", choice.path("message").path("content").asText(""));
    m.put("stop_reason", "length".equals(choice.path("finish_reason").asText()) ? "max_tokens" : "end_turn");
    m.putObject("usage").put("input_tokens", chatReply.path("usage").path("prompt_tokens").asLong())
        .put("output_tokens", chatReply.path("usage").path("completion_tokens").asLong());
    return m;
  }

  /** Anthropic Messages params back as a chat-completions body, to ask the chat server. */
  private static ObjectNode chatBody(JsonNode params) {
    ObjectNode body = params.deepCopy();
    ArrayNode messages = Json.MAPPER.createArrayNode();
    if (params.has("system")) {
      messages.addObject().put("role", "system").put("content", params.path("system").asText());
      body.remove("system");
    }
    params.path("messages").forEach(messages::add);
    body.set("messages", messages);
    return body;
  }

  private ObjectNode openAiBatch(Batch b) {
    ObjectNode n = Json.MAPPER.createObjectNode().put("id", b.id).put("object", "batch").put("endpoint", "/v1/chat/completions")
        .put("input_file_id", "file-in").put("completion_window", "24h").put("status", b.status).put("created_at", b.createdAt / 1000);
    if (b.metadata != null && b.metadata.isObject()) {
      n.set("metadata", b.metadata);
    }
    boolean ended = List.of("completed", "expired", "failed", "cancelled").contains(b.status);
    if (ended && files.containsKey("file-out-" + b.id)) {
      n.put("output_file_id", "file-out-" + b.id).put("error_file_id", "file-err-" + b.id);
    } else {
      n.putNull("output_file_id").putNull("error_file_id");
    }
    boolean ran = !b.status.equals("validating") && !b.status.equals("in_progress");
    n.putObject("request_counts").put("total", b.requests.size()).put("completed", ran ? b.succeeded : 0).put("failed", ran ? b.failed : 0);
    return n;
  }

  private ObjectNode anthropicBatch(Batch b) {
    ObjectNode n = Json.MAPPER.createObjectNode().put("id", b.id).put("type", "message_batch").put("processing_status", b.status)
        .put("created_at", java.time.Instant.ofEpochMilli(b.createdAt).toString());
    boolean ended = b.status.equals("ended");
    n.putObject("request_counts").put("processing", ended ? 0 : b.requests.size()).put("succeeded", b.succeeded).put("errored", b.failed)
        .put("canceled", 0).put("expired", b.unanswered);
    if (ended) {
      n.put("results_url", baseUrl("anthropic") + "/messages/batches/" + b.id + "/results");
    } else {
      n.putNull("results_url");
    }
    return n;
  }

  private void answerLate() {
    long ms = createDelayMs.getAndSet(0);
    if (ms > 0) {
      try {
        Thread.sleep(ms);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** One page of a shape's batches, newest first: {@code limit} (default 20) after the id {@code afterKey} names. */
  private String list(boolean anthropic, String query, String afterKey) {
    Map<String, String> params = new java.util.HashMap<>();
    for (String kv : query == null ? new String[0] : query.split("&")) {
      int eq = kv.indexOf('=');
      params.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "" : kv.substring(eq + 1));
    }
    int limit = Integer.parseInt(params.getOrDefault("limit", "20"));
    List<String> newestFirst = new ArrayList<>(created);
    Collections.reverse(newestFirst);
    newestFirst.removeIf(id -> !batches.containsKey(id) || batches.get(id).anthropic != anthropic);
    int from = params.containsKey(afterKey) ? newestFirst.indexOf(params.get(afterKey)) + 1 : 0;
    List<String> page = newestFirst.subList(Math.min(from, newestFirst.size()), Math.min(from + limit, newestFirst.size()));
    ObjectNode n = Json.MAPPER.createObjectNode().put("object", "list");
    ArrayNode data = n.putArray("data");
    for (String id : page) {
      Batch b = batches.get(id);
      data.add(anthropic ? anthropicBatch(b) : openAiBatch(b));
    }
    n.put("has_more", from + page.size() < newestFirst.size());
    n.put("first_id", page.isEmpty() ? null : page.get(0));
    n.put("last_id", page.isEmpty() ? null : page.get(page.size() - 1));
    return n.toString();
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
