package dev.distill.udf.tokens;

/**
 * Cuts a text to at most a number of tokens of a {@link TokenCounter}, at a character boundary.
 *
 * <p>The cut is the longest prefix whose own token count is within the limit, found by binary
 * search over code-point boundaries (about 20 counts for a 100,000-character text), so it works
 * for any counter, exact or estimated. Byte-level BPE counts of prefixes are not strictly
 * monotone at the cut, so the result is checked: its count never exceeds the limit.
 */
public final class TokenTruncation {

    private TokenTruncation() {}

    /**
     * The longest prefix of {@code text} with at most {@code maxTokens} tokens.
     *
     * @param counter the tokenizer that decides
     * @param text the text; null stays null
     * @param maxTokens the limit, at least 0
     * @return {@code text} itself when it fits, otherwise its longest prefix that fits
     */
    public static String prefix(TokenCounter counter, String text, int maxTokens) {
        if (maxTokens < 0) {
            throw new IllegalArgumentException("Cannot truncate to " + maxTokens + " tokens: the limit must be >= 0");
        }
        if (text == null || counter.count(text) <= maxTokens) {
            return text;
        }
        int low = 0;
        int high = text.length();
        // Invariant: count(text[0, low)) <= maxTokens < count(text[0, high)).
        while (high - low > 1) {
            int mid = boundary(text, low + (high - low) / 2);
            if (mid <= low) {
                mid = boundary(text, low + 1 + (high - low) / 2);
            }
            if (mid <= low || mid >= high) {
                break;
            }
            if (counter.count(text.substring(0, mid)) <= maxTokens) {
                low = mid;
            } else {
                high = mid;
            }
        }
        return text.substring(0, low);
    }

    /** {@code index}, moved back one char when it would split a surrogate pair. */
    private static int boundary(String text, int index) {
        if (index > 0 && index < text.length() && Character.isLowSurrogate(text.charAt(index))
                && Character.isHighSurrogate(text.charAt(index - 1))) {
            return index - 1;
        }
        return index;
    }
}
