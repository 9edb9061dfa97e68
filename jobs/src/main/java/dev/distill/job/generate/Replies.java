package dev.distill.job.generate;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What each role's reply means: the teacher's trace and attempt, the judge's verdict, the classifier's code. */
public final class Replies {
  private static final Pattern THINK = Pattern.compile("(?s)^\\s*(?:<think>)?(.*?)</think>(.*)$");
  /** Gemini's OpenAI endpoint with include_thoughts wraps the thought summary so (observed, not documented). */
  private static final Pattern THOUGHT = Pattern.compile("(?s)^\\s*<thought>(.*?)</thought>(.*)$");
  private static final Pattern CODE = Pattern.compile("\\b(\\d{2})\\b");

  /** A teacher reply split into thinking and final attempt; trace is null when the reply has no thinking. */
  public record TeacherOutput(String trace, String attempt) {}

  /**
   * Thinking from the reasoning field when the server fills it (vLLM and SGLang reasoning parsers,
   * DeepSeek, OpenRouter), else from {@code <think>...</think>} in the content (also when the
   * server already stripped the opening tag), or from Gemini's {@code <thought>...</thought>}.
   */
  public static TeacherOutput teacher(String content, String reasoning) {
    if (reasoning != null && !reasoning.isBlank()) {
      return new TeacherOutput(reasoning.strip(), content == null ? null : content.strip());
    }
    if (content != null && content.contains("</think>")) {
      Matcher m = THINK.matcher(content);
      if (m.matches()) {
        return new TeacherOutput(m.group(1).strip(), m.group(2).strip());
      }
    }
    if (content != null && content.contains("</thought>")) {
      Matcher m = THOUGHT.matcher(content);
      if (m.matches()) {
        return new TeacherOutput(m.group(1).strip(), m.group(2).strip());
      }
    }
    return new TeacherOutput(null, content == null ? null : content.strip());
  }

  /** The judge's verdict from its last non-empty line: true (yes/correct), false (no/incorrect), null (unreadable). */
  public static Boolean verdict(String reply) {
    String last = lastLine(reply);
    if (last == null) {
      return null;
    }
    String v = last.toLowerCase(Locale.ROOT).replaceAll("[^a-z ]", " ").strip();
    v = v.replaceFirst("^(final )?(verdict|answer|grade)\\s*", "").strip();
    if (v.startsWith("yes") || v.startsWith("correct") || v.equals("true")) {
      return true;
    }
    if (v.startsWith("no") || v.startsWith("incorrect") || v.startsWith("not correct") || v.equals("false")) {
      return false;
    }
    return null;
  }

  /** The two-digit code on the classifier's last non-empty line (its last one), or null. */
  public static String mscCode(String reply) {
    String last = lastLine(reply);
    if (last == null) {
      return null;
    }
    Matcher m = CODE.matcher(last);
    String code = null;
    while (m.find()) {
      code = m.group(1);
    }
    return code;
  }

  static String lastLine(String text) {
    if (text == null) {
      return null;
    }
    String[] lines = text.strip().split("\\R");
    for (int i = lines.length - 1; i >= 0; i--) {
      if (!lines[i].isBlank()) {
        return lines[i].strip();
      }
    }
    return null;
  }

  private Replies() {}
}
