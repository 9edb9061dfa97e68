package dev.distill.job.generate;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/**
 * Calls a chat-completions endpoint with the JDK's HTTP client, retrying transient failures
 * (429 with Retry-After, 408, 5xx, timeouts, broken connections, truncated or incomplete JSON).
 * Never throws for a failed call: the outcome says what happened, so failures become ledger data.
 */
public final class ChatClient {
  /** One client per JVM (executor): it pools connections across tasks. */
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(30))
      .build();

  private final RetryPolicy retry;
  private final Duration timeout;

  public ChatClient(RetryPolicy retry, Duration timeout) {
    this.retry = retry;
    this.timeout = timeout;
  }

  /** What one logical call came to, after retries. */
  public record Outcome(ChatReply reply, int httpStatus, int attempts, long latencyMs, String error) {
    public boolean ok() {
      return reply != null;
    }
  }

  public Outcome call(String baseUrl, String body, ApiKey key) throws InterruptedException {
    long start = System.nanoTime();
    String error = null;
    int status = 0;
    for (int attempt = 1; ; attempt++) {
      String retryAfter = null;
      try {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(endpoint(baseUrl)))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (key.present()) {
          request.header("Authorization", key.bearer());
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        status = response.statusCode();
        if (status == 200) {
          try {
            return new Outcome(ChatReply.parse(response.body()), status, attempt, elapsedMs(start), null);
          } catch (ChatReply.MalformedReplyException e) {
            error = e.getMessage();
          }
        } else {
          error = "HTTP " + status + ": " + key.scrub(snippet(response.body()));
          retryAfter = response.headers().firstValue("Retry-After").orElse(null);
          if (!RetryPolicy.retryable(status)) {
            return new Outcome(null, status, attempt, elapsedMs(start), error);
          }
        }
      } catch (HttpTimeoutException e) {
        status = 0;
        error = "timed out after " + timeout.toSeconds() + "s";
      } catch (IOException e) {
        status = 0;
        error = "connection failed: " + key.scrub(String.valueOf(e.getMessage()));
      }
      if (attempt > retry.maxRetries()) {
        return new Outcome(null, status, attempt, elapsedMs(start), error + " (gave up after " + attempt + " attempts)");
      }
      Thread.sleep(retry.delayMs(attempt, retryAfter, Instant.now()));
    }
  }

  static String endpoint(String baseUrl) {
    String root = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    return root.endsWith("/chat/completions") ? root : root + "/chat/completions";
  }

  private static String snippet(String body) {
    if (body == null) {
      return "";
    }
    String flat = body.replaceAll("\\s+", " ").strip();
    return flat.length() > 300 ? flat.substring(0, 300) + "..." : flat;
  }

  private static long elapsedMs(long start) {
    return (System.nanoTime() - start) / 1_000_000;
  }
}
