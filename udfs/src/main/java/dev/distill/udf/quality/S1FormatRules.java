package dev.distill.udf.quality;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The four formatting rules of s1's quality filter (S1.md, selection step 2): questions that
 * refer to figures or are split into numbered sub-problems are dropped because a text-only
 * model cannot use them.
 */
public final class S1FormatRules {

    /** The question draws an Asymptote figure. */
    public static final String ASY_FIGURE = "asy_figure";
    /** The question links an image. */
    public static final String IMAGE_REFERENCE = "image_reference";
    /** The question is numbered like a problem set ({@code p1.}, {@code p2.}, ...). */
    public static final String NUMBERED_SUBPROBLEMS = "numbered_subproblems";
    /** The question has bold markup containing a digit ({@code **Problem 3**}-style headers). */
    public static final String BOLD_NUMBERED = "bold_numbered";

    // Python 3 semantics of s1's re.search: Unicode \d and \s, and '.' stops only at '\n'.
    private static final int PYTHON_LIKE = Pattern.UNICODE_CHARACTER_CLASS | Pattern.UNIX_LINES;

    private static final Pattern BOLD =
            Pattern.compile("\\*\\*(?=.*\\d)[^\\s\\]]*\\*\\*", PYTHON_LIKE);
    // explicit look-behind rather than \b, whose meaning changed in JDK 19
    private static final Pattern NUMBERED = Pattern.compile("(?<![A-Za-z0-9_])p\\d{1,3}\\.");
    // s1's `any(f"p{i}." in q for i in range(1, 1000))`: no boundary, no leading zero
    private static final Pattern NUMBERED_AS_RELEASED = Pattern.compile("p[1-9]\\d{0,2}\\.");

    private S1FormatRules() {}

    /**
     * The first of s1's formatting rules that the question breaks, checked in this order:
     *
     * <ol>
     *   <li>{@value #ASY_FIGURE}: contains {@code [asy]}, unless {@code source} contains {@code
     *       aime} in any case (AIME problems are kept with their figures, as in s1);
     *   <li>{@value #IMAGE_REFERENCE}: contains {@code ![Image]};
     *   <li>{@value #NUMBERED_SUBPROBLEMS}: {@code p} followed by 1 to 3 digits and a dot ({@code
     *       p1.} to {@code p999.}), where the {@code p} starts a word, i.e. is not preceded by an
     *       ASCII letter, digit or underscore (so {@code step1.} does not count);
     *   <li>{@value #BOLD_NUMBERED}: matches s1's regex {@code \*\*(?=.*\d)[^\s\]]*\*\*} with
     *       Python's semantics (the look-ahead stays on the current line).
     * </ol>
     *
     * <p>Differences from the released s1 code, which {@link #violationAsReleased} reproduces: the
     * word boundary before {@code p}, the case-insensitive {@code aime} and, in s1, an AIME
     * question with {@code [asy]} was kept even if it broke another rule.
     *
     * @param question the question text; null breaks no rule
     * @param source the source name (for example {@code AI-MO/NuminaMath-CoT/aops_forum}), may be
     *     null
     * @return null when the question passes, else the rule name
     */
    public static String violation(String question, String source) {
        if (question == null) {
            return null;
        }
        if (question.contains("[asy]")
                && (source == null || !source.toLowerCase(Locale.ROOT).contains("aime"))) {
            return ASY_FIGURE;
        }
        return otherViolation(question, NUMBERED);
    }

    /**
     * The rules exactly as s1's released filtering code applied them: {@code p1.} to {@code p999.}
     * anywhere (also inside {@code step1.}); and a question containing {@code [asy]} whose source
     * contains {@code AIME} (case-sensitive) is kept whatever else it contains. Use it to
     * reproduce s1's counts; prefer {@link #violation}.
     *
     * @param question the question text; null breaks no rule
     * @param source the source name, may be null
     * @return null when the question passes, else the rule name
     */
    public static String violationAsReleased(String question, String source) {
        if (question == null) {
            return null;
        }
        if (question.contains("[asy]")) {
            return source != null && source.contains("AIME") ? null : ASY_FIGURE;
        }
        return otherViolation(question, NUMBERED_AS_RELEASED);
    }

    private static String otherViolation(String question, Pattern numbered) {
        if (question.contains("![Image]")) {
            return IMAGE_REFERENCE;
        }
        if (numbered.matcher(question).find()) {
            return NUMBERED_SUBPROBLEMS;
        }
        if (question.contains("**") && BOLD.matcher(question).find()) {
            return BOLD_NUMBERED;
        }
        return null;
    }
}
