package dev.distill.udf.quality;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

/**
 * Detects reasoning traces that stop mid-way (generation cut by a token limit or a dropped
 * connection). Deliberately conservative: a complete trace that is flagged is a good training
 * example lost, so each rule looks only at the end of the text and needs a clear sign.
 */
public final class TruncationDetector {

    /** {@code <think>} opened more often than closed. */
    public static final String OPEN_THINK = "open_think";
    /** A fenced code block ({@code ```}) is never closed. */
    public static final String OPEN_CODE_BLOCK = "open_code_block";
    /** Display math ({@code $$} or {@code \[}) is opened and never closed. */
    public static final String OPEN_DISPLAY_MATH = "open_display_math";
    /** The last line opens inline math ({@code $} or {@code \(}) that is never closed. */
    public static final String OPEN_INLINE_MATH = "open_inline_math";
    /** A brace opened in the last {@value #BRACE_WINDOW} characters is never closed. */
    public static final String OPEN_BRACE = "open_brace";
    /** The text ends with a character that needs a continuation: {@code , ; ( [ = + ^ _ \ &}. */
    public static final String DANGLING_PUNCTUATION = "dangling_punctuation";
    /** The text ends with a word that cannot end an English sentence ({@code and}, {@code the}). */
    public static final String DANGLING_WORD = "dangling_word";
    /** The last line is prose stopping on a lower-case letter without punctuation. */
    public static final String MID_SENTENCE = "mid_sentence";

    static final int BRACE_WINDOW = 200;
    static final int MID_SENTENCE_MIN_WORDS = 8;

    /**
     * Words that never end a complete English sentence. Words that can end one in ordinary
     * writing ("so", "then", "for", "with", "on", "in", "that", "this", and "a", which is also an
     * answer choice) are left out on purpose.
     */
    private static final Set<String> DANGLING_WORDS = Set.of(
            "and", "or", "but", "nor", "because", "since", "although", "though", "whereas",
            "the", "an", "of", "is", "are", "was", "were", "which", "whose", "whether",
            "therefore", "thus", "hence", "if", "let", "than", "plus", "minus", "equals", "namely",
            "we", "our", "its", "their", "into", "onto", "between");

    private static final String DANGLING_CHARS = ",;([=+^_\\&，；、（";

    private TruncationDetector() {}

    /**
     * Whether the trace looks cut off; see {@link #truncationReason} for the rules.
     *
     * @param trace the trace text, may be null
     * @return true when one of the rules fires
     */
    public static boolean looksTruncated(String trace) {
        return truncationReason(trace) != null;
    }

