package dev.distill.udf.tokens.bpe;

import java.util.HashMap;
import java.util.Map;

/**
 * The BPE model of a byte-level tokenizer, counting only: a word's UTF-8 bytes start as one
 * token each (the GPT-2 byte-to-character alphabet's ids), then merges apply in the tokenizers
 * library's order: lowest rank first, leftmost first among equal ranks, and a queued merge is
 * applied only if the pair now at its position still merges into the same token (the library's
 * own check, which a merge of another pair into the same token can pass).
 */
final class ByteLevelBpe {
    private final int[] byteIds;
    private final MergeRanks merges;
    /** Byte-level string -> id, only with {@code ignore_merges} (a word in the vocabulary is one token). */
    private final Map<String, Integer> vocabOrNull;

    /** Byte token id -> its character, only with {@code ignore_merges}. */
    private final Map<Integer, Character> byteChars = new HashMap<>();

    ByteLevelBpe(int[] byteIds, MergeRanks merges, Map<String, Integer> vocabOrNull) {
        this.byteIds = byteIds.clone();
        this.merges = merges;
        this.vocabOrNull = vocabOrNull;
        if (vocabOrNull != null) {
            char[] alphabet = byteAlphabet();
            for (int b = 0; b < 256; b++) {
                byteChars.put(byteIds[b], alphabet[b]);
            }
        }
    }

    private String byteLevelString(int[] ids, int n) {
        StringBuilder s = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            s.append(byteChars.get(ids[i]).charValue());
        }
        return s.toString();
    }

    /** The GPT-2 byte-to-unicode alphabet: the character that stands for each byte value. */
    static char[] byteAlphabet() {
        char[] out = new char[256];
        boolean[] printable = new boolean[256];
        for (int b = '!'; b <= '~'; b++) {
            printable[b] = true;
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            printable[b] = true;
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            printable[b] = true;
        }
        int n = 0;
        for (int b = 0; b < 256; b++) {
            out[b] = printable[b] ? (char) b : (char) (256 + n++);
        }
        return out;
    }

    /** Tokens of {@code s[from, to)}, using {@code scratch} for its arrays. */
    int count(String s, int from, int to, Scratch scratch) {
        int n = scratch.utf8Ids(s, from, to, byteIds);
        if (vocabOrNull != null && n > 1 && vocabOrNull.containsKey(byteLevelString(scratch.ids, n))) {
            return 1;
        }
        return merge(scratch, n);
    }

    /** Applies the merges to {@code scratch.ids[0, n)}; returns the symbols left. */
    private int merge(Scratch w, int n) {
        if (n < 2) {
            return n;
        }
        int[] ids = w.ids;
        int[] prev = w.prev(n);
        int[] next = w.next(n);
        w.clearHeap();
        for (int p = 0; p < n; p++) {
            prev[p] = p - 1;
            next[p] = p + 1 < n ? p + 1 : -1;
            if (p + 1 < n) {
                long m = merges.get(ids[p], ids[p + 1]);
                if (m != MergeRanks.NONE) {
                    w.push(MergeRanks.rank(m), p, MergeRanks.merged(m));
                }
            }
        }
        int left = n;
        while (w.heapSize() > 0) {
            long top = w.peekKey();
            int newId = w.peekMerged();
            w.pop();
            int pos = (int) top;
            if (ids[pos] < 0) {
                continue;
            }
            int right = next[pos];
            if (right < 0) {
                continue;
            }
            long now = merges.get(ids[pos], ids[right]);
            if (now == MergeRanks.NONE || MergeRanks.merged(now) != newId) {
                continue;
            }
            ids[pos] = newId;
            ids[right] = -1;
            left--;
            int after = next[right];
            next[pos] = after;
            if (after >= 0) {
                prev[after] = pos;
            }
            int before = prev[pos];
            if (before >= 0) {
                long m = merges.get(ids[before], newId);
                if (m != MergeRanks.NONE) {
                    w.push(MergeRanks.rank(m), before, MergeRanks.merged(m));
                }
            }
            if (after >= 0) {
                long m = merges.get(newId, ids[after]);
                if (m != MergeRanks.NONE) {
                    w.push(MergeRanks.rank(m), pos, MergeRanks.merged(m));
                }
            }
        }
        return left;
    }
}
