package dev.distill.udf.tokens.bpe;

import java.util.Arrays;

/**
 * BPE merges as a primitive open-addressing map: the pair of token ids {@code (left, right)},
 * packed in a long, to its rank and the id of the merged token, packed in another. No boxing, one
 * cache line per probe in the common case.
 */
final class MergeRanks {
    /** What {@link #get} returns for a pair that does not merge. */
    static final long NONE = -1L;

    private static final long EMPTY = -1L;

    private final long[] keys;
    private final long[] values;
    private final int mask;
    private int size;

    /** A map sized for {@code expected} merges (load factor at most 1/2). */
    MergeRanks(int expected) {
        int capacity = Integer.highestOneBit(Math.max(4, expected) * 2 - 1) << 1;
        keys = new long[capacity];
        values = new long[capacity];
        Arrays.fill(keys, EMPTY);
        mask = capacity - 1;
    }

    /** Adds (or, for a pair listed twice, replaces: the tokenizers library keeps the last) a merge. */
    void put(int left, int right, int rank, int merged) {
        long key = key(left, right);
        int slot = slot(key);
        while (keys[slot] != EMPTY && keys[slot] != key) {
            slot = (slot + 1) & mask;
        }
        if (keys[slot] == EMPTY) {
            if (size + 1 > (mask + 1) / 2) {
                throw new IllegalStateException("MergeRanks sized for fewer merges");
            }
            size++;
        }
        keys[slot] = key;
        values[slot] = ((long) rank << 32) | (merged & 0xFFFFFFFFL);
    }

    /** {@code rank << 32 | merged id} of the pair, or {@link #NONE}. */
    long get(int left, int right) {
        long key = key(left, right);
        int slot = slot(key);
        while (true) {
            long k = keys[slot];
            if (k == key) {
                return values[slot];
            }
            if (k == EMPTY) {
                return NONE;
            }
            slot = (slot + 1) & mask;
        }
    }

    static int rank(long value) {
        return (int) (value >>> 32);
    }

    static int merged(long value) {
        return (int) value;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29)) & mask;
    }
}
