package dev.distill.job.generate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.run.Json;

/**
 * One chat-completions reply as the servers send it: the message text, the thinking (from
 * {@code reasoning_content}, {@code reasoning}, whichever the server fills) and the usage.
 */
public record ChatReply(String content, String reasoning, String finishReason, Long promptTokens, Long completionTokens) {

  /** A body that is not a usable reply: truncated JSON, no choices, no message. Retried like a transient failure. */
  public static final class MalformedReplyException extends Exception {
    public MalformedReplyException(String message) {
      super(message);
    }
  }

  public static ChatReply parse(String body) throws MalformedReplyException {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw new MalformedReplyException("reply is not valid JSON (truncated?): " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new MalformedReplyException("reply is not a JSON object");
    }
    JsonNode choices = root.path("choices");
    if (!choices.isArray() || choices.isEmpty()) {
      throw new MalformedReplyException("reply has no choices");
    }
    JsonNode message = choices.get(0).path("message");
    if (!message.isObject()) {
      throw new MalformedReplyException("reply has no choices[0].message");
    }
    String content = text(message.get("content"));
    String reasoning = text(message.get("reasoning_content"));
    if (reasoning == null) {
      reasoning = text(message.get("reasoning"));
    }
    if (content == null && reasoning == null) {
      throw new MalformedReplyException("reply message has neither content nor reasoning");
    }
    JsonNode usage = root.path("usage");
    return new ChatReply(content, reasoning, text(choices.get(0).get("finish_reason")),
        usage.hasNonNull("prompt_tokens") ? usage.get("prompt_tokens").asLong() : null,
        usage.hasNonNull("completion_tokens") ? usage.get("completion_tokens").asLong() : null);
  }

  private static String text(JsonNode node) {
    return node == null || node.isNull() || !node.isTextual() ? null : node.asText();
  }
}
