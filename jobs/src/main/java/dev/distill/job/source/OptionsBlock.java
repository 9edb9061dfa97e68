package dev.distill.job.source;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Formats multiple-choice options for appending to a question, one option a line.
 *
 * <p>A list of options is labelled by position: {@code (A) }, {@code (B) }, ... An option that
 * already starts with the marker of its own position is kept as it is, stripped: {@code (A)5},
 * {@code A. text}, {@code A．text}, {@code A、text}, {@code A) text}. A bare {@code A text} counts as
 * a marker only when every option of the list has one (logiqa-zh writes "A 没有党参"), so that an
 * unlabelled option such as "I and II only" in position I is still labelled. A single string of
 * options (MathQA: "a ) 12 , b ) 16 , ...") is appended as it is; an object maps label to option.
 */
public final class OptionsBlock {
  /** What may follow a label letter: A. A．A、A: A：A) A）. */
  private static final String SEPARATORS = ".\uff0e\u3001:\uff1a)\uff09";
  private static final String CLOSERS = ")\uff09";

  private OptionsBlock() {}

  /** The options block, or null when there are no options. */
  public static String format(JsonNode options, ValueText text) {
    if (options == null) {
      return null;
    }
    if (options.isArray()) {
      return list(options, text);
    }
    if (options.isObject()) {
      List<String> lines = new ArrayList<>();
      for (Map.Entry<String, JsonNode> field : options.properties()) {
        String value = text.of(field.getValue());
        lines.add("(" + field.getKey() + ") " + (value == null ? "" : value));
      }
      return lines.isEmpty() ? null : String.join("\n", lines);
    }
    return text.of(options);
  }

  private static String list(JsonNode options, ValueText text) {
    List<String> items = new ArrayList<>();
    for (JsonNode option : options) {
      String value = text.of(option);
      items.add(value == null ? "" : value);
    }
    if (items.isEmpty()) {
      return null;
    }
    boolean allMarked = true;
    for (int i = 0; i < items.size(); i++) {
      allMarked &= hasMarker(items.get(i), letter(i), true);
    }
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      String item = items.get(i);
      String letter = letter(i);
      lines.add(hasMarker(item, letter, allMarked) ? item : ("(" + letter + ") " + item).strip());
    }
    return String.join("\n", lines);
  }

  public static boolean hasMarker(String item, String letter, boolean acceptBare) {
    int i = 0;
    if (item.startsWith("(") || item.startsWith("\uff08")) {
      i = skipSpaces(item, 1);
      if (!item.startsWith(letter, i)) {
        return false;
      }
      i = skipSpaces(item, i + letter.length());
      return i < item.length() && CLOSERS.indexOf(item.charAt(i)) >= 0;
    }
    if (!item.startsWith(letter) || item.length() == letter.length()) {
      return false;
    }
    i = letter.length();
    char next = item.charAt(i);
    if (SEPARATORS.indexOf(next) >= 0) {
      return true;
    }
    if (!Character.isWhitespace(next)) {
      return false;
    }
    int after = skipSpaces(item, i);
    if (after < item.length() && after == i + 1 && SEPARATORS.indexOf(item.charAt(after)) >= 0) {
      return true;
    }
    return acceptBare && after < item.length();
  }

  private static int skipSpaces(String s, int from) {
    int i = from;
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    return i;
  }

  /** The label of a 0-based position: A..Z, then AA, AB, ... */
  public static String letter(int index) {
    StringBuilder out = new StringBuilder();
    int n = index;
    do {
      out.insert(0, (char) ('A' + n % 26));
      n = n / 26 - 1;
    } while (n >= 0);
    return out.toString();
  }
}
