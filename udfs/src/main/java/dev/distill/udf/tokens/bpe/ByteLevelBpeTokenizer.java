package dev.distill.udf.tokens.bpe;

import java.text.Normalizer;

/**
 * A byte-level BPE tokenizer that counts: added tokens split out of the raw text, then each
 * stretch between them NFC-normalised (when the tokenizer says so), split into words by the
 * pre-tokenizer's pattern and each word counted by the BPE model, through a per-thread word
 * cache. Thread-safe; build it with {@link TokenizerJson#read}.
 */
public final class ByteLevelBpeTokenizer {
    private final AddedTokens added;
    private final boolean nfc;
    private final SplitPattern pattern;
    private final ByteLevelBpe model;
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    ByteLevelBpeTokenizer(AddedTokens added, boolean nfc, SplitPattern pattern, ByteLevelBpe model) {
        this.added = added;
        this.nfc = nfc;
        this.pattern = pattern;
        this.model = model;
    }

    /**
     * Tokens of {@code text} with no special tokens added, as the tokenizers library's
     * {@code encode(text, add_special_tokens=false)} has ids.
     *
     * @param text the text; null and empty count 0
     */
    public int count(String text) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        if (hasUnpairedSurrogate(text)) {
            text = asTheLibraryReceivesIt(text);
        }
        Scratch w = scratch.get();
        int to = text.length();
        int total = 0;
        int from = 0;
        if (added.size() > 0) {
            for (int i = 0; i < to; i++) {
                int m = added.matchAt(text, i, to);
                if (m > 0) {
                    total += stretch(text, from, i, w) + 1;
                    i += m - 1;
                    from = i + 1;
                }
            }
        }
        return total + stretch(text, from, to, w);
    }

    private int stretch(String text, int from, int to, Scratch w) {
        if (from >= to) {
            return 0;
        }
        String s = text;
        if (nfc && mayChangeUnderNfc(text, from, to)) {
            s = Normalizer.normalize(text.substring(from, to), Normalizer.Form.NFC);
            from = 0;
            to = s.length();
        }
        int total = 0;
        for (int i = from; i < to; ) {
            int end = pattern.end(s, i, to);
            total += word(s, i, end, w);
            i = end;
        }
        return total;
    }

    private int word(String s, int from, int to, Scratch w) {
        if (to - from > WordCounts.MAX_LENGTH) {
            return model.count(s, from, to, w);
        }
        int h = WordCounts.hash(s, from, to);
        int cached = w.counts.get(s, from, to, h);
        if (cached >= 0) {
            return cached;
        }
        int count = model.count(s, from, to, w);
        w.counts.put(s, from, to, h, count);
        return count;
    }

    private static boolean hasUnpairedSurrogate(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * A text with an unpaired surrogate reaches the tokenizers library through DJL's JNI as Java's
     * modified UTF-8, which is then not valid CESU-8 and is read as lossy UTF-8 instead (the jni
     * crate's fallback): every surrogate, paired or not, becomes three U+FFFD (ED, then two lone
     * continuation bytes) and U+0000 (C0 80) two. Counting that string gives the library's count.
     */
    private static String asTheLibraryReceivesIt(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                out.append("\uFFFD\uFFFD\uFFFD");
            } else if (c == 0) {
                out.append("\uFFFD\uFFFD");
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * False when every char is below U+0300: no such character decomposes or composes with its
     * neighbour under NFC (composing marks and singleton decompositions all lie above), so the
     * common ASCII and Latin-1 text skips the normaliser.
     */
    private static boolean mayChangeUnderNfc(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) >= 0x300) {
                return true;
            }
        }
        return false;
    }
}
