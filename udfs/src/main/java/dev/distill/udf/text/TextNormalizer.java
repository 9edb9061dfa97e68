package dev.distill.udf.text;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Normalisation that survives formatting-only differences between copies of the same problem
 * (whitespace, case, LaTeX markup, Unicode compatibility forms). Used for decontamination
 * n-grams, exact deduplication and content ids, so its output must never change silently:
 * changing it changes every id.
 */
public final class TextNormalizer {

    private static final String[] NO_WORDS = new String[0];

    /** Macros whose arguments are rendered as separate words (number of mandatory args). */
    private static final Set<String> TWO_ARG_MACROS = Set.of("frac", "binom");

    /** Layout and sizing macros that carry no content: removed. */
    private static final Set<String> DROPPED_MACROS = Set.of(
            "left", "right", "middle",
            "big", "bigl", "bigr", "bigm", "bigg", "biggl", "biggr", "biggm",
            "displaystyle", "textstyle", "scriptstyle", "scriptscriptstyle",
            "quad", "qquad", "enspace", "enskip", "thinspace", "medspace", "thickspace",
            "negthinspace", "negmedspace", "negthickspace",
            "limits", "nolimits", "nonumber", "notag", "noindent", "newline", "linebreak",
            "allowbreak", "hfill", "par", "centering",
            // font / style wrappers: the macro goes, its argument stays as ordinary text
            "text", "textbf", "textit", "textrm", "textsf", "texttt", "textup", "textnormal",
            "emph", "mathrm", "mathbf", "mathit", "mathsf", "mathtt", "mathbb", "mathcal",
            "mathfrak", "mathscr", "mathnormal", "boldsymbol", "bm", "operatorname", "mbox",
            "hbox");

    /** Macros removed together with their first braced argument (a length, a label, a name). */
    private static final Set<String> DROPPED_WITH_ARGUMENT =
            Set.of("hspace", "vspace", "label", "begin", "end");

    /** Environments whose {@code \begin} is followed by a column specification to drop. */
    private static final Set<String> ENVIRONMENTS_WITH_COLUMN_SPEC = Set.of("array", "tabular");

    /** Nested braces deeper than this are scanned flat (no argument parsing) to bound recursion. */
    private static final int MAX_ARGUMENT_DEPTH = 32;

    private static final int NONE = 0;
    private static final int LETTER = 1;
    private static final int DIGIT = 2;
    private static final int MARK = 3;

    private TextNormalizer() {}

    /**
     * Normalises text for matching. Exactly, in this order:
     *
     * <ol>
     *   <li>{@code null} becomes {@code ""}.
     *   <li>Unicode NFKC (full-width forms, ligatures, superscripts such as {@code ²} become their
     *       plain equivalents), then lower case ({@link Locale#ROOT}).
     *   <li>LaTeX: a control word {@code \name} becomes the word {@code name} without the
     *       backslash ({@code \sqrt} becomes {@code sqrt}, {@code \Delta} becomes {@code delta}).
     *       {@code \dfrac}, {@code \tfrac}, {@code \cfrac} are read as {@code \frac} and {@code
     *       \dbinom}, {@code \tbinom} as {@code \binom}; {@code \frac} and {@code \binom} take
     *       two arguments and {@code \sqrt} one (after an optional {@code [index]}), read the way
     *       TeX reads them: a braced group or else a single character or control word, so {@code
     *       \frac{1}{2}}, {@code \frac12}, {@code \frac 12} and {@code \frac{1} {2}} all become
     *       {@code frac 1 2}. Removed entirely: sizing and spacing macros ({@code \left}, {@code
     *       \right}, {@code \middle}, {@code \big}/{@code \bigl}/{@code \Bigr}/..., {@code
     *       \displaystyle} and the other style switches, {@code \quad}, {@code \qquad}, {@code
     *       \limits}, ...). Removed with their braced argument: {@code \hspace}, {@code \vspace},
     *       {@code \label}, {@code \begin{env}}, {@code \end{env}} (and the column spec of
     *       {@code array}/{@code tabular}). Font and text wrappers ({@code \text}, {@code
     *       \mathrm}, {@code \textbf}, {@code \mathbf}, {@code \mathbb}, {@code \operatorname},
     *       {@code \emph}, ...) are removed and their argument kept as ordinary text. A backslash
     *       followed by a non-letter ({@code \,} {@code \;} {@code \!} <code>\&#123;</code>
     *       {@code \\} ...) is punctuation, so math delimiters ({@code $}, {@code \(}, {@code
     *       \)}, {@code \[}, {@code \]}) and {@code ~} disappear with the rest of the
     *       punctuation.
     *   <li>Words: letters (any script, including CJK), digits and combining marks form words;
     *       every other character (punctuation, symbols, braces, whitespace; but see the signs below) separates
     *       words. A word is also split where letters meet digits ({@code 3x} and {@code x2}
     *       become {@code 3 x} and {@code x 2}), so that {@code x^2}, {@code x²} and {@code x2},
     *       or {@code 3x} and {@code 3 x}, match.
     *   <li>Words are joined by single spaces; no leading or trailing space.
     * </ol>
     *
     * <p>Signs and relations ({@code + - = < >}, and the Unicode minus as {@code -}) are kept as
     * words of their own, so {@code 2+3} and {@code 2-3} stay different and {@code arccos 1} is not
     * {@code arccos (-1)}; a hyphen between two letters is a separator ({@code six-sided} matches
     * {@code six sided}). Other symbols are separators. CJK runs stay together in the output
     * ({@link #words} splits them).
     *
     * @param s the text, may be null
     * @return the normalised text, never null
     */
    public static String normalizeForMatch(String s) {
        if (s == null || s.isEmpty()) {
            return "";
        }
        String t = isAscii(s) ? s : Normalizer.normalize(s, Normalizer.Form.NFKC);
        t = t.toLowerCase(Locale.ROOT);
        Text out = new Text(t.length());
        scan(t, 0, t.length(), out, 0);
        return out.toString();
    }

