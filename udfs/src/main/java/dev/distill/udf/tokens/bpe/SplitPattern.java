package dev.distill.udf.tokens.bpe;

import static dev.distill.udf.tokens.bpe.CharClass.LETTER;
import static dev.distill.udf.tokens.bpe.CharClass.NEWLINE;
import static dev.distill.udf.tokens.bpe.CharClass.NUMBER;
import static dev.distill.udf.tokens.bpe.CharClass.OTHER;
import static dev.distill.udf.tokens.bpe.CharClass.SPACE;

import java.util.Optional;

/**
 * A byte-level pre-tokenizer's split regex as a hand-written scanner: {@link #end} returns where
 * the regex's leftmost match starting at {@code from} ends, with Oniguruma's backtracking
 * semantics (alternatives tried in order, greedy quantifiers, {@code (?!\S)}). Each pattern below
 * matches every character, so the pieces tile the text (the Split pre-tokenizer's "Isolated"
 * behaviour then keeps no gaps).
 */
public enum SplitPattern {
    /** Qwen2 (and Qwen2.5, Qwen3): digits one at a time, case-insensitive contractions. */
    QWEN2("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    /** Llama 3 and cl100k: as Qwen2 with runs of up to three digits. */
    LLAMA3("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    /** GPT-2: the ByteLevel pre-tokenizer's own regex ({@code use_regex: true}). */
    GPT2("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"),
    /** No regex ({@code ByteLevel} with {@code use_regex: false} alone): the whole text is one word. */
    WHOLE(null);

    private final String regex;

    SplitPattern(String regex) {
        this.regex = regex;
    }

    /** The regex this scanner implements, as written in a {@code tokenizer.json}; null for {@link #WHOLE}. */
    public String regex() {
        return regex;
    }

    /** The scanner of a Split pre-tokenizer's regex, when it is one of these. */
    public static Optional<SplitPattern> ofRegex(String regex) {
        for (SplitPattern p : values()) {
            if (p.regex != null && p.regex.equals(regex)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * End (exclusive) of the piece that starts at {@code from}.
     *
     * @param s the text
     * @param from start of the piece, below {@code to}
     * @param to end of the text being split
     */
    public int end(String s, int from, int to) {
        return switch (this) {
            case QWEN2 -> qwen2(s, from, to, 1);
            case LLAMA3 -> qwen2(s, from, to, 3);
            case GPT2 -> gpt2(s, from, to);
            case WHOLE -> to;
        };
    }

    private static int qwen2(String s, int i, int to, int maxDigits) {
        int cp = codePointAt(s, i, to);
        int w = Character.charCount(cp);
        byte k = CharClass.of(cp);
        if (cp == '\'') {
            int c = contraction(s, i + 1, to, true);
            if (c > 0) {
                return i + 1 + c;
            }
        }
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if (k == LETTER) {
            return run(s, i + w, to, LETTER);
        }
        if (k != NUMBER && k != NEWLINE && i + w < to && classAt(s, i + w, to) == LETTER) {
            return run(s, i + w, to, LETTER);
        }
        // \p{N} or \p{N}{1,3}
        if (k == NUMBER) {
            int j = i + w;
            for (int n = 1; n < maxDigits && j < to; n++) {
                int next = codePointAt(s, j, to);
                if (CharClass.of(next) != NUMBER) {
                    break;
                }
                j += Character.charCount(next);
            }
            return j;
        }
        // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
        if (k == OTHER || (cp == ' ' && i + 1 < to && classAt(s, i + 1, to) == OTHER)) {
            int j = run(s, i + w, to, OTHER);
            while (j < to && (s.charAt(j) == '\r' || s.charAt(j) == '\n')) {
                j++;
            }
            return j;
        }
        // Whitespace (every whitespace character is one char): \s*[\r\n]+ reaches the run's last
        // line break; else \s+(?!\S) stops one before a non-space; else \s+.
        int j = i;
        int lastNewline = -1;
        while (j < to) {
            byte c = classAt(s, j, to);
            if (c == NEWLINE) {
                lastNewline = j;
            } else if (c != SPACE) {
                break;
            }
            j++;
        }
        if (lastNewline >= 0) {
            return lastNewline + 1;
        }
        return j == to || j - i == 1 ? j : j - 1;
    }

    private static int gpt2(String s, int i, int to) {
        int cp = codePointAt(s, i, to);
        byte k = CharClass.of(cp);
        if (cp == '\'') {
            int c = contraction(s, i + 1, to, false);
            if (c > 0) {
                return i + 1 + c;
            }
        }
        // ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+'
        if (cp == ' ' && i + 1 < to) {
            byte next = classAt(s, i + 1, to);
            if (!CharClass.isWhitespace(next)) {
                return run(s, i + 1, to, next);
            }
        }
        if (!CharClass.isWhitespace(k)) {
            return run(s, i, to, k);
        }
        // \s+(?!\S) stops one before a non-space; else \s+
        int j = i;
        while (j < to && CharClass.isWhitespace(classAt(s, j, to))) {
            j++;
        }
        return j == to || j - i == 1 ? j : j - 1;
    }

    /** Length of a contraction ({@code s t re ve m ll d}) right after an apostrophe at {@code i - 1}, or 0. */
    private static int contraction(String s, int i, int to, boolean ignoreCase) {
        if (i >= to) {
            return 0;
        }
        char a = fold(s.charAt(i), ignoreCase);
        if (a == 's' || a == 't' || a == 'm' || a == 'd') {
            return 1;
        }
        if (i + 1 < to) {
            char b = fold(s.charAt(i + 1), ignoreCase);
            if (((a == 'r' || a == 'v') && b == 'e') || (a == 'l' && b == 'l')) {
                return 2;
            }
        }
        return 0;
    }

    /** Unicode simple case folding as far as the contractions' letters need it (U+017F long s folds to s). */
    private static char fold(char c, boolean ignoreCase) {
        if (!ignoreCase) {
            return c;
        }
        if (c >= 'A' && c <= 'Z') {
            return (char) (c + 32);
        }
        return c == '\u017F' ? 's' : c;
    }

    /** End of the run of characters of class {@code cls} starting at {@code i}. */
    private static int run(String s, int i, int to, byte cls) {
        while (i < to) {
            char c = s.charAt(i);
            if (!Character.isSurrogate(c)) {
                if (CharClass.ofChar(c) != cls) {
                    return i;
                }
                i++;
            } else {
                int cp = codePointAt(s, i, to);
                if (CharClass.of(cp) != cls) {
                    return i;
                }
                i += Character.charCount(cp);
            }
        }
        return i;
    }

    private static byte classAt(String s, int i, int to) {
        char c = s.charAt(i);
        return Character.isSurrogate(c) ? CharClass.of(codePointAt(s, i, to)) : CharClass.ofChar(c);
    }

    /**
     * The code point at {@code i}; an unpaired surrogate reads as U+FFFD, the replacement
     * character it becomes in UTF-8.
     */
    static int codePointAt(String s, int i, int to) {
        char c = s.charAt(i);
        if (!Character.isSurrogate(c)) {
            return c;
        }
        if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
            return Character.toCodePoint(c, s.charAt(i + 1));
        }
        return 0xFFFD;
    }
}
