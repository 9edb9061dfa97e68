package dev.distill.udf.tokens;

import dev.distill.udf.text.TextNormalizer;

/**
 * Token count estimate for when no tokenizer file is configured; {@link #exact()} is false.
 *
 * <p>A linear model over character classes, fitted (least squares on relative error, corpora
 * weighted equally) to exact counts of the Qwen2.5 tokenizer ({@code
 * shared/tokenizers/qwen/tokenizer.json}) on 7,439 real texts, 1.66M tokens: MATH problems and
 * solutions, GSM8K solutions, MMLU-Pro questions, OlympiadBench English solutions and Chinese
 * questions and solutions, GAOKAO Chinese questions and answers, and Qwen2.5-Math chain-of-thought
 * responses:
 *
 * <pre>
 * tokens = 0.70 * words     (runs of ASCII letters)
 *        + 1.07 * digits    (ASCII digits: Qwen splits numbers into single digits)
 *        + 0.75 * symbols   (other printable ASCII: punctuation, LaTeX, operators)
 *        + 0.37 * spaces    (space, tab, carriage return)
 *        + 0.53 * newlines
 *        + 0.76 * cjk       (Han, Kana, Hangul, Bopomofo characters)
 *        + 0.92 * other     (any other non-ASCII code point)
 * </pre>
 *
 * rounded to the nearest integer (at least 1 for non-empty text). Fit on one random half and
 * checked on the other: median absolute error per text 3.0%, 90th percentile 8.6%; the total over
 * each corpus is within 0.96 to 1.02 of the exact total (Chinese olympiad questions 0.97, MATH
 * solutions 1.00, CoT responses 1.02). For comparison, a flat {@code chars / 3.6} under-counts
 * MATH solutions by 28% (they have 2.6 characters per token; MMLU-Pro prose 3.7, Chinese text
 * 1.4 to 1.7). Code with deep indentation is over-counted, since runs of spaces merge into one
 * token.
 */
public final class EstimatedTokenCounter implements TokenCounter {

    private static final long serialVersionUID = 1L;

    static final double PER_WORD = 0.70;
    static final double PER_DIGIT = 1.07;
    static final double PER_SYMBOL = 0.75;
    static final double PER_SPACE = 0.37;
    static final double PER_NEWLINE = 0.53;
    static final double PER_CJK = 0.76;
    static final double PER_OTHER = 0.92;

    /**
     * Estimated number of Qwen2.5 tokens of {@code text}.
     *
     * @param text the text; null and empty count 0
     * @return the estimate, at least 1 for non-empty text
     */
    @Override
    public int count(String text) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        int words = 0;
        int digits = 0;
        int symbols = 0;
        int spaces = 0;
        int newlines = 0;
        int cjk = 0;
        int other = 0;
        boolean inWord = false;
        for (int i = 0, n = text.length(); i < n; ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            boolean letter = (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
            if (letter) {
                if (!inWord) {
                    words++;
                }
            } else if (cp >= '0' && cp <= '9') {
                digits++;
            } else if (cp == ' ' || cp == '\t' || cp == '\r') {
                spaces++;
            } else if (cp == '\n') {
                newlines++;
            } else if (cp < 0x80) {
                symbols++;
            } else if (TextNormalizer.isCjk(cp)
                    || Character.UnicodeScript.of(cp) == Character.UnicodeScript.HANGUL) {
                cjk++;
            } else {
                other++;
            }
            inWord = letter;
        }
        double estimate = PER_WORD * words + PER_DIGIT * digits + PER_SYMBOL * symbols
                + PER_SPACE * spaces + PER_NEWLINE * newlines + PER_CJK * cjk + PER_OTHER * other;
        return (int) Math.max(1, Math.round(estimate));
    }

    /** @return {@code estimated} */
    @Override
    public String name() {
        return "estimated";
    }

    /** @return false */
    @Override
    public boolean exact() {
        return false;
    }
}
