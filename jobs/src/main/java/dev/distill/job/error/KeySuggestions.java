package dev.distill.job.error;

import java.util.Collection;
import java.util.Locale;

/** The likely key behind a typo, for config errors: "did you mean dedup.threshold?". */
public final class KeySuggestions {

  /** "did you mean UNDER.KEY? " for the valid key {@code key} is likely a typo of, else "". */
  public static String didYouMean(String key, Collection<String> valid, String under) {
    String closest = closest(key, valid);
    return closest == null ? "" : "did you mean " + (under.isEmpty() ? "" : under + ".") + closest + "? ";
  }

  /** The valid key within a typo's reach of {@code key} (edit distance, adjacent swaps count one), or null. */
  public static String closest(String key, Collection<String> valid) {
    String k = key.toLowerCase(Locale.ROOT).replace('-', '_');
    int reach = Math.max(1, Math.min(3, k.length() / 3));
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : valid) {
      int d = distance(k, candidate.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return bestDistance <= reach ? best : null;
  }

  /** Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions. */
  private static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
  private KeySuggestions() {}
}
