package dev.distill.job.generate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.io.Json;
import java.util.ArrayList;
import java.util.List;

/**
 * One chat-completions reply as the servers send it, whole or reassembled from a stream: every
 * choice's text and thinking, why it ended, and the usage (with the provider's own cost and the
 * reasoning tokens where it reports them).
 *
 * <p>What the servers put where: thinking in {@code reasoning_content} (DeepSeek, SGLang, llama-server,
 * vLLM before 0.11) or {@code reasoning} (vLLM 0.11+, Ollama, OpenRouter), or as {@code <think>} tags in
 * the content (read by {@link Replies#teacher}); content as a string, null (only thinking, or
 * cut at the limit) or an array of parts; the cost in {@code usage.cost} (OpenRouter) and the thinking
 * tokens in {@code usage.completion_tokens_details.reasoning_tokens} (OpenAI, OpenRouter, vLLM).
 */
public record ChatReply(List<Choice> choices, Long promptTokens, Long completionTokens, Long reasoningTokens, Double providerCostUsd) {

  /** One generated answer. */
  public record Choice(String content, String reasoning, String finishReason) {
    /** Cut at the token limit: {@code length}, or Gemini's MAX_TOKENS spelled as it is. */
    public boolean truncated() {
      return "length".equals(finishReason) || "max_tokens".equalsIgnoreCase(String.valueOf(finishReason));
    }
  }

  /** A body that is not a reply at all: not JSON, or no choices. Retried like a transient failure. */
  public static final class MalformedReplyException extends Exception {
    public MalformedReplyException(String message) {
      super(message);
    }
  }

  public String content() {
    return choices.get(0).content();
  }

  public String reasoning() {
    return choices.get(0).reasoning();
  }

  public String finishReason() {
    return choices.get(0).finishReason();
  }

  public static ChatReply parse(String body) throws MalformedReplyException {
    JsonNode root = parseJson(body);
    JsonNode choices = root.path("choices");
    if (!choices.isArray() || choices.isEmpty()) {
      throw new MalformedReplyException("reply has no choices");
    }
    List<Choice> out = new ArrayList<>();
    for (JsonNode choice : choices) {
      JsonNode message = choice.path("message");
      if (!message.isObject()) {
        throw new MalformedReplyException("reply has no choices[" + out.size() + "].message");
      }
      out.add(new Choice(text(message.get("content")), reasoning(message), string(choice.get("finish_reason"))));
    }
    return withUsage(ordered(choices, out), root.path("usage"));
  }

  static JsonNode parseJson(String body) throws MalformedReplyException {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw new MalformedReplyException("reply is not valid JSON (truncated?): " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new MalformedReplyException("reply is not a JSON object");
    }
    return root;
  }

  static ChatReply withUsage(List<Choice> choices, JsonNode usage) {
    JsonNode details = usage.path("completion_tokens_details");
    return new ChatReply(choices, longOrNull(usage.get("prompt_tokens")), longOrNull(usage.get("completion_tokens")),
        longOrNull(details.get("reasoning_tokens")), usage.hasNonNull("cost") && usage.get("cost").isNumber() ? usage.get("cost").asDouble() : null);
  }

  /** Choices in the order of their {@code index} (servers send them in order; the index is what counts). */
  private static List<Choice> ordered(JsonNode choices, List<Choice> parsed) {
    Choice[] byIndex = new Choice[parsed.size()];
    for (int i = 0; i < parsed.size(); i++) {
      int index = choices.get(i).path("index").asInt(i);
      if (index < 0 || index >= byIndex.length || byIndex[index] != null) {
        return parsed;
      }
      byIndex[index] = parsed.get(i);
    }
    return List.of(byIndex);
  }

  static String reasoning(JsonNode messageOrDelta) {
    String r = text(messageOrDelta.get("reasoning_content"));
    return r != null ? r : text(messageOrDelta.get("reasoning"));
  }

  /** A string, or the text parts of an array of content parts joined, or null. */
  static String text(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isTextual()) {
      return node.asText();
    }
    if (node.isArray()) {
      StringBuilder s = new StringBuilder();
      boolean any = false;
      for (JsonNode part : node) {
        if (part.isTextual()) {
          s.append(part.asText());
          any = true;
        } else if (part.path("text").isTextual() && (!part.has("type") || "text".equals(part.path("type").asText()))) {
          s.append(part.path("text").asText());
          any = true;
        }
      }
      return any ? s.toString() : null;
    }
    return null;
  }

  private static String string(JsonNode node) {
    return node == null || node.isNull() ? null : node.asText();
  }

  private static Long longOrNull(JsonNode node) {
    return node == null || node.isNull() || !node.canConvertToLong() ? null : node.asLong();
  }
}
