package dev.distill.job.generate;

import dev.distill.job.error.ConfigException;
import dev.distill.job.error.GenerationStoppedException;
import dev.distill.job.io.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * The HTTP calls of a batch API, on the driver: JSON in and out, a multipart file upload, and the
 * same classification of errors as online calls: transient ones (429, 5xx, a broken connection)
 * retried with backoff and then an I/O failure (exit 4, retry later), fatal ones (key, credit)
 * stop the stage, final ones (the endpoint has no batch API, the request is wrong) are a config
 * error; a 404 on a GET is {@link NotFoundException} (the caller knows whether the thing should
 * exist). The request that creates a batch ({@link #create}) is retried only when it cannot have
 * created one (no connection, 429, 503, 529): after a timeout or a 500 the provider may have
 * created and will bill the batch, so it is an I/O failure that says so.
 */
final class BatchHttp {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(30)).build();

  private final Map<String, String> headers;
  private final RetryPolicy retry;
  private final Duration timeout;
  private final ApiKey key;
  /** Names the role and endpoint in errors, e.g. "generate.teacher (batch_api openai at https://api.openai.com/v1)". */
  private final String where;

  BatchHttp(Map<String, String> headers, RetryPolicy retry, Duration timeout, ApiKey key, String where) {
    this.headers = headers;
    this.retry = retry;
    this.timeout = timeout;
    this.key = key;
    this.where = where;
  }

  /** A GET answered 404: the batch or file is unknown to the provider (or to this key). */
  static final class NotFoundException extends IOException {
    NotFoundException(String message) {
      super(message);
    }
  }

  /** A create request that failed after it may have reached the provider: the batch may exist. */
  static final class MayExistException extends IOException {
    MayExistException(String failure, Throwable cause) {
      super(failure + "; not sent again: the provider may have created the batch, and a second one would be billed twice", cause);
    }
  }

  String get(String url) throws IOException, InterruptedException {
    return send(builder(url).GET(), true).body();
  }

  /**
   * POSTs the JSON that creates a batch and returns the batch id: sent again only where the first
   * cannot have reached the provider; an answer without an id may still have created one.
   */
  String create(String url, String json) throws IOException, InterruptedException {
    return create(url, json, "id");
  }

  /** {@link #create(String, String)} for a provider that answers with the id under {@code idField} (gemini: the operation's name). */
  String create(String url, String json, String idField) throws IOException, InterruptedException {
    String body = send(builder(url).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)), false).body();
    String id;
    try {
      id = Json.MAPPER.readTree(body).path(idField).asText("");
    } catch (IOException e) {
      id = "";
    }
    if (id.isBlank()) {
      throw new MayExistException(key.scrub(where + ": POST " + url + " answered without a batch id: " + ProviderError.snippet(body)), null);
    }
    return id;
  }

  /** A multipart/form-data upload: {@code fields} as text parts, then the file. */
  String postFile(String url, Map<String, String> fields, String fileName, byte[] content) throws IOException, InterruptedException {
    String boundary = "distill-" + UUID.randomUUID();
    ByteArrayOutputStream body = new ByteArrayOutputStream(content.length + 512);
    for (Map.Entry<String, String> f : fields.entrySet()) {
      body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + f.getKey() + "\"\r\n\r\n" + f.getValue() + "\r\n")
          .getBytes(StandardCharsets.UTF_8));
    }
    body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + fileName
        + "\"\r\nContent-Type: application/jsonl\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    body.writeBytes(content);
    body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return send(builder(url).header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())), true).body();
  }

  /**
   * Google's resumable upload (ai.google.dev/gemini-api/docs/batch-mode, "Input file"): a start
   * request with the file's metadata that answers with the upload URL in {@code x-goog-upload-url},
   * then the bytes in one "upload, finalize" request; returns the last answer (the file). Either may
   * be sent again: an unfinished or unused upload creates no batch and costs nothing.
   */
  String uploadResumable(String url, String metadataJson, byte[] content, String contentType) throws IOException, InterruptedException {
    HttpResponse<String> started = send(builder(url).header("X-Goog-Upload-Protocol", "resumable").header("X-Goog-Upload-Command", "start")
        .header("X-Goog-Upload-Header-Content-Length", String.valueOf(content.length)).header("X-Goog-Upload-Header-Content-Type", contentType)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(metadataJson, StandardCharsets.UTF_8)), true);
    String uploadUrl = started.headers().firstValue("x-goog-upload-url").orElse(null);
    if (uploadUrl == null || uploadUrl.isBlank()) {
      throw new IOException(key.scrub(where + ": POST " + url + " (start of a resumable upload) answered without an x-goog-upload-url header: "
          + ProviderError.snippet(started.body())));
    }
    return send(builder(uploadUrl).header("X-Goog-Upload-Command", "upload, finalize").header("X-Goog-Upload-Offset", "0")
        .POST(HttpRequest.BodyPublishers.ofByteArray(content)), true).body();
  }

  private HttpRequest.Builder builder(String url) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(timeout);
    headers.forEach(b::header);
    return b;
  }

  /** {@code retriable}: whether sending it twice is harmless; when not, only a failure that cannot have reached the provider is retried. */
  private HttpResponse<String> send(HttpRequest.Builder request, boolean retriable) throws IOException, InterruptedException {
    HttpRequest built = request.build();
    String call = where + ": " + built.method() + " " + built.uri();
    for (int attempt = 1; ; attempt++) {
      HttpResponse<String> response;
      try {
        response = HTTP.send(built, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      } catch (ConnectException | HttpConnectTimeoutException e) {
        retryOrGiveUp(attempt, key.scrub(call + " failed: " + e), null);
        continue;
      } catch (IOException e) {
        String failure = key.scrub(call + " failed: " + e);
        if (!retriable) {
          throw new MayExistException(failure, e);
        }
        retryOrGiveUp(attempt, failure, null);
        continue;
      }
      int status = response.statusCode();
      if (status / 100 == 2) {
        return response;
      }
      ProviderError e = ProviderError.classify(status, response.body());
      String message = key.scrub(call + " answered HTTP " + status + ": " + e.message());
      if (status == 404 && "GET".equals(built.method())) {
        throw new NotFoundException(message);
      }
      if (e.kind() == ProviderError.Kind.FATAL) {
        throw new GenerationStoppedException("Cannot continue generating: " + message + "; fix the key, credit or quota and run the same "
            + "command again: batches already submitted are in the ledger and are attached to, not submitted again");
      }
      if (e.kind() == ProviderError.Kind.FINAL) {
        throw new ConfigException("Cannot use the batch API of " + message + "; check the role's base_url and batch_api "
            + "(openai: /v1/files + /v1/batches; anthropic: /v1/messages/batches; gemini: /v1beta/models/{model}:batchGenerateContent), "
            + "or set its mode: online");
      }
      if (!retriable && status != 429 && status != 503 && status != 529) {
        throw new MayExistException(message, null);
      }
      retryOrGiveUp(attempt, message, RetryPolicy.askedMs(response.headers().map(), Instant.now()));
    }
  }

  private void retryOrGiveUp(int attempt, String failure, Long askedMs) throws IOException, InterruptedException {
    if (attempt > retry.maxRetries()) {
      throw new IOException(failure + " (gave up after " + attempt + " attempts; batches already submitted are in the ledger: "
          + "run the same command again to attach to them)");
    }
    Thread.sleep(retry.delayMs(attempt, askedMs));
  }
}
