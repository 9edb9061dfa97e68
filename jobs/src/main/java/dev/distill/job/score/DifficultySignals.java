package dev.distill.job.score;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Combines whatever difficulty evidence a row has into one number in [0, 1] and says which
 * evidence was used: student failure rate (grades or pass counts), the source's level (MATH
 * "Level 1".."Level 5", AIME problem number 1..15), and, as a weak fallback, length.
 */
public final class DifficultySignals {
  private static final Pattern MATH_LEVEL = Pattern.compile("(?i)level\\s*([1-5])");
  private static final Pattern NUMBER = Pattern.compile("\\d+(?:\\.\\d+)?");

  public record Difficulty(double value, String basis) {}

  public static Difficulty of(Integer studentsCorrect, Integer studentsTotal, String level, String source, Integer lengthTokens) {
    List<String> basis = new ArrayList<>();
    double sum = 0;
    int n = 0;
    if (studentsTotal != null && studentsTotal > 0 && studentsCorrect != null) {
      sum += 1.0 - (double) studentsCorrect / studentsTotal;
      n++;
      basis.add("students " + studentsCorrect + "/" + studentsTotal + " correct");
    }
    Double lv = level(level, source);
    if (lv != null) {
      sum += lv;
      n++;
      basis.add("level " + level.strip());
    }
    if (n == 0 && lengthTokens != null) {
      // Longer worked answers go with harder problems; only used when nothing better exists.
      double v = Math.min(1.0, Math.log1p(lengthTokens) / Math.log1p(8000));
      basis.add("length " + lengthTokens + " tokens");
      return new Difficulty(round(v), String.join("; ", basis));
    }
    return n == 0 ? new Difficulty(0.5, "unknown") : new Difficulty(round(sum / n), String.join("; ", basis));
  }

  /** Source level mapped to [0, 1], or null when the level is not one we can read. */
  static Double level(String level, String source) {
    if (level == null || level.isBlank()) {
      return null;
    }
    Matcher m = MATH_LEVEL.matcher(level);
    if (m.find()) {
      return (Integer.parseInt(m.group(1)) - 1) / 4.0;
    }
    if (source != null && source.toLowerCase().contains("aime")) {
      Matcher num = NUMBER.matcher(level);
      if (num.matches()) {
        double p = Double.parseDouble(level.strip());
        if (p >= 1 && p <= 15) {
          // AIME problems are hard from the start and get harder with the problem number.
          return 0.5 + 0.5 * (p - 1) / 14.0;
        }
      }
    }
    return null;
  }

  private static double round(double v) {
    return Math.round(v * 1e6) / 1e6;
  }

  private DifficultySignals() {}
}