    /**
     * A 64-bit hash of every word of {@code words(normalizeForMatch(s))}, in order, without
     * building the normalised text or its words: element 0 holds the count, the hashes follow.
     * Equal words get equal hashes (and different words, different ones but for 64-bit
     * collisions). For measures that only compare words, such as the repetition of a long trace.
     *
     * @param s the text, may be null
     * @return {@code [count, hash_1, ..., hash_count]} (the array may be longer)
     */
    public static long[] wordHashes(String s) {
        if (s == null || s.isEmpty()) {
            return new long[] {0};
        }
        String t = isAscii(s) ? s : Normalizer.normalize(s, Normalizer.Form.NFKC);
        t = t.toLowerCase(Locale.ROOT);
        WordHashes out = new WordHashes(t.length());
        scan(t, 0, t.length(), out, 0);
        return out.finish();
    }

    /**
     * Splits normalised text into words: on whitespace, and additionally every CJK character
     * (Han, Hiragana, Katakana, Bopomofo; see {@link #isCjk}) is a word of its own, so that word
     * n-grams work for Chinese and Japanese, which are written without spaces.
     *
     * @param normalized output of {@link #normalizeForMatch} (any text is accepted; runs of
     *     whitespace separate words)
     * @return the words, possibly empty, never null
     */
    public static String[] words(String normalized) {
        if (normalized == null || normalized.isEmpty()) {
            return NO_WORDS;
        }
        List<String> out = new ArrayList<>(normalized.length() / 5 + 1);
        int n = normalized.length();
        int i = 0;
        while (i < n) {
            while (i < n && Character.isWhitespace(normalized.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n) {
                char c = normalized.charAt(i);
                if (Character.isWhitespace(c)) {
                    break;
                }
                int cp = normalized.codePointAt(i);
                int len = Character.charCount(cp);
                if (c >= 0x2E80 && isCjk(cp)) {
                    if (i > start) {
                        out.add(normalized.substring(start, i));
                    }
                    out.add(normalized.substring(i, i + len));
                    start = i + len;
                }
                i += len;
            }
            if (i > start) {
                out.add(normalized.substring(start, i));
            }
        }
        return out.toArray(NO_WORDS);
    }

    /**
     * Whether a code point belongs to a script written without spaces between words: Han
     * (Chinese characters, also used in Japanese), Hiragana, Katakana or Bopomofo. Hangul is not
     * included because Korean separates words with spaces.
     *
     * @param cp a code point
     * @return true for CJK characters
     */
    public static boolean isCjk(int cp) {
        if (cp < 0x2E80) {
            return false;
        }
        Character.UnicodeScript script = Character.UnicodeScript.of(cp);
        return script == Character.UnicodeScript.HAN
                || script == Character.UnicodeScript.HIRAGANA
                || script == Character.UnicodeScript.KATAKANA
                || script == Character.UnicodeScript.BOPOMOFO;
    }

    private static boolean isAscii(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** Scans {@code t[from, to)} into {@code out}. */
    private static void scan(String t, int from, int to, Out out, int depth) {
        int i = from;
        while (i < to) {
            char c = t.charAt(i);
            if (c == '\\') {
                i = controlSequence(t, i, to, out, depth);
                continue;
            }
            int cp = t.codePointAt(i);
            if (isOperator(cp) && !isHyphen(t, i, to, out)) {
                out.symbol(cp == '\u2212' ? '-' : (char) cp);
            } else {
                out.put(cp);
            }
            i += Character.charCount(cp);
        }
    }

    /** Whether a normalised word is one of the signs kept by {@link #normalizeForMatch}. */
    public static boolean isSign(String word) {
        return word.length() == 1 && "+-=<>".indexOf(word.charAt(0)) >= 0;
    }

    /** Signs and relations are kept as words: without them {@code arccos 1} and {@code arccos (-1)} are one question. */
    private static boolean isOperator(int cp) {
        return cp == '+' || cp == '-' || cp == '=' || cp == '<' || cp == '>' || cp == '\u2212';
    }

    /** A '-' joining two letters ({@code six-sided}) is a hyphen, which separates words like a space. */
    private static boolean isHyphen(String t, int i, int to, Out out) {
        return t.charAt(i) == '-' && out.lastClass == LETTER && i + 1 < to && classOf(t.codePointAt(i + 1)) == LETTER;
    }

    /** Handles the control sequence whose backslash is {@code t[i]}; returns the next index. */
    private static int controlSequence(String t, int i, int to, Out out, int depth) {
        int nameStart = i + 1;
        int nameEnd = nameStart;
        while (nameEnd < to && isAsciiLetter(t.charAt(nameEnd))) {
            nameEnd++;
        }
        if (nameEnd == nameStart) {
            // control symbol (\, \; \{ \$ \\ ...): punctuation. A following word character is
            // left for the main scan so that "\2" keeps its digit.
            out.separate();
            if (nameStart < to && !isWordChar(t.codePointAt(nameStart))) {
                return nameStart + Character.charCount(t.codePointAt(nameStart));
            }
            return nameStart;
        }
        String name = canonicalMacro(t.substring(nameStart, nameEnd));
        int next = nameEnd;
        if (DROPPED_MACROS.contains(name)) {
            out.separate();
            return next;
        }
        if (DROPPED_WITH_ARGUMENT.contains(name)) {
            out.separate();
            if (next < to && t.charAt(next) == '*') {
                next++;
            }
            int argStart = skipSpaces(t, next, to);
            if (argStart < to && t.charAt(argStart) == '{') {
                int close = matchingBrace(t, argStart, to);
                String argument = t.substring(argStart + 1, Math.min(close, to)).trim();
                next = Math.min(close + 1, to);
                if ("begin".equals(name) && ENVIRONMENTS_WITH_COLUMN_SPEC.contains(argument)) {
                    int specStart = skipSpaces(t, next, to);
                    if (specStart < to && t.charAt(specStart) == '{') {
                        next = Math.min(matchingBrace(t, specStart, to) + 1, to);
                    }
                }
            }
            return next;
        }
        out.word(name);
        if (depth >= MAX_ARGUMENT_DEPTH) {
            return next;
        }
        if ("sqrt".equals(name)) {
            int open = skipSpaces(t, next, to);
            if (open < to && t.charAt(open) == '[') {
                int close = t.indexOf(']', open + 1);
                int end = close < 0 || close > to ? to : close;
                out.separate();
                scan(t, open + 1, end, out, depth + 1);
                out.separate();
                next = Math.min(end + 1, to);
            }
            return argument(t, next, to, out, depth);
        }
        if (TWO_ARG_MACROS.contains(name)) {
            next = argument(t, next, to, out, depth);
            return argument(t, next, to, out, depth);
        }
        return next;
    }

    /**
     * Reads one TeX macro argument at {@code i} (after optional spaces): a braced group, a
     * control sequence or a single character, and emits it as separate word(s).
     */
    private static int argument(String t, int i, int to, Out out, int depth) {
        int j = skipSpaces(t, i, to);
        if (j >= to) {
            return j;
        }
        char c = t.charAt(j);
        if (c == '}') {
            return j; // malformed: no argument here; leave the brace to the caller
        }
        out.separate();
        int next;
        if (c == '{') {
            int close = matchingBrace(t, j, to);
            scan(t, j + 1, Math.min(close, to), out, depth + 1);
            next = Math.min(close + 1, to);
        } else if (c == '\\') {
            next = controlSequence(t, j, to, out, depth + 1);
        } else {
            int cp = t.codePointAt(j);
            out.put(cp);
            next = j + Character.charCount(cp);
        }
        out.separate();
        return next;
    }

    /** Index of the brace closing the one at {@code open}, or {@code to} if it is never closed. */
    private static int matchingBrace(String t, int open, int to) {
        int depth = 0;
        for (int k = open; k < to; k++) {
            char c = t.charAt(k);
            if (c == '\\') {
                k++; // skip the escaped character (\{ \} \\)
            } else if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return k;
            }
        }
        return to;
    }

    private static int skipSpaces(String t, int i, int to) {
        while (i < to && Character.isWhitespace(t.charAt(i))) {
            i++;
        }
        return i;
    }

    private static String canonicalMacro(String name) {
        switch (name) {
            case "dfrac":
            case "tfrac":
            case "cfrac":
                return "frac";
            case "dbinom":
            case "tbinom":
                return "binom";
            default:
                return name;
        }
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isWordChar(int cp) {
        return classOf(cp) != NONE;
    }

    private static int classOf(int cp) {
        if (cp < 0x80) {
            if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')) {
                return LETTER;
            }
            return cp >= '0' && cp <= '9' ? DIGIT : NONE;
        }
        if (Character.isLetter(cp)) {
            return LETTER;
        }
        if (Character.isDigit(cp)) {
            return DIGIT;
        }
        int type = Character.getType(cp);
        if (type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                || type == Character.ENCLOSING_MARK) {
            return MARK;
        }
        return NONE;
    }

    /**
     * Where the scan's words go: single spaces between words, splits at letter/digit boundaries.
     * The subclasses say what a word character and a word boundary become.
     */
    private abstract static class Out {
        private boolean pendingSeparator;
        private int lastClass = NONE;

        /** Nothing written yet. */
        abstract boolean isEmpty();

        /** A character of the current word. */
        abstract void emit(int cp);

        /** The boundary between two words. */
        abstract void space();

        void separate() {
            pendingSeparator = true;
            lastClass = NONE;
        }

        void put(int cp) {
            int cls = classOf(cp);
            if (cls == NONE) {
                separate();
                return;
            }
            if (cls == MARK) {
                if (isEmpty() || pendingSeparator) {
                    return; // a combining mark with nothing to combine with
                }
                emit(cp);
                return;
            }
            boolean boundary = pendingSeparator || (lastClass != NONE && lastClass != cls);
            if (boundary && !isEmpty()) {
                space();
            }
            pendingSeparator = false;
            emit(cp);
            lastClass = cls;
        }

        /** A sign kept as a word of its own. */
        void symbol(char c) {
            if (!isEmpty()) {
                space();
            }
            emit(c);
            pendingSeparator = true;
            lastClass = NONE;
        }

        void word(String w) {
            separate();
            for (int k = 0; k < w.length(); k++) {
                put(w.charAt(k));
            }
            separate();
        }
    }

    /** The normalised text. */
    private static final class Text extends Out {
        private final StringBuilder sb;

        Text(int capacity) {
            sb = new StringBuilder(capacity);
        }

        @Override
        boolean isEmpty() {
            return sb.length() == 0;
        }

        @Override
        void emit(int cp) {
            sb.appendCodePoint(cp);
        }

        @Override
        void space() {
            sb.append(' ');
        }

        @Override
        public String toString() {
            return sb.toString();
        }
    }

    /**
     * The hashes of the words {@link #words} would split the text into: FNV-1a over the code
     * points of each word, then mixed; each CJK character a word of its own, as there.
     */
    private static final class WordHashes extends Out {
        private static final long FNV_PRIME = 0x100000001b3L;
        private long[] hashes;
        private int count;
        private long h = Hash64.FNV_OFFSET;
        private boolean open;
        private boolean any;

        WordHashes(int length) {
            hashes = new long[Math.max(8, length / 4)];
        }

        @Override
        boolean isEmpty() {
            return !any;
        }

        @Override
        void emit(int cp) {
            any = true;
            if (cp >= 0x2E80 && isCjk(cp)) {
                space();
                h = (h ^ cp) * FNV_PRIME;
                open = true;
                space();
                return;
            }
            h = (h ^ cp) * FNV_PRIME;
            open = true;
        }

        @Override
        void space() {
            if (!open) {
                return;
            }
            if (count + 1 == hashes.length) {
                hashes = java.util.Arrays.copyOf(hashes, hashes.length * 2);
            }
            hashes[++count] = Hash64.mix64(h);
            h = Hash64.FNV_OFFSET;
            open = false;
        }

        long[] finish() {
            space();
            hashes[0] = count;
            return hashes;
        }
    }
}
