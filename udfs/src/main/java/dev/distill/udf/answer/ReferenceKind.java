package dev.distill.udf.answer;

import java.util.Locale;
import java.util.regex.Pattern;

/** What kind of value a reference answer is; it decides which extraction fallbacks apply. */
public enum ReferenceKind {
    /** A multiple-choice letter A-J. */
    LETTER,
    /** A plain number: integer, decimal, fraction, mixed number or percentage. */
    NUMBER,
    /** Anything else: an expression, tuple, interval, set or text. */
    EXPRESSION;

    private static final Pattern DECIMAL = Pattern.compile("[-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?%?");
    private static final Pattern SLASH_FRACTION = Pattern.compile("[-+]?\\d+/\\d+");
    private static final Pattern LATEX_FRACTION = Pattern.compile("[-+]?\\d*\\\\frac\\{\\d+\\}\\{\\d+\\}");

    /** Classifies a reference answer: LETTER for "C" or "(C)", NUMBER for "1,000", "0.5", "3/4", "50%", else EXPRESSION. */
    public static ReferenceKind detect(String reference) {
        if (reference == null) {
            return EXPRESSION;
        }
        if (letterOf(reference, true) != null) {
            return LETTER;
        }
        String normalized = AnswerNormalizer.normalize(reference);
        return normalized != null && isNumber(normalized) ? NUMBER : EXPRESSION;
    }

    /** True for a normalized answer that is a single plain number (see {@link #NUMBER}). */
    static boolean isNumber(String normalized) {
        if (normalized.isEmpty() || normalized.length() > 200) {
            return false;
        }
        return DECIMAL.matcher(normalized).matches()
                || SLASH_FRACTION.matcher(normalized).matches()
                || LATEX_FRACTION.matcher(normalized).matches();
    }

    /**
     * The upper-case choice letter A-J that {@code text} names ("C", "(C)", "\text{(C)}", "**C**",
     * "Option C"), or null. When {@code whole} is false, trailing text after the letter is allowed
     * ("(C) 42", "C. 42"), which suits a model's answer but not a reference.
     */
    static String letterOf(String text, boolean whole) {
        if (text == null) {
            return null;
        }
        String s = text.trim();
        if (s.length() > 300) {
            return null;
        }
        if (s.indexOf('\\') >= 0 || s.indexOf('$') >= 0 || s.indexOf('*') >= 0) {
            s = AnswerNormalizer.stripWrappers(s).trim();
        }
        String lower = s.toLowerCase(Locale.ROOT);
        for (String prefix : new String[] {"option", "choice"}) {
            if (lower.startsWith(prefix)) {
                s = s.substring(prefix.length()).trim();
                break;
            }
        }
        int i = 0;
        boolean paren = false;
        if (i < s.length() && s.charAt(i) == '(') {
            paren = true;
            i++;
        }
        if (i >= s.length()) {
            return null;
        }
        char c = Character.toUpperCase(s.charAt(i));
        if (c < 'A' || c > 'J' || (whole && !Character.isUpperCase(s.charAt(i)))) {
            return null;
        }
        i++;
        if (paren) {
            if (i >= s.length() && !whole) {
                return String.valueOf(c); // "(I" cut off at the end of a truncated response
            }
            if (i >= s.length() || s.charAt(i) != ')') {
                return null;
            }
            i++;
        }
        String rest = s.substring(i).trim();
        if (whole) {
            return rest.isEmpty() || rest.equals(".") ? String.valueOf(c) : null;
        }
        if (rest.isEmpty()) {
            return String.valueOf(c);
        }
        char next = rest.charAt(0);
        boolean separated = i < s.length() && Character.isWhitespace(s.charAt(i));
        if (next == ')' || next == '.' || next == ':' || next == ',') {
            return String.valueOf(c);
        }
        // "(C) 42" or "C 42" is fine, "Cat" or "C+1" is not.
        if ((paren || separated) && !Character.isLetter(next) && next != '+' && next != '-' && next != '^' && next != '=') {
            return String.valueOf(c);
        }
        if (paren) {
            return String.valueOf(c);
        }
        return null;
    }
}
