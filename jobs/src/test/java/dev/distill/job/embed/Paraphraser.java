package dev.distill.job.embed;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Plants paraphrases of eval items for tests and figures: the sentences rotated (the question
 * first) or, for one sentence, its two clauses swapped, and words replaced by synonyms often
 * enough that few 8-word runs survive; numbers and LaTeX are left as they are.
 */
public final class Paraphraser {
  private static final Map<String, String> SYNONYMS = new LinkedHashMap<>();

  static {
    String[][] pairs = {
        {"find", "determine"}, {"compute", "calculate"}, {"calculate", "work out"}, {"determine", "figure out"},
        {"what", "which"}, {"the", "this"}, {"is", "equals"}, {"are", "happen to be"}, {"number", "count"},
        {"value", "amount"}, {"positive", "strictly positive"}, {"integer", "whole number"}, {"integers", "whole numbers"},
        {"real", "real-valued"}, {"let", "suppose"}, {"how", "in what way"}, {"many", "numerous"}, {"each", "every"},
        {"such", "so"}, {"that", "which"}, {"smallest", "least"}, {"largest", "greatest"}, {"sum", "total"},
        {"express", "write"}, {"answer", "result"}, {"has", "possesses"}, {"have", "possess"}, {"of", "from"},
        {"in", "within"}, {"if", "when"}, {"and", "as well as"}, {"a", "some"}, {"there", "here"}, {"points", "dots"},
        {"triangle", "trilateral"}, {"circle", "round figure"}, {"area", "surface"}, {"probability", "chance"},
        {"form", "shape"}, {"simplest", "most reduced"}, {"fraction", "ratio"}, {"equal", "identical"},
    };
    for (String[] p : pairs) {
      SYNONYMS.put(p[0], p[1]);
    }
  }

  private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.?!])\\s+(?=[A-Z])");
  private static final Pattern WORD = Pattern.compile("[A-Za-z]+");

  /** A paraphrase of {@code text}: other word order, other words, the same numbers and formulas. */
  public static String paraphrase(String text) {
    return replaceWords(reorder(text.strip()));
  }

  static String reorder(String text) {
    List<String> sentences = new ArrayList<>(Arrays.asList(SENTENCE_END.split(text)));
    if (sentences.size() > 1) {
      String last = sentences.remove(sentences.size() - 1);
      sentences.add(0, last);
      return String.join(" ", sentences);
    }
    int comma = text.indexOf(", ");
    if (comma > 10 && comma < text.length() - 12) {
      String head = text.substring(0, comma);
      String tail = text.substring(comma + 2);
      return capitalized(tail.replaceAll("[.?!]$", "")) + ", " + Character.toLowerCase(head.charAt(0)) + head.substring(1)
          + (text.endsWith("?") ? "?" : ".");
    }
    return "Problem: " + text;
  }

  static String replaceWords(String text) {
    StringBuilder out = new StringBuilder();
    var m = WORD.matcher(text);
    int last = 0;
    boolean inMath = false;
    while (m.find()) {
      String between = text.substring(last, m.start());
      inMath ^= (between.chars().filter(c -> c == '$').count() % 2) == 1;
      out.append(between);
      String w = m.group();
      String replacement = inMath || (m.start() > 0 && text.charAt(m.start() - 1) == '\\') ? null : SYNONYMS.get(w.toLowerCase());
      out.append(replacement == null ? w : Character.isUpperCase(w.charAt(0)) ? capitalized(replacement) : replacement);
      last = m.end();
    }
    return out.append(text.substring(last)).toString();
  }

  private static String capitalized(String s) {
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  private Paraphraser() {}
}
