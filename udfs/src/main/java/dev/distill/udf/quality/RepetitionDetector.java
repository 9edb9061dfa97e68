package dev.distill.udf.quality;

import dev.distill.udf.text.NGrams;
import dev.distill.udf.text.TextNormalizer;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Signals of degenerate, looping text (a teacher trace that repeats itself until it hits the
 * token limit). Both are cheap, single-pass measures; thresholds belong to the caller.
 */
public final class RepetitionDetector {

    private RepetitionDetector() {}

    /**
     * The fraction of word n-grams (of {@code words(normalizeForMatch(text))}) that repeat an
     * earlier n-gram of the same text: {@code (total - distinct) / total}. 0 for text without
     * repeats or with fewer than {@code n} words; it approaches 1 for text stuck in a loop (a
     * paragraph repeated k times scores about {@code 1 - 1/k}). Natural prose with {@code n = 10}
     * or more scores near 0.
     *
     * @param text the text, may be null
     * @param n the n-gram length in words, at least 1
     * @return a fraction in [0, 1)
     */
    public static double repeatedNgramFraction(String text, int n) {
        if (n < 1) {
            throw new IllegalArgumentException(
                    "Cannot measure repetition of " + n + "-grams: n must be at least 1");
        }
        String[] words = TextNormalizer.words(TextNormalizer.normalizeForMatch(text));
        if (words.length < n) {
            return 0.0;
        }
        long[] windows = NGrams.windowHashes(words, n);
        Arrays.sort(windows);
        int distinct = 1;
        for (int i = 1; i < windows.length; i++) {
            if (windows[i] != windows[i - 1]) {
                distinct++;
            }
        }
        return (double) (windows.length - distinct) / windows.length;
    }

    /**
     * How often the most frequent line occurs. Lines are compared after trimming; lines without
     * any letter or digit ({@code $$}, {@code \]}, {@code ---}, blank lines) are ignored because
     * they repeat in any well-formatted solution.
     *
     * @param text the text, may be null
     * @return the highest number of occurrences of one line, 0 when no line counts
     */
    public static int maxLineRepeats(String text) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        Map<String, Integer> counts = new HashMap<>();
        int best = 0;
        int start = 0;
        int n = text.length();
        while (start <= n) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = n;
            }
            String line = text.substring(start, end).trim();
            if (hasLetterOrDigit(line)) {
                int c = counts.merge(line, 1, Integer::sum);
                if (c > best) {
                    best = c;
                }
            }
            start = end + 1;
        }
        return best;
    }

    private static boolean hasLetterOrDigit(String line) {
        for (int i = 0; i < line.length(); i++) {
            if (Character.isLetterOrDigit(line.charAt(i))) {
                return true;
            }
        }
        return false;
    }
}
