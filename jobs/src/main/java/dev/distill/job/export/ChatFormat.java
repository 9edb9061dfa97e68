package dev.distill.job.export;

import java.util.List;

/** The s1 training text: Qwen2.5 chat template with think/answer sections (S1.md, "Training stage"). */
public final class ChatFormat {
  public static final String DEFAULT_SYSTEM = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";
  public static final String SYSTEM = "<|im_start|>system\n";
  public static final String USER = "<|im_start|>user\n";
  public static final String ASSISTANT = "<|im_start|>assistant\n";
  public static final String THINK = "<|im_start|>think\n";
  public static final String ANSWER = "<|im_start|>answer\n";
  public static final String END = "<|im_end|>";
  /** Markers every training text holds, in this order (a truncated text: up to {@link #THINK}). */
  public static final List<String> MARKERS = List.of(SYSTEM, USER, ASSISTANT, THINK, ANSWER);

  public static String text(String system, String question, String trace, String attempt) {
    String answer = attempt == null ? "" : attempt;
    if (!answer.contains("Answer:")) {
      answer = "Answer: " + answer;
    }
    return SYSTEM + system + END + "\n"
        + USER + question + END + "\n"
        + ASSISTANT
        + THINK + (trace == null ? "" : trace) + "\n"
        + ANSWER + answer + END;
  }

  /**
   * The first marker {@code text} lacks, or null when it is a well-formed s1 training text: every
   * marker in order and the closing {@code <|im_end|>}; a truncated text needs the markers up to think.
   */
  public static String missingMarker(String text, boolean truncated) {
    if (text == null) {
      return SYSTEM;
    }
    int from = 0;
    for (String marker : truncated ? MARKERS.subList(0, 4) : MARKERS) {
      int at = text.indexOf(marker, from);
      if (at < 0 || (marker.equals(SYSTEM) && at != 0)) {
        return marker;
      }
      from = at + marker.length();
    }
    return truncated || text.endsWith(END) ? null : END;
  }

  /** A marker as the messages write it: its name, e.g. {@code think} for {@code <|im_start|>think\n}. */
  public static String markerName(String marker) {
    return marker.replace("<|im_start|>", "").replace("<|", "").replace("|>", "").trim();
  }

  private ChatFormat() {}
}
