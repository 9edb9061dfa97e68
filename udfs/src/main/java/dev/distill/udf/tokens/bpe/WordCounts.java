package dev.distill.udf.tokens.bpe;

import java.util.Arrays;

/**
 * One thread's cache of word -> token count, looked up by a range of the text (no substring is
 * made on a hit). Open addressing; emptied when three quarters full, so memory stays bounded
 * however many distinct words a thread sees. Only words of at most {@value #MAX_LENGTH} chars
 * are kept: longer ones rarely repeat.
 */
final class WordCounts {
    static final int MAX_LENGTH = 48;
    private static final int CAPACITY = 1 << 16;

    private final String[] keys = new String[CAPACITY];
    private final int[] hashes = new int[CAPACITY];
    private final int[] counts = new int[CAPACITY];
    private int size;

    static int hash(String s, int from, int to) {
        int h = 0;
        for (int i = from; i < to; i++) {
            h = 31 * h + s.charAt(i);
        }
        return h;
    }

    /** The cached count of {@code s[from, to)} with hash {@code h}, or -1. */
    int get(String s, int from, int to, int h) {
        int len = to - from;
        int slot = slot(h);
        while (true) {
            String k = keys[slot];
            if (k == null) {
                return -1;
            }
            if (hashes[slot] == h && k.length() == len && s.regionMatches(from, k, 0, len)) {
                return counts[slot];
            }
            slot = (slot + 1) & (CAPACITY - 1);
        }
    }

    void put(String s, int from, int to, int h, int count) {
        if (size >= CAPACITY / 4 * 3) {
            Arrays.fill(keys, null);
            size = 0;
        }
        int slot = slot(h);
        while (keys[slot] != null) {
            slot = (slot + 1) & (CAPACITY - 1);
        }
        keys[slot] = s.substring(from, to);
        hashes[slot] = h;
        counts[slot] = count;
        size++;
    }

    private static int slot(int h) {
        int x = h * 0x9E3779B9;
        return (x ^ (x >>> 16)) & (CAPACITY - 1);
    }
}
