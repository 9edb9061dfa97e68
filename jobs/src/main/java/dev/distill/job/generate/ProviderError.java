package dev.distill.job.generate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.io.Json;
import java.io.IOException;
import java.util.Locale;

/**
 * What an error reply means for the call: try again later ({@link Kind#TRANSIENT}), never send this
 * request again ({@link Kind#FINAL}: the request itself is wrong), or stop the stage when it keeps
 * happening ({@link Kind#FATAL}: the key, the account or its quota is wrong, and no other request
 * will fare better).
 */
record ProviderError(Kind kind, int status, String message) {

  enum Kind { TRANSIENT, FINAL, FATAL }

  /**
   * Classifies an HTTP error (or an error object a server sent inside a 200, as OpenRouter does,
   * with {@code status} 200 and the object's own code).
   */
  static ProviderError classify(int status, String body) {
    String message = message(body);
    String text = (message + " " + (body == null ? "" : body)).toLowerCase(Locale.ROOT);
    int code = status == 200 ? embeddedCode(body) : status;
    if (code == 401 || code == 402 || text.contains("api_key_invalid") || text.contains("api key not valid")
        || text.contains("invalid api key") && code < 500 || text.contains("credit balance is too low")) {
      return new ProviderError(Kind.FATAL, code, message);
    }
    if (code == 429 && permanentQuota(text)) {
      return new ProviderError(Kind.FATAL, code, message);
    }
    if (code == 403) {
      // Once is a refusal of this request (OpenRouter's moderation); in a row, the key or region (counted by the caller).
      return new ProviderError(Kind.FATAL, code, message);
    }
    if (contextOverflow(text) || text.contains("only one completion choice")) {
      // llama-server answers an over-long prompt, and n > 1, with a 500 (older builds) or a 400; either way the request is wrong.
      return new ProviderError(Kind.FINAL, code, message);
    }
    if (code == 400 || code == 404 || code == 413 || code == 422) {
      return new ProviderError(Kind.FINAL, code, message);
    }
    return new ProviderError(Kind.TRANSIENT, code, message);
  }

  /** Whether a 200 body is an error object and not a reply (OpenRouter sends upstream failures so). */
  static boolean isErrorBody(JsonNode root) {
    return root.has("error") && !root.path("error").isNull() && !root.path("choices").isArray();
  }

  /** A quota that waiting a minute will not refill: OpenAI's insufficient_quota, billing limits, daily quotas. */
  static boolean permanentQuota(String lowerText) {
    return lowerText.contains("insufficient_quota") || lowerText.contains("exceeded your current quota")
        || lowerText.contains("billing") || lowerText.contains("per day") || lowerText.contains("perday")
        || lowerText.contains("daily") || lowerText.contains("insufficient balance") || lowerText.contains("credit");
  }

  static boolean contextOverflow(String lowerText) {
    return lowerText.contains("context_length_exceeded") || lowerText.contains("maximum context length")
        || lowerText.contains("exceeds the available context size") || lowerText.contains("exceed_context_size")
        || lowerText.contains("context window") && lowerText.contains("exceed") || lowerText.contains("prompt is too long");
  }

  /** The provider's own message: error.message, or message, or the body's first 300 characters. */
  static String message(String body) {
    if (body == null || body.isBlank()) {
      return "";
    }
    try {
      JsonNode root = Json.MAPPER.readTree(body);
      JsonNode error = root.path("error");
      if (error.isObject() && error.path("message").isTextual()) {
        String raw = error.path("metadata").path("raw").isTextual() ? " (" + error.path("metadata").path("raw").asText() + ")" : "";
        return snippet(error.path("message").asText() + raw);
      }
      if (error.isTextual()) {
        return snippet(error.asText());
      }
      if (root.path("message").isTextual()) {
        return snippet(root.path("message").asText());
      }
      if (root.isArray() && root.size() > 0 && root.get(0).path("error").path("message").isTextual()) {
        return snippet(root.get(0).path("error").path("message").asText());
      }
    } catch (IOException | RuntimeException e) {
      // not JSON: the text itself
    }
    return snippet(body);
  }

  private static int embeddedCode(String body) {
    try {
      JsonNode code = Json.MAPPER.readTree(body).path("error").path("code");
      return code.canConvertToInt() ? code.asInt() : 502;
    } catch (IOException | RuntimeException e) {
      return 502;
    }
  }

  static String snippet(String text) {
    String flat = text.replaceAll("\\s+", " ").strip();
    return flat.length() > 300 ? flat.substring(0, 300) + "..." : flat;
  }
}
