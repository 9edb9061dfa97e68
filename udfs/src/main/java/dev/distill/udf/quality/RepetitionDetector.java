package dev.distill.udf.quality;

import dev.distill.udf.text.Hash64;
import dev.distill.udf.text.TextNormalizer;

import java.util.HashMap;
import java.util.Map;

/**
 * Signals of degenerate, looping text (a teacher trace that repeats itself until it hits the
 * token limit). Both are cheap, single-pass measures; thresholds belong to the caller.
 */
public final class RepetitionDetector {

    /** The rolling hash's base: odd, so every power of it is invertible modulo 2^64. */
    private static final long BASE = 0x9E3779B97F4A7C15L;

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
        long[] words = TextNormalizer.wordHashes(text);
        int count = (int) words[0];
        if (count < n) {
            return 0.0;
        }
        int windows = count - n + 1;
        return (double) (windows - distinctWindows(words, count, n)) / windows;
    }

    /**
     * The number of distinct n-word windows: a polynomial rolling hash over the (mixed, so
     * independent-looking) word hashes, each window in O(1), counted in an open-addressing set.
     */
    private static int distinctWindows(long[] words, int count, int n) {
        long power = 1;
        for (int k = 1; k < n; k++) {
            power *= BASE;
        }
        int windows = count - n + 1;
        int capacity = Integer.highestOneBit(Math.max(4, windows) * 2 - 1) << 1;
        long[] table = new long[capacity];
        boolean zeroSeen = false;
        int distinct = 0;
        long h = 0;
        for (int k = 1; k <= n; k++) {
            h = h * BASE + words[k];
        }
        for (int w = 0; w < windows; w++) {
            if (w > 0) {
                h = (h - words[w] * power) * BASE + words[w + n];
            }
            if (h == 0) {
                if (!zeroSeen) {
                    zeroSeen = true;
                    distinct++;
                }
                continue;
            }
            int slot = (int) (Hash64.mix64(h) >>> 1) & (capacity - 1);
            while (table[slot] != 0 && table[slot] != h) {
                slot = (slot + 1) & (capacity - 1);
            }
            if (table[slot] == 0) {
                table[slot] = h;
                distinct++;
            }
        }
        return distinct;
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
