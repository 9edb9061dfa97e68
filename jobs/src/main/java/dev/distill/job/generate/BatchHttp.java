package dev.distill.job.generate;

import dev.distill.job.error.ConfigException;
import dev.distill.job.error.GenerationStoppedException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
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
 * stop the stage, final ones (the endpoint has no batch API, the request is wrong) are a config error.
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

  String get(String url) throws IOException, InterruptedException {
    return send(builder(url).GET());
  }

  String postJson(String url, String json) throws IOException, InterruptedException {
    return send(builder(url).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)));
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
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
  }

  private HttpRequest.Builder builder(String url) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(timeout);
    headers.forEach(b::header);
    return b;
  }

  private String send(HttpRequest.Builder request) throws IOException, InterruptedException {
    HttpRequest built = request.build();
    for (int attempt = 1; ; attempt++) {
      String failure;
      Long asked = null;
      try {
        HttpResponse<String> response = HTTP.send(built, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() / 100 == 2) {
          return response.body();
        }
        ProviderError e = ProviderError.classify(response.statusCode(), response.body());
        String message = key.scrub(where + ": " + built.method() + " " + built.uri() + " answered HTTP " + response.statusCode() + ": " + e.message());
        if (e.kind() == ProviderError.Kind.FATAL) {
          throw new GenerationStoppedException("Cannot continue generating: " + message + "; fix the key, credit or quota and run the same "
              + "command again: batches already submitted are in the ledger and are attached to, not submitted again");
        }
        if (e.kind() == ProviderError.Kind.FINAL) {
          throw new ConfigException("Cannot use the batch API of " + message + "; check the role's base_url and batch_api "
              + "(openai: /v1/files + /v1/batches; anthropic: /v1/messages/batches), or set its mode: online");
        }
        failure = message;
        asked = RetryPolicy.askedMs(response.headers().map(), Instant.now());
      } catch (IOException e) {
        failure = key.scrub(where + ": " + built.method() + " " + built.uri() + " failed: " + e);
      }
      if (attempt > retry.maxRetries()) {
        throw new IOException(failure + " (gave up after " + attempt + " attempts; batches already submitted are in the ledger: "
            + "run the same command again to attach to them)");
      }
      Thread.sleep(retry.delayMs(attempt, asked));
    }
  }
}