    /**
     * The first rule showing that the trace stops mid-way, or null. Checked in this order on the
     * text with trailing whitespace removed:
     *
     * <ol>
     *   <li>{@value #OPEN_THINK}: more {@code <think>} than {@code </think>};
     *   <li>{@value #OPEN_CODE_BLOCK}: an odd number of {@code ```} fences;
     *   <li>{@value #OPEN_DISPLAY_MATH}: the text ends inside {@code $$...$$} or {@code \[...\]};
     *   <li>{@value #OPEN_INLINE_MATH}: the text ends inside {@code $...$} or {@code \(...\)}
     *       opened on its last line, and does not end with sentence punctuation ({@code . ! ?
     *       :}). Inline math never spans a blank line, so a stray currency {@code $} is forgotten
     *       at the end of its paragraph, and one on an earlier line never counts;
     *   <li>{@value #OPEN_BRACE}: a <code>&#123;</code> opened within the last {@value
     *       #BRACE_WINDOW} characters is still open at the end (an unmatched brace far earlier is
     *       a typo, not a truncation);
     *   <li>{@value #DANGLING_PUNCTUATION}: the last character is one of {@code , ; ( [ = + ^ _
     *       \ &} or their full-width CJK forms {@code ， ； 、 （};
     *   <li>{@value #DANGLING_WORD}: the last word is one that cannot end a sentence, such as
     *       {@code and}, {@code the}, {@code of}, {@code is}, {@code therefore} (case-insensitive);
     *   <li>{@value #MID_SENTENCE}: the last line has at least {@value #MID_SENTENCE_MIN_WORDS}
     *       words, more than half of them alphabetic, and ends on a lower-case ASCII letter
     *       inside a word of at least two characters: prose cut before its full stop. Lines
     *       ending in a digit, a formula, a closing bracket or any punctuation never fire, nor do
     *       short lines like {@code Final answer: b}.
     * </ol>
     *
     * <p>Escaped characters ({@code \$}, <code>\&#123;</code>, {@code \\}) are not delimiters, and
     * rules 3 to 5 ignore the contents of code blocks. Empty or null traces return null: a
     * missing trace is a different problem (missing field). Text in scripts without Latin
     * punctuation conventions (Chinese) can only trigger rules 1 to 6.
     *
     * <p>Measured on complete real texts (MATH reference solutions, GSM8K solutions, OlympiadBench
     * solutions, Qwen2.5-Math and GPT-3 generated solutions; 20,695 texts) 6 are flagged, and 5
     * of those 6 really are cut off in the data. Cut at a random point, 33% (GSM8K) to 76%
     * (OlympiadBench) of the same texts are flagged.
     *
     * @param trace the trace text, may be null
     * @return null when the trace looks complete, else the rule name
     */
    public static String truncationReason(String trace) {
        if (trace == null) {
            return null;
        }
        String t = stripTrailing(trace);
        if (t.isEmpty()) {
            return null;
        }
        if (count(t, "<think>") > count(t, "</think>")) {
            return OPEN_THINK;
        }
        Delimiters d = Delimiters.scan(t);
        if (d.inCodeBlock) {
            return OPEN_CODE_BLOCK;
        }
        if (d.math == Delimiters.DISPLAY_DOLLARS || d.math == Delimiters.DISPLAY_BRACKETS) {
            return OPEN_DISPLAY_MATH;
        }
        if ((d.math == Delimiters.INLINE_DOLLAR || d.math == Delimiters.INLINE_PARENS)
                && d.mathOpenedAt > t.lastIndexOf('\n') && !endsWithSentencePunctuation(t)) {
            return OPEN_INLINE_MATH;
        }
        if (d.innermostOpenBrace >= 0 && d.innermostOpenBrace >= t.length() - BRACE_WINDOW) {
            return OPEN_BRACE;
        }
        if (DANGLING_CHARS.indexOf(t.charAt(t.length() - 1)) >= 0) {
            return DANGLING_PUNCTUATION;
        }
        String lastWord = lastWord(t);
        if (lastWord != null && DANGLING_WORDS.contains(lastWord.toLowerCase(Locale.ROOT))) {
            return DANGLING_WORD;
        }
        if (isCutProse(lastLine(t))) {
            return MID_SENTENCE;
        }
        return null;
    }

    private static String stripTrailing(String s) {
        int end = s.length();
        while (end > 0 && Character.isWhitespace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end);
    }

