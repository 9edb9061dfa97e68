package dev.distill.job.generate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.conf.Endpoints;
import dev.distill.job.io.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The OpenAI batch shape (OpenAI, Together, Groq; vLLM's run_batch reads the same input lines):
 * the requests as a JSONL file uploaded to {@code /files} (purpose batch), a batch created on it at
 * {@code /batches}, polled through validating, in_progress and finalizing to completed, failed,
 * expired or cancelled; the results in an output file and the failed requests in an error file,
 * each line {@code {custom_id, response: {status_code, body}, error}}. A file holds at most 50,000
 * requests and 200 MB.
 */
final class OpenAiBatchApi implements BatchApi {
  static final int MAX_REQUESTS = 50_000;
  static final long MAX_BYTES = 200L * 1024 * 1024;
  private static final Set<String> ENDED = Set.of("completed", "failed", "expired", "cancelled");
  /** Error codes of requests the batch never ran: they have no result, so they are submitted again. */
  private static final Set<String> UNANSWERED = Set.of("batch_expired", "batch_cancelled");
  /** The metadata key a batch carries its intent under (the id of its record before the batch existed). */
  static final String INTENT = "distill_intent";

  private final String root;
  private final BatchHttp http;
  private final String completionWindow;

  OpenAiBatchApi(String baseUrl, BatchHttp http, String completionWindow) {
    this.root = Endpoints.root(baseUrl);
    this.http = http;
    this.completionWindow = completionWindow;
  }

  @Override
  public int maxRequests() {
    return MAX_REQUESTS;
  }

  @Override
  public long maxBytes() {
    return MAX_BYTES;
  }

  /** The body goes in as the ledger keyed it, byte for byte. */
  @Override
  public String request(String customId, String chatBody) {
    return "{\"custom_id\":" + Json.compact(customId) + ",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":" + chatBody + "}";
  }

  /** The file upload may be retried (an orphan file costs nothing); the batch is created once, tagged {@code metadata.distill_intent}. */
  @Override
  public String submit(List<String> requests, String intent) throws IOException, InterruptedException {
    StringBuilder file = new StringBuilder();
    for (String r : requests) {
      file.append(r).append('\n');
    }
    String uploaded = http.postFile(root + "/files", Map.of("purpose", "batch"), "distill-batch.jsonl",
        file.toString().getBytes(StandardCharsets.UTF_8));
    String fileId = Json.MAPPER.readTree(uploaded).path("id").asText();
    return http.create(root + "/batches", Json.compact(Map.of("input_file_id", fileId, "endpoint", "/v1/chat/completions",
        "completion_window", completionWindow, "metadata", Map.of(INTENT, intent))));
  }

  @Override
  public boolean tagsIntent() {
    return true;
  }

  /** {@code GET /batches?limit=100&after=}: newest first, {@code created_at} in Unix seconds, {@code has_more}. */
  @Override
  public Page list(String after) throws IOException, InterruptedException {
    JsonNode page = Json.MAPPER.readTree(http.get(root + "/batches?limit=100" + (after == null ? "" : "&after=" + after)));
    List<Listed> batches = new ArrayList<>();
    for (JsonNode b : page.path("data")) {
      batches.add(new Listed(b.path("id").asText(), Instant.ofEpochSecond(b.path("created_at").asLong()),
          b.path("metadata").path(INTENT).asText(null)));
    }
    return Page.afterLastId(batches, page.path("has_more").asBoolean(false));
  }

  @Override
  public State poll(String batchId) throws IOException, InterruptedException {
    JsonNode b = Json.MAPPER.readTree(http.get(root + "/batches/" + batchId));
    String status = b.path("status").asText();
    JsonNode counts = b.path("request_counts");
    JsonNode errors = b.path("errors").path("data");
    String message = errors.isArray() && !errors.isEmpty() ? errors.get(0).path("message").asText(null) : null;
    return new State(batchId, status, ENDED.contains(status), counts.path("total").asLong(), counts.path("completed").asLong(),
        counts.path("failed").asLong(), b.path("output_file_id").asText(null), b.path("error_file_id").asText(null), message);
  }

  /** {@code GET /files/{id}/content} of the output or the error file. */
  @Override
  public List<Result> results(String file) throws IOException, InterruptedException {
    List<Result> out = new ArrayList<>();
    for (String line : http.get(root + "/files/" + file + "/content").split("\n")) {
      if (!line.isBlank()) {
        addResult(Json.MAPPER.readTree(line), out);
      }
    }
    return out;
  }

  private static void addResult(JsonNode line, List<Result> out) {
    String id = line.path("custom_id").asText();
    JsonNode error = line.path("error");
    if (error.isObject() && UNANSWERED.contains(error.path("code").asText())) {
      return;
    }
    JsonNode response = line.path("response");
    int status = response.path("status_code").asInt(error.isObject() ? 500 : 200);
    JsonNode body = response.path("body");
    if (status == 200 && body.isObject()) {
      out.add(new Result(id, 200, body.toString(), null));
    } else {
      String message = error.isObject() ? error.path("code").asText("") + ": " + error.path("message").asText("")
          : "HTTP " + status + ": " + ProviderError.message(body.toString());
      out.add(new Result(id, status, null, message));
    }
  }
}
