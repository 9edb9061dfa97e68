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
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A real batch API server on 127.0.0.1 for tests, in three documented shapes, answering every
 * request with what a {@link FakeChatServer} answers it online (so batch and online runs see the
 * same canned replies). Each behaviour cites the page it follows.
 *
 * <ul>
 *   <li>openai ({@code /openai/v1}; platform.openai.com/docs/guides/batch and
 *       platform.openai.com/docs/api-reference/batch): POST /files (multipart, purpose batch:
 *       platform.openai.com/docs/api-reference/files/create), POST /batches (with metadata), GET
 *       /batches/{id} moving validating → in_progress → finalizing → completed (or expired; the
 *       guide's failed, cancelling and cancelled are not made: distill never cancels), with
 *       request_counts {total, completed, failed} (the Batch object), GET /batches (newest first,
 *       limit, after, has_more), GET /files/{id}/content, 404 for an unknown batch or file; output
 *       lines {@code {id, custom_id, response: {status_code, request_id, body}, error: null}}, failed
 *       requests in the error file, requests an expired batch never ran there with error code
 *       batch_expired (the guide, "Batch expiration").
 *   <li>anthropic ({@code /anthropic/v1}; docs.claude.com/en/docs/build-with-claude/batch-processing):
 *       POST /messages/batches, GET /messages/batches/{id} (processing_status in_progress → ended,
 *       request_counts {processing, succeeded, errored, canceled, expired}; canceling is not made;
 *       404 not_found_error for an unknown id), GET /messages/batches (newest first, limit,
 *       after_id), results JSONL at results_url (docs.claude.com/en/api/retrieving-message-batch-results)
 *       with {@code result.type} succeeded, errored or expired.
 *   <li>gemini ({@code /gemini/v1beta}; ai.google.dev/gemini-api/docs/batch-mode and
 *       ai.google.dev/api/batch-mode): the resumable upload at /upload/gemini/v1beta/files (start
 *       answers x-goog-upload-url; "upload, finalize" answers {@code {file: {name}}}), POST
 *       /models/{model}:batchGenerateContent ({@code batch: {displayName, inputConfig: {fileName}}},
 *       each line {@code {key, request}}) answering an operation {@code {name: batches/..., metadata:
 *       {displayName, createTime, state, batchStats}}}, GET /batches/{id} moving BATCH_STATE_PENDING →
 *       RUNNING → SUCCEEDED (or EXPIRED, which "will not have any results"; FAILED on
 *       {@link #failNextWithPermissionDenied()}), {@code done} and {@code response.responsesFile} once
 *       ended, GET /batches (pageSize, pageToken, nextPageToken; oldest first, as the docs promise no
 *       order), the responses at /download/gemini/v1beta/files/{id}:download?alt=media, lines
 *       {@code {key, response: GenerateContentResponse}} or {@code {key, error: {code, message, status}}}
 *       (google.rpc.Status); errors as the API sends them, {@code {error: {code, message, status}}}
 *       (ai.google.dev/gemini-api/docs/troubleshooting).
 * </ul>
 *
 * <p>Authentication as each provider documents it: openai {@code Authorization: Bearer} else 401
 * invalid_api_key (platform.openai.com/docs/guides/error-codes), anthropic {@code x-api-key} else 401
 * authentication_error and no {@code anthropic-version} 400 (docs.claude.com/en/api/errors,
 * docs.claude.com/en/api/versioning), gemini {@code x-goog-api-key}, else 400 API_KEY_INVALID for a
 * wrong key and 403 PERMISSION_DENIED for none (the troubleshooting page). Results come in reverse
 * order: every shape says results may come in any order and are matched by custom_id or key (the
 * openai guide, the Anthropic results page, the Gemini guide's "user-defined key").
 *
 * <p>Each state lasts {@link #STEP_MS}, so tests run in seconds; {@link #hold()} keeps every
 * batch in_progress (RUNNING) until {@link #release()} (a batch that takes hours), {@link #expireNext(int)}
 * makes the next batches expire (openai and anthropic with half of their requests run, gemini with
 * none), {@link #failTenPercent()} fails every tenth request run (a 500 in the error file or results)
 * the first time it is submitted, {@link #refuseNext()} refuses every request of the next batch for
 * the key (401 / authentication_error / UNAUTHENTICATED in its results), {@link #forget(String)}
 * drops a batch (a provider that no longer knows it), {@link #purgeResults(String)} drops its result
 * files, and {@link #answerNextCreateAfter(long)} creates the next batch but answers only after a
 * delay (a create request that times out). The server counts every request submitted per custom id
 * and bills what it ran.
 */
public final class FakeBatchServer implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  /** How long each state of a batch lasts. */
  static final long STEP_MS = 150;
  private static final String OPENAI = "openai";
  private static final String ANTHROPIC = "anthropic";
  private static final String GEMINI = "gemini";

  private final HttpServer server;
  private final FakeChatServer chat;
  private final Map<String, String> files = new ConcurrentHashMap<>();
  private final Map<String, Batch> batches = new ConcurrentHashMap<>();
  private final List<String> created = new CopyOnWriteArrayList<>();
  private final Map<String, AtomicInteger> submitted = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> billedPrompt = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> billedCompletion = new ConcurrentHashMap<>();
  /** Gemini resumable uploads started and not finalized: upload id to the byte count announced. */
  private final Map<String, Long> uploads = new ConcurrentHashMap<>();
  private final AtomicInteger ids = new AtomicInteger();
  private final AtomicLong createDelayMs = new AtomicLong();
  private volatile boolean holding;
  private final AtomicInteger toExpire = new AtomicInteger();
  private volatile boolean failTenPercent;
  private volatile boolean refuseNext;
  private volatile boolean permissionDeniedNext;
  private final AtomicInteger firstSeen = new AtomicInteger();
  private final Set<String> failedIds = ConcurrentHashMap.newKeySet();
  private final Set<String> purged = ConcurrentHashMap.newKeySet();

  /** One batch: its requests (custom id, chat body), where it stands, and its results once run. */
  private static final class Batch {
    final String id;
    final String shape;
    final List<String[]> requests;
    final boolean expire;
    final boolean refuse;
    final boolean permissionDenied;
    final long createdAt = System.currentTimeMillis();
    JsonNode metadata;
    String displayName;
    String model;
    volatile String status;
    long since = System.currentTimeMillis();
    final List<String> output = new ArrayList<>();
    final List<String> errors = new ArrayList<>();
    int succeeded;
    int failed;
    int unanswered;

    Batch(String id, String shape, List<String[]> requests, boolean expire, boolean refuse, boolean permissionDenied) {
      this.id = id;
      this.shape = shape;
      this.requests = requests;
      this.expire = expire;
      this.refuse = refuse;
      this.permissionDenied = permissionDenied;
      this.status = switch (shape) {
        case ANTHROPIC -> "in_progress";
        case GEMINI -> "PENDING";
        default -> "validating";
      };
    }

    boolean ended() {
      return switch (shape) {
        case ANTHROPIC -> status.equals("ended");
        case GEMINI -> List.of("SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED").contains(status);
        default -> List.of("completed", "expired", "failed", "cancelled").contains(status);
      };
    }
  }

  public FakeBatchServer(FakeChatServer chat) throws IOException {
    this.chat = chat;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newFixedThreadPool(8));
    server.createContext("/", this::route);
    server.start();
  }

  private String host() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The base URL of a shape: openai, anthropic or gemini. */
  public String baseUrl(String shape) {
    return host() + "/" + shape + (GEMINI.equals(shape) ? "/v1beta" : "/v1");
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

  /** Every request of the next batch is refused for the key in its results (the shape's 401). */
  public void refuseNext() {
    refuseNext = true;
  }

  /** The next gemini batch fails as a whole with PERMISSION_DENIED (the operation's error, code 7), running nothing. */
  public void failNextWithPermissionDenied() {
    permissionDeniedNext = true;
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
    Map<String, List<String>> out = new LinkedHashMap<>();
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

  /** Forgets a batch's result files (openai output and error files, gemini responses file), now or once it runs, keeping the batch. */
  public void purgeResults(String batchId) {
    forgetFile("file-out-" + batchId);
    forgetFile("file-err-" + batchId);
    forgetFile(responsesFile(batchId));
  }

  /** Forgets one result file ({@code file-out-<batch>}, {@code file-err-<batch>}, a responses file), now or once its batch runs. */
  public void forgetFile(String fileId) {
    purged.add(fileId);
    files.remove(fileId);
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
      if (!authorized(exchange, path)) {
        return;
      }
      if (path.startsWith("/openai/v1/")) {
        routeOpenAi(exchange, method, path.substring("/openai/v1".length()), body);
      } else if (path.startsWith("/anthropic/v1/")) {
        routeAnthropic(exchange, method, path.substring("/anthropic/v1".length()), body);
      } else if (path.startsWith("/gemini/v1beta/") || path.startsWith("/upload/gemini/v1beta/") || path.startsWith("/download/gemini/v1beta/")) {
        routeGemini(exchange, method, path, body);
      } else {
        send(exchange, 404, "{\"error\":{\"message\":\"not found: " + method + " " + path + "\"}}");
      }
    } catch (RuntimeException e) {
      send(exchange, 500, "{\"error\":{\"message\":\"" + e.toString().replace('"', '\'') + "\"}}");
    }
  }

  /** Each shape's key header; a missing or wrong key answered as the provider documents (see the class comment). */
  private boolean authorized(HttpExchange exchange, String path) throws IOException {
    var h = exchange.getRequestHeaders();
    if (path.startsWith("/openai/v1/") && !("Bearer " + FakeChatServer.KEY).equals(h.getFirst("Authorization"))) {
      send(exchange, 401, "{\"error\":{\"message\":\"Incorrect API key provided.\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}");
      return false;
    }
    if (path.startsWith("/anthropic/v1/")) {
      if (!FakeChatServer.KEY.equals(h.getFirst("x-api-key"))) {
        send(exchange, 401, "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key\"}}");
        return false;
      }
      if (h.getFirst("anthropic-version") == null) {
        send(exchange, 400, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"anthropic-version: header is required\"}}");
        return false;
      }
    }
    if (path.contains("/gemini/v1beta/") && !FakeChatServer.KEY.equals(h.getFirst("x-goog-api-key"))) {
      boolean none = h.getFirst("x-goog-api-key") == null;
      send(exchange, none ? 403 : 400, none ? geminiError(403, "Method doesn't allow unregistered callers (callers without established identity). "
          + "Please use API Key or other form of API consumer identity to call this API.", "PERMISSION_DENIED")
          : geminiError(400, "API key not valid. Please pass a valid API key.", "INVALID_ARGUMENT"));
      return false;
    }
    return true;
  }

  private void routeOpenAi(HttpExchange exchange, String method, String path, byte[] body) throws IOException {
    if (method.equals("POST") && path.equals("/files")) {
      upload(exchange, body);
    } else if (method.equals("POST") && path.equals("/batches")) {
      createOpenAi(exchange, body);
    } else if (method.equals("GET") && path.equals("/batches")) {
      send(exchange, 200, list(OPENAI, exchange.getRequestURI().getQuery(), "after"));
    } else if (method.equals("GET") && path.startsWith("/batches/")) {
      Batch b = poll(path.substring("/batches/".length()));
      send(exchange, b == null ? 404 : 200, b == null ? "{\"error\":{\"message\":\"No batch found with id '"
          + path.substring("/batches/".length()) + "'.\",\"type\":\"invalid_request_error\",\"code\":null}}" : openAiBatch(b).toString());
    } else if (method.equals("GET") && path.startsWith("/files/") && path.endsWith("/content")) {
      String id = path.substring("/files/".length(), path.length() - "/content".length());
      String content = files.get(id);
      send(exchange, content == null ? 404 : 200, content == null ? "{\"error\":{\"message\":\"No such File object: " + id
          + "\",\"type\":\"invalid_request_error\"}}" : content);
    } else {
      send(exchange, 404, "{\"error\":{\"message\":\"not found: " + method + " /openai/v1" + path + "\"}}");
    }
  }

  private void routeAnthropic(HttpExchange exchange, String method, String path, byte[] body) throws IOException {
    if (method.equals("POST") && path.equals("/messages/batches")) {
      createAnthropic(exchange, body);
    } else if (method.equals("GET") && path.startsWith("/messages/batches/") && path.endsWith("/results")) {
      Batch b = batches.get(path.substring("/messages/batches/".length(), path.length() - "/results".length()));
      send(exchange, b == null || !b.ended() ? 404 : 200, b == null || !b.ended()
          ? "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":\"batch results not found\"}}"
          : String.join("\n", b.output) + "\n");
    } else if (method.equals("GET") && path.equals("/messages/batches")) {
      send(exchange, 200, list(ANTHROPIC, exchange.getRequestURI().getQuery(), "after_id"));
    } else if (method.equals("GET") && path.startsWith("/messages/batches/")) {
      Batch b = poll(path.substring("/messages/batches/".length()));
      send(exchange, b == null ? 404 : 200, b == null ? "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":\"batch not found\"}}"
          : anthropicBatch(b).toString());
    } else {
      send(exchange, 404, "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":\"not found: " + method + " " + path + "\"}}");
    }
  }

  private void routeGemini(HttpExchange exchange, String method, String path, byte[] body) throws IOException {
    String query = exchange.getRequestURI().getQuery();
    if (method.equals("POST") && path.equals("/upload/gemini/v1beta/files")) {
      geminiUpload(exchange, query, body);
    } else if (method.equals("POST") && path.startsWith("/gemini/v1beta/models/") && path.endsWith(":batchGenerateContent")) {
      createGemini(exchange, path.substring("/gemini/v1beta/models/".length(), path.length() - ":batchGenerateContent".length()), body);
    } else if (method.equals("GET") && path.equals("/gemini/v1beta/batches")) {
      send(exchange, 200, list(GEMINI, query, "pageToken"));
    } else if (method.equals("GET") && path.startsWith("/gemini/v1beta/batches/")) {
      Batch b = poll(path.substring("/gemini/v1beta/".length()));
      send(exchange, b == null ? 404 : 200, b == null ? geminiError(404, "Requested entity was not found.", "NOT_FOUND") : geminiBatch(b).toString());
    } else if (method.equals("GET") && path.startsWith("/download/gemini/v1beta/files/") && path.endsWith(":download")
        && "alt=media".equals(query)) {
      String content = files.get(path.substring("/download/gemini/v1beta/".length(), path.length() - ":download".length()));
      send(exchange, content == null ? 404 : 200, content == null ? geminiError(404, "Requested entity was not found.", "NOT_FOUND") : content);
    } else {
      send(exchange, 404, geminiError(404, "not found: " + method + " " + path, "NOT_FOUND"));
    }
  }

  private static String geminiError(int code, String message, String status) {
    return Json.compact(Map.of("error", Map.of("code", code, "message", message, "status", status)));
  }

  /** The file part of a multipart/form-data body. */
  private void upload(HttpExchange exchange, byte[] body) throws IOException {
    String text = new String(body, StandardCharsets.UTF_8);
    if (!text.contains("name=\"purpose\"\r\n\r\nbatch\r\n")) {
      send(exchange, 400, "{\"error\":{\"message\":\"purpose must be batch\",\"type\":\"invalid_request_error\"}}");
      return;
    }
    int start = text.indexOf("\r\n\r\n", text.indexOf("name=\"file\"")) + 4;
    int end = text.lastIndexOf("\r\n--");
    String id = "file-" + ids.incrementAndGet();
    files.put(id, text.substring(start, end));
    send(exchange, 200, Json.compact(Map.of("id", id, "object", "file", "purpose", "batch", "bytes", end - start)));
  }

  /**
   * Google's resumable upload: "start" (metadata, the announced length in
   * X-Goog-Upload-Header-Content-Length) answers the upload URL in x-goog-upload-url; "upload,
   * finalize" at offset 0 with exactly that many bytes answers the file.
   */
  private void geminiUpload(HttpExchange exchange, String query, byte[] body) throws IOException {
    var h = exchange.getRequestHeaders();
    String command = String.valueOf(h.getFirst("X-Goog-Upload-Command"));
    if (query == null && command.equals("start") && "resumable".equals(h.getFirst("X-Goog-Upload-Protocol"))) {
      String uploadId = "up-" + ids.incrementAndGet();
      uploads.put(uploadId, Long.parseLong(String.valueOf(h.getFirst("X-Goog-Upload-Header-Content-Length"))));
      exchange.getResponseHeaders().add("x-goog-upload-url", host() + "/upload/gemini/v1beta/files?upload_id=" + uploadId + "&upload_protocol=resumable");
      exchange.getResponseHeaders().add("x-goog-upload-status", "active");
      send(exchange, 200, "");
      return;
    }
    String uploadId = query == null ? null : query.replaceAll(".*upload_id=([^&]*).*", "$1");
    Long announced = uploadId == null ? null : uploads.remove(uploadId);
    if (announced == null || !command.equals("upload, finalize") || !"0".equals(h.getFirst("X-Goog-Upload-Offset")) || announced != body.length) {
      send(exchange, 400, geminiError(400, "bad resumable upload: " + command + " of " + body.length + " bytes, announced " + announced,
          "INVALID_ARGUMENT"));
      return;
    }
    String name = "files/in" + ids.incrementAndGet();
    files.put(name, new String(body, StandardCharsets.UTF_8));
    exchange.getResponseHeaders().add("x-goog-upload-status", "final");
    send(exchange, 200, Json.compact(Map.of("file", Map.of("name", name, "mimeType", "application/jsonl", "sizeBytes", String.valueOf(body.length),
        "state", "ACTIVE", "uri", baseUrl(GEMINI) + "/" + name))));
  }

  private void createOpenAi(HttpExchange exchange, byte[] body) throws IOException {
    JsonNode req = Json.MAPPER.readTree(body);
    String content = files.get(req.path("input_file_id").asText());
    if (content == null || !"/v1/chat/completions".equals(req.path("endpoint").asText())) {
      send(exchange, 400, "{\"error\":{\"message\":\"unknown input_file_id or endpoint\",\"type\":\"invalid_request_error\"}}");
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
    Batch b = create("batch_", OPENAI, requests);
    b.metadata = req.path("metadata");
    answerLate();
    send(exchange, 200, openAiBatch(b).toString());
  }

  private void createAnthropic(HttpExchange exchange, byte[] body) throws IOException {
    List<String[]> requests = new ArrayList<>();
    for (JsonNode r : Json.MAPPER.readTree(body).path("requests")) {
      requests.add(new String[] {r.path("custom_id").asText(), chatBody(r.path("params")).toString()});
    }
    Batch b = create("msgbatch_", ANTHROPIC, requests);
    answerLate();
    send(exchange, 200, anthropicBatch(b).toString());
  }

  /** {@code batch.inputConfig.fileName} names an uploaded file of {@code {key, request}} lines (an unknown one is 400 INVALID_ARGUMENT). */
  private void createGemini(HttpExchange exchange, String model, byte[] body) throws IOException {
    JsonNode batch = Json.MAPPER.readTree(body).path("batch");
    String content = files.get(batch.path("inputConfig").path("fileName").asText());
    if (content == null || batch.path("displayName").asText("").isEmpty()) {
      send(exchange, 400, geminiError(400, "batch.displayName and an uploaded batch.inputConfig.fileName are required", "INVALID_ARGUMENT"));
      return;
    }
    List<String[]> requests = new ArrayList<>();
    for (String line : content.split("\n")) {
      if (!line.isBlank()) {
        JsonNode l = Json.MAPPER.readTree(line);
        if (!l.path("key").isTextual() || !l.path("request").isObject()) {
          send(exchange, 400, geminiError(400, "each line needs a key and a request", "INVALID_ARGUMENT"));
          return;
        }
        requests.add(new String[] {l.path("key").asText(), chatBody(model, l.path("request")).toString()});
      }
    }
    Batch b = create("batches/g", GEMINI, requests);
    b.displayName = batch.path("displayName").asText();
    b.model = "models/" + model;
    answerLate();
    send(exchange, 200, geminiBatch(b).toString());
  }

  private Batch create(String prefix, String shape, List<String[]> requests) {
    for (String[] r : requests) {
      submitted.computeIfAbsent(r[0], k -> new AtomicInteger()).incrementAndGet();
    }
    boolean expire = toExpire.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
    boolean refuse = refuseNext;
    refuseNext = false;
    boolean denied = GEMINI.equals(shape) && permissionDeniedNext;
    if (denied) {
      permissionDeniedNext = false;
    }
    Batch b = new Batch(prefix + ids.incrementAndGet(), shape, requests, expire, refuse, denied);
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
      boolean running = b.status.equals("in_progress") || b.status.equals("RUNNING");
      if (running && holding) {
        b.since = now;
        return b;
      }
      if (now - b.since < STEP_MS) {
        return b;
      }
      switch (b.status) {
        case "validating" -> b.status = "in_progress";
        case "PENDING" -> b.status = "RUNNING";
        case "in_progress" -> {
          run(b);
          b.status = b.shape.equals(ANTHROPIC) ? "ended" : b.expire ? "expired" : "finalizing";
        }
        case "RUNNING" -> {
          if (!b.expire && !b.permissionDenied) {
            run(b);
          }
          b.status = b.permissionDenied ? "FAILED" : b.expire ? "EXPIRED" : "SUCCEEDED";
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
        b.errors.add(b.shape.equals(ANTHROPIC)
            ? Json.compact(Map.of("custom_id", r[0], "result", Map.of("type", "expired")))
            : Json.compact(Map.of("id", "batch_req_" + i, "custom_id", r[0], "error",
                Map.of("code", "batch_expired", "message", "This request could not be executed before the completion window expired."))));
      } else if (b.refuse) {
        b.failed++;
        b.errors.add(refusal(b.shape, i, r[0]));
      } else if (failTenPercent && submitted.get(r[0]).get() == 1 && firstSeen.incrementAndGet() % 10 == 0) {
        failedIds.add(r[0]);
        b.failed++;
        b.errors.add(serverError(b.shape, i, r[0]));
      } else {
        answer(b, i, r);
      }
    }
    Collections.reverse(b.output);
    if (b.shape.equals(ANTHROPIC)) {
      b.output.addAll(b.errors);
    } else if (b.shape.equals(GEMINI)) {
      List<String> lines = new ArrayList<>(b.output);
      lines.addAll(b.errors);
      store(responsesFile(b.id), String.join("\n", lines) + "\n");
    } else if (!b.output.isEmpty() || !b.errors.isEmpty()) {
      store("file-out-" + b.id, String.join("\n", b.output) + "\n");
      store("file-err-" + b.id, String.join("\n", b.errors) + "\n");
    }
  }

  private void store(String fileId, String content) {
    if (!purged.contains(fileId)) {
      files.put(fileId, content);
    }
  }

  private static String responsesFile(String batchId) {
    return "files/" + batchId.replace("batches/", "") + "-responses";
  }

  /** A request refused for the key, as each shape's results carry it. */
  private static String refusal(String shape, int i, String customId) {
    return switch (shape) {
      case ANTHROPIC -> Json.compact(Map.of("custom_id", customId, "result", Map.of("type", "errored", "error",
          Map.of("type", "error", "error", Map.of("type", "authentication_error", "message", "invalid x-api-key")))));
      case GEMINI -> Json.compact(Map.of("key", customId, "error", Map.of("code", 16, "message",
          "Request had invalid authentication credentials.", "status", "UNAUTHENTICATED")));
      default -> Json.compact(Map.of("id", "batch_req_" + i, "custom_id", customId, "response", Map.of("status_code", 401, "request_id",
          "req_" + i, "body", Map.of("error", Map.of("message", "Incorrect API key provided.", "type", "invalid_request_error",
              "code", "invalid_api_key")))));
    };
  }

  /** A request that failed on the provider's side (a 500), as each shape's results carry it. */
  private static String serverError(String shape, int i, String customId) {
    return switch (shape) {
      case ANTHROPIC -> Json.compact(Map.of("custom_id", customId, "result", Map.of("type", "errored", "error",
          Map.of("type", "error", "error", Map.of("type", "api_error", "message", "Internal server error")))));
      case GEMINI -> Json.compact(Map.of("key", customId, "error", Map.of("code", 13, "message", "Internal error encountered.",
          "status", "INTERNAL")));
      default -> Json.compact(Map.of("id", "batch_req_" + i, "custom_id", customId, "response", Map.of("status_code", 500, "request_id",
          "req_" + i, "body", Map.of("error", Map.of("message", "The server had an error processing your request.", "type", "server_error")))));
    };
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
    String model;
    try {
      chatReply = Json.MAPPER.readTree(reply);
      model = Json.MAPPER.readTree(r[1]).path("model").asText();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    JsonNode usage = chatReply.path("usage");
    billedPrompt.computeIfAbsent(model, k -> new LongAdder()).add(usage.path("prompt_tokens").asLong());
    billedCompletion.computeIfAbsent(model, k -> new LongAdder()).add(usage.path("completion_tokens").asLong());
    b.succeeded++;
    switch (b.shape) {
      case ANTHROPIC -> b.output.add(Json.compact(Map.of("custom_id", r[0], "result", Map.of("type", "succeeded", "message", message(chatReply, model)))));
      case GEMINI -> b.output.add(Json.compact(Map.of("key", r[0], "response", generateContentResponse(chatReply, model))));
      default -> b.output.add(Json.compact(Map.of("id", "batch_req_" + i, "custom_id", r[0], "response",
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

  /**
   * A chat-completions reply as a GenerateContentResponse: the thinking as a part with thought
   * true, the text as a part, finishReason, usageMetadata with the thinking's share of the
   * completion tokens as thoughtsTokenCount (ai.google.dev/api/generate-content#v1beta.GenerateContentResponse).
   */
  private static ObjectNode generateContentResponse(JsonNode chatReply, String model) {
    ObjectNode r = Json.MAPPER.createObjectNode().put("responseId", "resp-" + Math.abs(chatReply.toString().hashCode())).put("modelVersion", model);
    JsonNode choice = chatReply.path("choices").path(0);
    ObjectNode candidate = r.putArray("candidates").addObject();
    ArrayNode parts = candidate.putObject("content").put("role", "model").putArray("parts");
    String reasoning = choice.path("message").path("reasoning_content").asText("");
    if (!reasoning.isEmpty()) {
      parts.addObject().put("text", reasoning).put("thought", true);
    }
    parts.addObject().put("text", choice.path("message").path("content").asText(""));
    candidate.put("finishReason", "length".equals(choice.path("finish_reason").asText()) ? "MAX_TOKENS" : "STOP").put("index", 0);
    long completion = chatReply.path("usage").path("completion_tokens").asLong();
    long thoughts = reasoning.isEmpty() ? 0 : completion / 2;
    ObjectNode usage = r.putObject("usageMetadata").put("promptTokenCount", chatReply.path("usage").path("prompt_tokens").asLong())
        .put("candidatesTokenCount", completion - thoughts).put("totalTokenCount", chatReply.path("usage").path("prompt_tokens").asLong() + completion);
    if (thoughts > 0) {
      usage.put("thoughtsTokenCount", thoughts);
    }
    return r;
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

  /** A GenerateContentRequest back as a chat-completions body, to ask the chat server. */
  private static ObjectNode chatBody(String model, JsonNode request) {
    ObjectNode body = Json.MAPPER.createObjectNode().put("model", model);
    ArrayNode messages = body.putArray("messages");
    JsonNode system = request.path("systemInstruction").path("parts").path(0).path("text");
    if (system.isTextual()) {
      messages.addObject().put("role", "system").put("content", system.asText());
    }
    for (JsonNode c : request.path("contents")) {
      messages.addObject().put("role", "model".equals(c.path("role").asText()) ? "assistant" : "user")
          .put("content", c.path("parts").path(0).path("text").asText());
    }
    JsonNode g = request.path("generationConfig");
    if (g.has("maxOutputTokens")) {
      body.set("max_tokens", g.get("maxOutputTokens"));
    }
    if (g.has("temperature")) {
      body.set("temperature", g.get("temperature"));
    }
    return body;
  }

  private ObjectNode openAiBatch(Batch b) {
    ObjectNode n = Json.MAPPER.createObjectNode().put("id", b.id).put("object", "batch").put("endpoint", "/v1/chat/completions")
        .put("input_file_id", "file-in").put("completion_window", "24h").put("status", b.status).put("created_at", b.createdAt / 1000);
    if (b.metadata != null && b.metadata.isObject()) {
      n.set("metadata", b.metadata);
    }
    if (b.ended() && b.succeeded + b.failed + b.unanswered > 0) {
      // Named even after purgeResults: the batch keeps naming files the provider no longer has.
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
        .put("created_at", Instant.ofEpochMilli(b.createdAt).toString());
    boolean ended = b.ended();
    n.putObject("request_counts").put("processing", ended ? 0 : b.requests.size()).put("succeeded", b.succeeded).put("errored", b.failed)
        .put("canceled", 0).put("expired", b.unanswered);
    if (ended) {
      n.put("results_url", baseUrl(ANTHROPIC) + "/messages/batches/" + b.id + "/results");
    } else {
      n.putNull("results_url");
    }
    return n;
  }

  /** The batch as an operation: int64 counts as strings (proto JSON), done and the response (or the error) once ended. */
  private ObjectNode geminiBatch(Batch b) {
    ObjectNode n = Json.MAPPER.createObjectNode().put("name", b.id);
    ObjectNode meta = n.putObject("metadata").put("@type", "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch")
        .put("model", b.model).put("displayName", b.displayName).put("createTime", Instant.ofEpochMilli(b.createdAt).toString())
        .put("state", "BATCH_STATE_" + b.status);
    boolean ran = b.ended() && !b.status.equals("EXPIRED") && !b.status.equals("FAILED");
    meta.putObject("batchStats").put("requestCount", String.valueOf(b.requests.size()))
        .put("successfulRequestCount", String.valueOf(ran ? b.succeeded : 0)).put("failedRequestCount", String.valueOf(ran ? b.failed : 0))
        .put("pendingRequestCount", String.valueOf(b.ended() ? 0 : b.requests.size()));
    if (b.ended()) {
      n.put("done", true);
      if (b.status.equals("FAILED")) {
        n.putObject("error").put("code", 7).put("message", "The caller does not have permission");
      } else if (ran) {
        meta.putObject("output").put("responsesFile", responsesFile(b.id));
        n.putObject("response").put("@type", "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput")
            .put("responsesFile", responsesFile(b.id));
      }
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

  /**
   * One page of a shape's batches: openai and anthropic newest first, {@code limit} (default 20)
   * after the id {@code afterKey} names; gemini oldest first, {@code pageSize} from the offset its
   * {@code pageToken} holds, {@code nextPageToken} while more remain.
   */
  private String list(String shape, String query, String afterKey) {
    Map<String, String> params = new HashMap<>();
    for (String kv : query == null ? new String[0] : query.split("&")) {
      int eq = kv.indexOf('=');
      params.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "" : kv.substring(eq + 1));
    }
    boolean gemini = shape.equals(GEMINI);
    int limit = Integer.parseInt(params.getOrDefault(gemini ? "pageSize" : "limit", "20"));
    List<String> order = new ArrayList<>(created);
    if (!gemini) {
      Collections.reverse(order);
    }
    order.removeIf(id -> !batches.containsKey(id) || !batches.get(id).shape.equals(shape));
    int from = !params.containsKey(afterKey) ? 0 : gemini ? Integer.parseInt(params.get(afterKey).substring("offset-".length()))
        : order.indexOf(params.get(afterKey)) + 1;
    List<String> page = order.subList(Math.min(from, order.size()), Math.min(from + limit, order.size()));
    ObjectNode n = Json.MAPPER.createObjectNode();
    ArrayNode data = gemini ? n.putArray("operations") : n.put("object", "list").putArray("data");
    for (String id : page) {
      Batch b = batches.get(id);
      data.add(switch (shape) {
        case ANTHROPIC -> anthropicBatch(b);
        case GEMINI -> geminiBatch(b);
        default -> openAiBatch(b);
      });
    }
    boolean more = from + page.size() < order.size();
    if (gemini) {
      if (more) {
        n.put("nextPageToken", "offset-" + (from + page.size()));
      }
    } else {
      n.put("has_more", more);
      n.put("first_id", page.isEmpty() ? null : page.get(0));
      n.put("last_id", page.isEmpty() ? null : page.get(page.size() - 1));
    }
    return n.toString();
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
