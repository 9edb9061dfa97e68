package dev.distill.udf.text;

import java.util.Arrays;

/**
 * Word n-gram hashes for overlap tests (decontamination, shingling).
 *
 * <p>The hash of an n-gram is {@link Hash64#fnv1a64} of its words joined by single spaces, i.e.
 * FNV-1a 64 over the UTF-8 bytes of {@code "w1 w2 ... wn"}; any language can reproduce it.
 */
public final class NGrams {

    private static final long[] NONE = new long[0];

    private NGrams() {}

    /**
     * The distinct word n-gram hashes of {@code words(normalizeForMatch(text))}, sorted ascending
     * so that two sets can be intersected by merging.
     *
     * <p>A text with fewer than {@code n} words (but at least one) yields exactly one hash, that of
     * its whole word sequence: a short question can then still match an identical short question,
     * though never a longer text that merely contains it. An empty text yields an empty array.
     *
     * @param text the text, may be null
     * @param n the n-gram length in words, at least 1
     * @return sorted distinct hashes, never null
     */
    public static long[] hashes(String text, int n) {
        // Signs stay out of n-grams: 8 words of content, as s1 counted them. Content ids keep them.
        String[] words = java.util.Arrays.stream(TextNormalizer.words(TextNormalizer.normalizeForMatch(text)))
                .filter(w -> !TextNormalizer.isSign(w)).toArray(String[]::new);
        long[] all = windowHashes(words, n);
        return sortedDistinct(all);
    }

    /**
     * The hash of every n-word window of {@code words}, in text order and with repeats; the same
     * short-text rule as {@link #hashes}: fewer than {@code n} words give one hash of all words.
     *
     * @param words the words (for example from {@link TextNormalizer#words})
     * @param n the n-gram length in words, at least 1
     * @return one hash per window ({@code max(1, words.length - n + 1)} values, or none when there
     *     are no words)
     */
    public static long[] windowHashes(String[] words, int n) {
        if (n < 1) {
            throw new IllegalArgumentException("Cannot hash " + n + "-grams: n must be at least 1");
        }
        if (words.length == 0) {
            return NONE;
        }
        if (words.length < n) {
            return new long[] {hashWords(words, 0, words.length)};
        }
        long[] out = new long[words.length - n + 1];
        for (int i = 0; i < out.length; i++) {
            out[i] = hashWords(words, i, i + n);
        }
        return out;
    }

    /**
     * FNV-1a 64 of {@code words[from, to)} joined by single spaces.
     *
     * @param words the words
     * @param from first word, inclusive
     * @param to last word, exclusive
     * @return the hash
     */
    public static long hashWords(String[] words, int from, int to) {
        long h = Hash64.FNV_OFFSET;
        for (int i = from; i < to; i++) {
            if (i > from) {
                h = Hash64.fnv1a64Byte(h, ' ');
            }
            h = Hash64.fnv1a64(h, words[i]);
        }
        return h;
    }

    /**
     * Sorts a copy of {@code values} and removes duplicates.
     *
     * @param values any values
     * @return a new sorted array without duplicates
     */
    public static long[] sortedDistinct(long[] values) {
        if (values.length == 0) {
            return NONE;
        }
        long[] a = values.clone();
        Arrays.sort(a);
        int w = 1;
        for (int r = 1; r < a.length; r++) {
            if (a[r] != a[w - 1]) {
                a[w++] = a[r];
            }
        }
        return w == a.length ? a : Arrays.copyOf(a, w);
    }

    /**
     * Size of the intersection of two sorted distinct arrays (as returned by {@link #hashes}).
     *
     * @param a sorted distinct values
     * @param b sorted distinct values
     * @return the number of values in both
     */
    public static int intersectionSize(long[] a, long[] b) {
        int i = 0;
        int j = 0;
        int common = 0;
        while (i < a.length && j < b.length) {
            if (a[i] < b[j]) {
                i++;
            } else if (a[i] > b[j]) {
                j++;
            } else {
                common++;
                i++;
                j++;
            }
        }
        return common;
    }
}
