package dev.distill.udf.tokens.bpe;

import java.util.Arrays;

/**
 * One thread's working memory: a word's symbols and links, the merge queue (a binary min-heap of
 * {@code rank << 32 | position} with the merged id alongside) and the word -> count cache. Grown
 * on demand, never shrunk; not thread-safe.
 */
final class Scratch {
    int[] ids = new int[64];
    private int[] prev = new int[64];
    private int[] next = new int[64];
    private long[] heapKeys = new long[64];
    private int[] heapMerged = new int[64];
    private int heapSize;
    final WordCounts counts = new WordCounts();

    /** UTF-8 of {@code s[from, to)} (an unpaired surrogate as U+FFFD) into {@link #ids} as byte token ids; returns how many. */
    int utf8Ids(String s, int from, int to, int[] byteIds) {
        int need = (to - from) * 3;
        if (ids.length < need) {
            ids = new int[Math.max(need, ids.length * 2)];
        }
        int[] out = ids;
        int n = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                out[n++] = byteIds[c];
            } else if (c < 0x800) {
                out[n++] = byteIds[0xC0 | (c >> 6)];
                out[n++] = byteIds[0x80 | (c & 0x3F)];
            } else {
                int cp = SplitPattern.codePointAt(s, i, to);
                if (cp >= 0x10000) {
                    i++;
                    out[n++] = byteIds[0xF0 | (cp >> 18)];
                    out[n++] = byteIds[0x80 | ((cp >> 12) & 0x3F)];
                } else {
                    out[n++] = byteIds[0xE0 | (cp >> 12)];
                }
                out[n++] = byteIds[0x80 | ((cp >> 6) & 0x3F)];
                out[n++] = byteIds[0x80 | (cp & 0x3F)];
            }
        }
        return n;
    }

    int[] prev(int n) {
        if (prev.length < n) {
            prev = new int[Math.max(n, prev.length * 2)];
        }
        return prev;
    }

    int[] next(int n) {
        if (next.length < n) {
            next = new int[Math.max(n, next.length * 2)];
        }
        return next;
    }

    void clearHeap() {
        heapSize = 0;
    }

    int heapSize() {
        return heapSize;
    }

    long peekKey() {
        return heapKeys[0];
    }

    int peekMerged() {
        return heapMerged[0];
    }

    void push(int rank, int pos, int merged) {
        if (heapSize == heapKeys.length) {
            heapKeys = Arrays.copyOf(heapKeys, heapSize * 2);
            heapMerged = Arrays.copyOf(heapMerged, heapSize * 2);
        }
        long key = ((long) rank << 32) | pos;
        int i = heapSize++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heapKeys[parent] <= key) {
                break;
            }
            heapKeys[i] = heapKeys[parent];
            heapMerged[i] = heapMerged[parent];
            i = parent;
        }
        heapKeys[i] = key;
        heapMerged[i] = merged;
    }

    void pop() {
        int last = --heapSize;
        if (last == 0) {
            return;
        }
        long key = heapKeys[last];
        int merged = heapMerged[last];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= last) {
                break;
            }
            if (child + 1 < last && heapKeys[child + 1] < heapKeys[child]) {
                child++;
            }
            if (heapKeys[child] >= key) {
                break;
            }
            heapKeys[i] = heapKeys[child];
            heapMerged[i] = heapMerged[child];
            i = child;
        }
        heapKeys[i] = key;
        heapMerged[i] = merged;
    }
}
