package dev.distill.job.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Rebuilds a reply from a chat-completions SSE stream: {@code data:} events of
 * {@code chat.completion.chunk} objects whose choices carry content and reasoning deltas, a
 * finish_reason on each choice's last chunk, the usage on a final chunk with no choices (when the
 * request asked for {@code stream_options.include_usage}), then {@code data: [DONE]}. Comment
 * lines (OpenRouter's {@code : OPENROUTER PROCESSING} keep-alives) and {@code event:} lines are skipped.
 */
final class StreamAssembler {
  /** What one line of the stream meant. */
  enum Step { MORE, DONE, ERROR }

  private final TreeMap<Integer, Parts> choices = new TreeMap<>();
  private final StringBuilder data = new StringBuilder();
  private JsonNode usage;
  private JsonNode error;
  private int chunks;

  private static final class Parts {
    final StringBuilder content = new StringBuilder();
    final StringBuilder reasoning = new StringBuilder();
    boolean hasContent;
    boolean hasReasoning;
    String finishReason;
  }

  /** Feeds one line of the stream (without its line break). */
  Step accept(String line) throws ChatReply.MalformedReplyException {
    if (line.isEmpty()) {
      return flush();
    }
    if (line.startsWith(":") || line.startsWith("event:") || line.startsWith("id:") || line.startsWith("retry:")) {
      return Step.MORE;
    }
    if (line.startsWith("data:")) {
      String payload = line.substring(5);
      if (payload.startsWith(" ")) {
        payload = payload.substring(1);
      }
      if (payload.equals("[DONE]")) {
        data.setLength(0);
        return Step.DONE;
      }
      if (data.length() > 0) {
        data.append('\n');
      }
      data.append(payload);
      // Most servers send one JSON object per data line: take it at once rather than wait for the blank line.
      if (payload.startsWith("{") && payload.endsWith("}")) {
        return flush();
      }
    }
    return Step.MORE;
  }

  /** Call at the end of the stream: a last event not followed by a blank line. */
  Step finish() throws ChatReply.MalformedReplyException {
    return flush();
  }

  private Step flush() throws ChatReply.MalformedReplyException {
    if (data.length() == 0) {
      return Step.MORE;
    }
    JsonNode chunk = takeEvent();
    if (chunk == null) {
      return Step.MORE;
    }
    chunks++;
    if (ProviderError.isErrorBody(chunk)) {
      error = chunk;
      return Step.ERROR;
    }
    for (JsonNode choice : chunk.path("choices")) {
      if (acceptChoice(choice, chunk) == Step.ERROR) {
        return Step.ERROR;
      }
    }
    if (chunk.hasNonNull("usage") && chunk.get("usage").isObject()) {
      usage = chunk.get("usage");
    }
    return Step.MORE;
  }

  /** The pending event as JSON, or null (and kept pending) when it does not parse yet. */
  private JsonNode takeEvent() {
    String event = data.toString();
    data.setLength(0);
    try {
      return ChatReply.parseJson(event);
    } catch (ChatReply.MalformedReplyException e) {
      // An event cut in two by a line break is completed by the next data line.
      data.append(event);
      return null;
    }
  }

  /** Adds one choice's delta; ERROR when it finished with {@code finish_reason: error}. */
  private Step acceptChoice(JsonNode choice, JsonNode chunk) {
    Parts p = choices.computeIfAbsent(choice.path("index").asInt(0), i -> new Parts());
    JsonNode delta = choice.has("delta") ? choice.path("delta") : choice.path("message");
    String content = ChatReply.text(delta.get("content"));
    if (content != null) {
      p.content.append(content);
      p.hasContent = true;
    }
    String reasoning = ChatReply.reasoning(delta);
    if (reasoning != null) {
      p.reasoning.append(reasoning);
      p.hasReasoning = true;
    }
    if (choice.hasNonNull("finish_reason")) {
      p.finishReason = choice.get("finish_reason").asText();
      if ("error".equals(p.finishReason)) {
        error = choice.has("error") ? choice : chunk;
        return Step.ERROR;
      }
    }
    return Step.MORE;
  }

  int chunks() {
    return chunks;
  }

  /** The error event (an {@code error} object inside the stream), as JSON text. */
  String error() {
    if (error == null) {
      return null;
    }
    return error.has("error") ? "{\"error\":" + error.get("error") + "}" : error.toString();
  }

  /** Whether every choice that started has said why it ended. */
  boolean finished() {
    return !choices.isEmpty() && choices.values().stream().allMatch(p -> p.finishReason != null);
  }

  ChatReply reply() throws ChatReply.MalformedReplyException {
    if (choices.isEmpty()) {
      throw new ChatReply.MalformedReplyException("the stream carried no choices");
    }
    List<ChatReply.Choice> out = new ArrayList<>();
    for (Parts p : choices.values()) {
      out.add(new ChatReply.Choice(p.hasContent ? p.content.toString() : null, p.hasReasoning ? p.reasoning.toString() : null, p.finishReason));
    }
    return ChatReply.withUsage(out, usage == null ? MissingNode.getInstance() : usage);
  }
}
