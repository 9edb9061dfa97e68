package dev.distill.job.generate;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.ThreadLocalRandom;

/** When to try a call again and how long to wait: exponential backoff with jitter, Retry-After honoured. */
public record RetryPolicy(int maxRetries, long initialMs, long maxMs) implements Serializable {
  /** The longest Retry-After we wait for; a server asking for more gets this. */
  static final long MAX_RETRY_AFTER_MS = Duration.ofMinutes(10).toMillis();

  /** Statuses worth another try: rate limited, request timeout, conflict, and server-side failures. */
  public static boolean retryable(int status) {
    return status == 429 || status == 408 || status == 409 || status >= 500;
  }

  /**
   * Milliseconds to wait before retry number {@code retry} (1-based): the server's Retry-After
   * when it sent one, else initialMs x 2^(retry-1) capped at maxMs, of which the upper half is random.
   */
  public long delayMs(int retry, String retryAfter, Instant now) {
    Long asked = retryAfterMs(retryAfter, now);
    if (asked != null) {
      return Math.min(asked, MAX_RETRY_AFTER_MS);
    }
    long base = Math.min(maxMs, initialMs << Math.min(30, Math.max(0, retry - 1)));
    long half = base / 2;
    return half + (half > 0 ? ThreadLocalRandom.current().nextLong(half + 1) : 0);
  }

  /** Retry-After as delay-seconds or an HTTP date; null when absent or unreadable. */
  static Long retryAfterMs(String header, Instant now) {
    if (header == null || header.isBlank()) {
      return null;
    }
    String h = header.trim();
    try {
      return Math.max(0, Math.round(Double.parseDouble(h) * 1000));
    } catch (NumberFormatException e) {
      try {
        return Math.max(0, Duration.between(now, ZonedDateTime.parse(h, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant()).toMillis());
      } catch (DateTimeParseException e2) {
        return null;
      }
    }
  }
}