    private static int count(String s, String needle) {
        int c = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + needle.length())) {
            c++;
        }
        return c;
    }

    /** One pass over the text tracking math mode, code fences and open braces. */
    private static final class Delimiters {
        static final int TEXT = 0;
        static final int INLINE_DOLLAR = 1;
        static final int INLINE_PARENS = 2;
        static final int DISPLAY_DOLLARS = 3;
        static final int DISPLAY_BRACKETS = 4;

        int math = TEXT;
        int mathOpenedAt = -1;
        boolean inCodeBlock;
        int innermostOpenBrace = -1;

        static Delimiters scan(String t) {
            Delimiters d = new Delimiters();
            int[] braces = new int[16];
            int depth = 0;
            int n = t.length();
            int i = 0;
            while (i < n) {
                char c = t.charAt(i);
                if (c == '`' && t.startsWith("```", i)) {
                    d.inCodeBlock = !d.inCodeBlock;
                    i += 3;
                    continue;
                }
                if (d.inCodeBlock) {
                    // nothing but the closing fence counts inside a code block
                    int fence = t.indexOf("```", i);
                    if (fence < 0) {
                        break;
                    }
                    i = fence;
                    continue;
                }
                char next = i + 1 < n ? t.charAt(i + 1) : '\0';
                if (c == '\\') {
                    if (d.math == TEXT && (next == '[' || next == '(')) {
                        d.math = next == '[' ? DISPLAY_BRACKETS : INLINE_PARENS;
                        d.mathOpenedAt = i;
                    } else if ((d.math == DISPLAY_BRACKETS && next == ']')
                            || (d.math == INLINE_PARENS && next == ')')) {
                        d.math = TEXT;
                    }
                    i += 2; // the escaped character is never a delimiter
                    continue;
                }
                if (c == '$') {
                    if (d.math == TEXT) {
                        d.math = next == '$' ? DISPLAY_DOLLARS : INLINE_DOLLAR;
                        d.mathOpenedAt = i;
                        i += next == '$' ? 2 : 1;
                        continue;
                    }
                    if (d.math == INLINE_DOLLAR) {
                        d.math = TEXT; // "$x,$$y$": the first $ of $$ closes, the second opens
                    } else if (d.math == DISPLAY_DOLLARS && next == '$') {
                        d.math = TEXT;
                        i++;
                    }
                    i++;
                    continue;
                }
                if (c == '\n' && d.math == INLINE_DOLLAR && startsBlankLine(t, i + 1)) {
                    d.math = TEXT;
                } else if (c == '{') {
                    if (depth == braces.length) {
                        braces = Arrays.copyOf(braces, depth * 2);
                    }
                    braces[depth++] = i;
                } else if (c == '}' && depth > 0) {
                    depth--;
                }
                i++;
            }
            d.innermostOpenBrace = depth > 0 ? braces[depth - 1] : -1;
            return d;
        }

        private static boolean startsBlankLine(String t, int i) {
            while (i < t.length() && (t.charAt(i) == ' ' || t.charAt(i) == '\t')) {
                i++;
            }
            return i < t.length() && t.charAt(i) == '\n';
        }
    }

    private static String lastLine(String t) {
        return t.substring(t.lastIndexOf('\n') + 1).trim();
    }

    /** The trailing run of letters, or null when the text does not end with a letter. */
    private static String lastWord(String t) {
        int end = t.length();
        int start = end;
        while (start > 0 && Character.isLetter(t.charAt(start - 1))) {
            start--;
        }
        if (start == end || (start > 0 && t.charAt(start - 1) == '\\')) {
            return null; // not a word, or a LaTeX command such as \alpha
        }
        return t.substring(start, end);
    }

    private static boolean endsWithSentencePunctuation(String line) {
        if (line.isEmpty()) {
            return false;
        }
        char last = line.charAt(line.length() - 1);
        return last == '.' || last == '!' || last == '?' || last == ':' || last == '。'
                || last == '！' || last == '？';
    }

    private static boolean isCutProse(String line) {
        if (line.isEmpty()) {
            return false;
        }
        char last = line.charAt(line.length() - 1);
        if (last < 'a' || last > 'z') {
            return false;
        }
        String[] tokens = line.split("\\s+");
        if (tokens.length < MID_SENTENCE_MIN_WORDS) {
            return false;
        }
        int alphabetic = 0;
        for (String token : tokens) {
            if (token.chars().allMatch(ch -> Character.isLetter(ch) || ch == ',' || ch == '\'')) {
                alphabetic++;
            }
        }
        String lastToken = tokens[tokens.length - 1];
        // a one-letter last word is usually an answer choice or a variable ("... is option c")
        return alphabetic * 2 > tokens.length && lastToken.length() >= 2
                && lastToken.indexOf('\\') < 0 && lastToken.indexOf('$') < 0;
    }
}
