package dev.distill.job.generate;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When to try a call again and how long to wait: exponential backoff with jitter, or what the
 * server asked for: {@code retry-after-ms} (OpenAI, Azure), {@code Retry-After} (seconds or an HTTP
 * date), {@code x-ratelimit-reset-requests}/{@code -tokens} (OpenAI, Groq: durations such as
 * {@code 6m0s}), {@code anthropic-ratelimit-*-reset} (RFC 3339 times).
 */
public record RetryPolicy(int maxRetries, long initialMs, long maxMs) implements Serializable {
  /** The longest wait a server may ask for; a server asking for more gets this. */
  static final long MAX_RETRY_AFTER_MS = Duration.ofMinutes(10).toMillis();
  private static final Pattern RETRY_DELAY = Pattern.compile("\"retryDelay\"\\s*:\\s*\"([0-9.]+s)\"");
  private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|h|m|s)");

  /** Statuses worth another try: rate limited, request timeout, conflict, and server-side failures. */
  public static boolean retryable(int status) {
    return status == 429 || status == 408 || status == 409 || status >= 500;
  }

  /**
   * Milliseconds to wait before retry number {@code retry} (1-based): what the server asked for
   * when it did, else initialMs x 2^(retry-1) capped at maxMs, of which the upper half is random.
   */
  public long delayMs(int retry, Long askedMs) {
    if (askedMs != null) {
      return Math.min(askedMs, MAX_RETRY_AFTER_MS);
    }
    long base = Math.min(maxMs, initialMs << Math.min(30, Math.max(0, retry - 1)));
    long half = base / 2;
    return half + (half > 0 ? ThreadLocalRandom.current().nextLong(half + 1) : 0);
  }

  /** The wait the response headers ask for (lower-case names), or null when they ask for none. */
  static Long askedMs(Map<String, List<String>> headers, Instant now) {
    String ms = first(headers, "retry-after-ms");
    if (ms != null) {
      try {
        return Math.max(0, Math.round(Double.parseDouble(ms.trim())));
      } catch (NumberFormatException e) {
        // fall through to the other headers
      }
    }
    Long retryAfter = retryAfterMs(first(headers, "retry-after"), now);
    if (retryAfter != null) {
      return retryAfter;
    }
    Long reset = null;
    for (Map.Entry<String, List<String>> h : headers.entrySet()) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (h.getValue().isEmpty() || !(name.startsWith("x-ratelimit-reset") || name.startsWith("anthropic-ratelimit") && name.endsWith("-reset"))) {
        continue;
      }
      Long v = name.startsWith("anthropic") ? untilMs(h.getValue().get(0), now) : durationMs(h.getValue().get(0));
      if (v != null && (reset == null || v > reset)) {
        reset = v;
      }
    }
    return reset;
  }

  /** Google's RetryInfo in an error body ({@code "retryDelay": "13s"}): Gemini says how long to wait there, not in a header. */
  static Long retryDelayInBody(String body) {
    if (body == null) {
      return null;
    }
    Matcher m = RETRY_DELAY.matcher(body);
    return m.find() ? durationMs(m.group(1)) : null;
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

  /** A Go-style duration as OpenAI sends it ({@code 1s}, {@code 6m0s}, {@code 20ms}, {@code 1h2m3.5s}), or plain seconds. */
  static Long durationMs(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String v = value.trim();
    try {
      return Math.max(0, Math.round(Double.parseDouble(v) * 1000));
    } catch (NumberFormatException e) {
      // a duration with units
    }
    Matcher m = DURATION_PART.matcher(v);
    double ms = 0;
    int end = 0;
    while (m.find()) {
      if (m.start() != end) {
        return null;
      }
      double n = Double.parseDouble(m.group(1));
      ms += switch (m.group(2)) {
        case "h" -> n * 3_600_000;
        case "m" -> n * 60_000;
        case "s" -> n * 1000;
        default -> n;
      };
      end = m.end();
    }
    return end == v.length() && end > 0 ? Math.round(ms) : null;
  }

  private static Long untilMs(String rfc3339, Instant now) {
    try {
      return Math.max(0, Duration.between(now, OffsetDateTime.parse(rfc3339.trim()).toInstant()).toMillis());
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static String first(Map<String, List<String>> headers, String name) {
    for (Map.Entry<String, List<String>> h : headers.entrySet()) {
      if (h.getKey().equalsIgnoreCase(name) && !h.getValue().isEmpty()) {
        return h.getValue().get(0);
      }
    }
    return null;
  }
}
