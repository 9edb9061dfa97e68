package dev.distill.udf.answer;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

/**
 * Rewrites an answer into a canonical string so that cosmetic LaTeX differences disappear:
 * {@code "$x = \dfrac{3}{4}$."} and {@code "\frac34"} both become {@code "\frac{3}{4}"}.
 */
public final class AnswerNormalizer {

    /** Commands whose argument is kept and whose wrapper is dropped. */
    private static final String[] TEXT_WRAPPERS = {
        "\\text", "\\textbf", "\\textit", "\\textrm", "\\textnormal", "\\mathrm", "\\mathbf", "\\mathit",
        "\\mathsf", "\\mbox", "\\boldsymbol", "\\bm", "\\operatorname", "\\hbox"
    };

    /** Spacing and sizing commands that carry no meaning in an answer. */
    private static final String[] DROPPED_COMMANDS = {
        "\\left", "\\right", "\\bigl", "\\bigr", "\\Bigl", "\\Bigr", "\\big", "\\Big", "\\displaystyle",
        "\\qquad", "\\quad", "\\limits", "\\nonumber"
    };

    /** Words after a number that are never taken for units. */
    private static final Set<String> KEEP_WORDS = Set.of("and", "or", "to", "of", "i", "pi", "sin", "cos", "tan", "log", "ln", "exp");

    /** An integer, one space, and a proper fraction of integers, not inside a longer number or fraction. */
    private static final java.util.regex.Pattern MIXED_NUMBER =
            java.util.regex.Pattern.compile("(?<![\\d.,/^_])(\\d{1,9}) (\\d{1,9})/(\\d{1,9})(?![\\d./^])");

    private AnswerNormalizer() {
    }

    /** Canonical form of an answer, keeping units; null stays null. */
    public static String normalize(String answer) {
        return normalize(answer, false);
    }

    /**
     * Canonical form of an answer; with {@code stripUnits}, trailing unit words after a number
     * ({@code "5 cm"}, {@code "12\text{ square feet}"}) are removed too. Null stays null.
     */
    public static String normalize(String answer, boolean stripUnits) {
        if (answer == null) {
            return null;
        }
        String s = answer.trim();
        if (s.isEmpty()) {
            return s;
        }
        s = replaceWhitespace(s);
        s = replaceUnicodeMath(s);
        s = s.replace("**", "");
        s = s.replace("\\$", "").replace("$", "");
        s = stripMathDelimiters(s.trim());
        s = unwrapWholeBoxed(s);
        // Protect "\\" (a LaTeX line break, as in matrices) and escaped braces from the rewrites below.
        s = s.replace("\\\\", "\u0003").replace("\\{", "\u0001").replace("\\}", "\u0002");
        s = s.replace("\\!", "").replace("\\,", "").replace("\\;", "").replace("\\:", "").replace("\\ ", " ");
        s = s.replace("{,}", ",").replace("\\%", "%");
        for (String command : DROPPED_COMMANDS) {
            s = Latex.removeCommand(s, command);
        }
        s = s.replace("\u0001", "\\{").replace("\u0002", "\\}").replace("\u0003", "\\\\");
        s = stripDegrees(s);
        s = s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac").replace("\\cfrac", "\\frac")
                .replace("\\dbinom", "\\binom").replace("\\tbinom", "\\binom");
        s = s.replace("\\leq", "\\le").replace("\\geq", "\\ge").replace("\\neq", "\\ne")
                .replace("\\varnothing", "\\emptyset").replace("\\lbrace", "\\{").replace("\\rbrace", "\\}")
                .replace("\\lvert", "|").replace("\\rvert", "|").replace("\\vert", "|");
        if (stripUnits) {
            s = stripTrailingTextUnits(s);
        }
        for (String wrapper : TEXT_WRAPPERS) {
            s = Latex.unwrapCommand(s, wrapper, " ", " ");
        }
        s = s.replace(" ^", "^").trim();
        s = joinAlternatives(s);
        s = mixedNumbers(s);
        s = stripTrailingPunctuation(s);
        s = stripDegreeWords(s);
        if (stripUnits) {
            s = stripTrailingUnitWords(s);
        }
        s = collapseThousands(s);
        s = braceShortArguments(s, "\\frac", 2);
        s = braceShortArguments(s, "\\sqrt", 1);
        // "1, 234" is a list; only an unspaced "1,234" may be a thousands-separated number.
        boolean spacedList = s.contains(", ");
        s = removeSpaces(s);
        s = stripAssignment(s);
        s = stripTrailingPunctuation(s);
        return spacedList ? s : collapseThousands(s);
    }

    /**
     * Writes the Unicode math that models print in LaTeX: {@code ×} and {@code ·} as products,
     * {@code −} as a minus, {@code π}, {@code ∞}, {@code ≤}, {@code ≥}, and {@code √23} or
     * {@code √x} as {@code \sqrt{23}} or {@code \sqrt{x}}.
     */
    static String replaceUnicodeMath(String s) {
        boolean any = false;
        for (int i = 0; i < s.length() && !any; i++) {
            any = s.charAt(i) >= 0x00b7;
        }
        if (!any) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\u00d7' -> out.append("\\times ");
                case '\u00b7', '\u22c5' -> out.append("\\cdot ");
                case '\u2212' -> out.append('-');
                case '\u03c0' -> out.append("\\pi ");
                case '\u221e' -> out.append("\\infty ");
                case '\u2264' -> out.append("\\le ");
                case '\u2265' -> out.append("\\ge ");
                case '\u221a' -> {
                    int end = i + 1;
                    while (end < s.length() && Character.isDigit(s.charAt(end))) {
                        end++;
                    }
                    if (end == i + 1) {
                        while (end < s.length() && end < i + 2 && Character.isLetter(s.charAt(end))) {
                            end++;
                        }
                    }
                    if (end > i + 1) {
                        out.append("\\sqrt{").append(s, i + 1, end).append('}');
                        i = end - 1;
                    } else {
                        out.append("\\sqrt");
                    }
                }
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * Numeric alternatives joined by words become a list: {@code x = 2 or x = 3} and
     * {@code 2 and 3} read as {@code x = 2, x = 3} and {@code 2, 3}. Only answers holding a
     * digit are touched, so text answers keep their words.
     */
    static String joinAlternatives(String s) {
        if (!Latex.containsDigit(s) || (!s.contains(" or ") && !s.contains(" and "))) {
            return s;
        }
        return s.replaceAll(" +(?:or|and) +", ", ");
    }

    /** A mixed number written in plain text, {@code 2 1/2}, becomes {@code 2\frac{1}{2}} (two and a half). */
    static String mixedNumbers(String s) {
        if (s.indexOf('/') < 0 || s.indexOf(' ') < 0) {
            return s;
        }
        java.util.regex.Matcher m = MIXED_NUMBER.matcher(s);
        StringBuilder out = new StringBuilder(s.length() + 8);
        boolean changed = false;
        while (m.find()) {
            if (new java.math.BigInteger(m.group(2)).compareTo(new java.math.BigInteger(m.group(3))) >= 0) {
                continue;
            }
            m.appendReplacement(out, m.group(1) + "\\\\frac{" + m.group(2) + "}{" + m.group(3) + "}");
            changed = true;
        }
        if (!changed) {
            return s;
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Drops {@code $}, bold markers and whole-answer {@code \text{}}-style wrappers; used for letters. */
    static String stripWrappers(String s) {
        String t = s.replace("**", "").replace("$", "");
        for (String wrapper : TEXT_WRAPPERS) {
            t = Latex.unwrapCommand(t, wrapper, "", "");
        }
        return stripMathDelimiters(t.trim());
    }

    private static String replaceWhitespace(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n' || c == '\r' || c == '\t' || c == '\u00a0') {
                if (out == null) {
                    out = new StringBuilder(s.length()).append(s, 0, i);
                }
                out.append(' ');
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? s : out.toString();
    }

    private static String unwrapWholeBoxed(String s) {
        for (String box : new String[] {"\\boxed", "\\fbox"}) {
            if (s.startsWith(box)) {
                int open = Latex.skipSpaces(s, box.length());
                if (open < s.length() && s.charAt(open) == '{') {
                    int close = Latex.matchingBrace(s, open);
                    if (close == s.length() - 1) {
                        return s.substring(open + 1, close).trim();
                    }
                }
            }
        }
        return s;
    }

    private static String stripMathDelimiters(String s) {
        String t = s;
        if ((t.startsWith("\\(") && t.endsWith("\\)")) || (t.startsWith("\\[") && t.endsWith("\\]"))) {
            t = t.substring(2, t.length() - 2).trim();
        }
        return t;
    }

    private static String stripDegrees(String s) {
        String t = s;
        if (t.indexOf('\u00b0') >= 0) {
            t = t.replace("\u00b0", "");
        }
        if (t.contains("\\circ")) {
            t = t.replace("^{\\circ}", "").replace("^\\circ", "").replace("^{\\circ }", "").replace("\\circ", "");
        }
        if (t.contains("\\degree")) {
            t = Latex.removeCommand(t, "\\degree");
        }
        return t;
    }

    private static String stripDegreeWords(String s) {
        String lower = s.toLowerCase(Locale.ROOT);
        for (String word : new String[] {" degrees", " degree", "degrees", "degree"}) {
            if (lower.endsWith(word) && lower.length() > word.length()) {
                char before = s.charAt(s.length() - word.length() - 1);
                if (Character.isDigit(before) || before == ' ' || before == '}') {
                    return s.substring(0, s.length() - word.length()).trim();
                }
            }
        }
        return s;
    }

    private static String stripTrailingPunctuation(String s) {
        String t = s.trim();
        while (!t.isEmpty()) {
            char last = t.charAt(t.length() - 1);
            if (last == '.' && !t.endsWith("\\.")) {
                t = t.substring(0, t.length() - 1).trim();
            } else if (t.endsWith("\\\\")) {
                t = t.substring(0, t.length() - 2).trim();
            } else {
                break;
            }
        }
        return t;
    }

    /**
     * Removes trailing {@code \text{ cm}}-style groups (optionally followed by {@code ^2}) whose
     * content has no digits, as long as what precedes them holds a digit.
     */
    private static String stripTrailingTextUnits(String s) {
        String t = s.trim();
        for (int round = 0; round < 3; round++) {
            String next = stripOneTextUnit(t);
            if (next.equals(t)) {
                return t;
            }
            t = next;
        }
        return t;
    }

    private static String stripOneTextUnit(String t) {
        String body = t;
        int caret = body.lastIndexOf('^');
        if (caret > 0 && caret >= body.length() - 4 && isPowerSuffix(body.substring(caret))) {
            body = body.substring(0, caret).trim();
        }
        if (!body.endsWith("}")) {
            return t;
        }
        int open = openingBraceOfLastGroup(body);
        if (open <= 0) {
            return t;
        }
        int commandStart = body.lastIndexOf('\\', open);
        if (commandStart < 0) {
            return t;
        }
        String command = body.substring(commandStart, open).trim();
        if (!(command.equals("\\text") || command.equals("\\mbox") || command.equals("\\mathrm")
                || command.equals("\\textrm") || command.equals("\\textnormal"))) {
            return t;
        }
        String content = body.substring(open + 1, body.length() - 1).trim();
        String head = body.substring(0, commandStart).trim();
        if (content.isEmpty() || !isUnitText(content) || !Latex.containsDigit(head) || endsWithOperator(head)) {
            return t;
        }
        return head;
    }

    private static boolean isPowerSuffix(String s) {
        return s.equals("^2") || s.equals("^3") || s.equals("^{2}") || s.equals("^{3}");
    }

    private static int openingBraceOfLastGroup(String body) {
        int depth = 0;
        for (int i = body.length() - 1; i >= 0; i--) {
            char c = body.charAt(i);
            boolean escaped = i > 0 && body.charAt(i - 1) == '\\';
            if (escaped) {
                continue;
            }
            if (c == '}') {
                depth++;
            } else if (c == '{') {
                depth--;
                if (depth == 0) {
                    return i;
                }
            }
        }
        return -1;
    }

    private static boolean isUnitText(String content) {
        boolean letter = false;
        for (int i = 0; i < content.length(); i++) {
            char c = content.charAt(i);
            if (Character.isLetter(c)) {
                letter = true;
            } else if (!(c == ' ' || c == '.' || c == '/' || c == '-' || c == '^' || c == '2' || c == '3')) {
                return false;
            }
        }
        if (!letter) {
            return false;
        }
        String first = content.trim().split(" ", 2)[0].toLowerCase(Locale.ROOT);
        return !first.equals("and") && !first.equals("or");
    }

    /** Drops trailing alphabetic words (two letters or more) that follow a number: {@code "5 cm"}, {@code "10 square units"}. */
    private static String stripTrailingUnitWords(String s) {
        String t = s.trim();
        if (t.indexOf(' ') < 0) {
            return t;
        }
        String[] tokens = t.split(" +");
        int keep = tokens.length;
        while (keep > 1 && isUnitWord(tokens[keep - 1])) {
            keep--;
        }
        if (keep == tokens.length) {
            return t;
        }
        String head = String.join(" ", Arrays.asList(tokens).subList(0, keep));
        if (!Latex.containsDigit(head) || endsWithOperator(head) || !Character.isDigit(lastNonSpace(head)) && lastNonSpace(head) != '}') {
            return t;
        }
        return head;
    }

    private static char lastNonSpace(String s) {
        String t = s.trim();
        return t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
    }

    private static boolean isUnitWord(String token) {
        String word = token;
        if (word.endsWith(".")) {
            word = word.substring(0, word.length() - 1);
        }
        int caret = word.indexOf('^');
        if (caret > 0 && isPowerSuffix(word.substring(caret))) {
            word = word.substring(0, caret);
        }
        if (word.length() < 2 || KEEP_WORDS.contains(word.toLowerCase(Locale.ROOT))) {
            return false;
        }
        for (int i = 0; i < word.length(); i++) {
            char c = word.charAt(i);
            if (!Character.isLetter(c) && c != '/') {
                return false;
            }
        }
        return true;
    }


    private static boolean endsWithOperator(String s) {
        char c = lastNonSpace(s);
        return c == '+' || c == '-' || c == '*' || c == '/' || c == '=' || c == '^' || c == '(' || c == ',';
    }

    /** {@code 1,000} or {@code -12,345.5} becomes {@code 1000}; a tuple such as {@code 1,2} or {@code 1, 234} is left alone. */
    static String collapseThousands(String s) {
        int n = s.length();
        if (n < 5 || s.indexOf(',') < 0) {
            return s;
        }
        int i = 0;
        if (s.charAt(0) == '-' || s.charAt(0) == '+') {
            i = 1;
        }
        int firstGroup = 0;
        while (i < n && Character.isDigit(s.charAt(i))) {
            i++;
            firstGroup++;
        }
        if (firstGroup < 1 || firstGroup > 3) {
            return s;
        }
        int groups = 0;
        while (i < n && s.charAt(i) == ',') {
            int j = i + 1;
            int digits = 0;
            while (j < n && Character.isDigit(s.charAt(j))) {
                j++;
                digits++;
            }
            if (digits != 3) {
                return s;
            }
            groups++;
            i = j;
        }
        if (groups == 0) {
            return s;
        }
        if (i < n) {
            if (s.charAt(i) != '.') {
                return s;
            }
            int j = i + 1;
            while (j < n && Character.isDigit(s.charAt(j))) {
                j++;
            }
            if (j != n || j == i + 1) {
                return s;
            }
        }
        return s.replace(",", "");
    }

    /**
     * Puts braces around single-token arguments: {@code \frac12} and {@code \frac ab} become
     * {@code \frac{1}{2}} and {@code \frac{a}{b}}; {@code \sqrt2} becomes {@code \sqrt{2}}.
     */
    static String braceShortArguments(String s, String command, int arguments) {
        return braceShortArguments(s, command, arguments, 0);
    }

    private static String braceShortArguments(String s, String command, int arguments, int depth) {
        if (!s.contains(command) || depth > Latex.MAX_NESTING) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length() + 8);
        int i = 0;
        while (i < s.length()) {
            if (s.charAt(i) == '\\' && Latex.commandAt(s, i, command)) {
                out.append(command);
                i += command.length();
                for (int a = 0; a < arguments; a++) {
                    int j = Latex.skipSpaces(s, i);
                    if (j >= s.length()) {
                        break;
                    }
                    char c = s.charAt(j);
                    if (c == '{') {
                        int close = Latex.matchingBrace(s, j);
                        if (close < 0) {
                            break;
                        }
                        out.append(braceShortArguments(s.substring(j, close + 1), command, arguments, depth + 1));
                        i = close + 1;
                    } else if (c == '[' && command.equals("\\sqrt") && a == 0) {
                        int close = s.indexOf(']', j);
                        if (close < 0) {
                            break;
                        }
                        out.append(s, j, close + 1);
                        i = close + 1;
                        a--;
                    } else if (c == '\\') {
                        int k = j + 1;
                        while (k < s.length() && Character.isLetter(s.charAt(k))) {
                            k++;
                        }
                        if (k == j + 1) {
                            break;
                        }
                        out.append('{').append(s, j, k).append('}');
                        i = k;
                    } else if (Character.isLetterOrDigit(c)) {
                        out.append('{').append(c).append('}');
                        i = j + 1;
                    } else {
                        break;
                    }
                }
            } else {
                out.append(s.charAt(i));
                i++;
            }
        }
        return out.toString();
    }

    private static String removeSpaces(String s) {
        if (s.indexOf(' ') < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != ' ') {
                out.append(c);
                continue;
            }
            int next = i;
            while (next < s.length() && s.charAt(next) == ' ') {
                next++;
            }
            // Keep a control word from fusing with the next letter: "\pi r" must not become "\pir".
            if (next < s.length() && Character.isLetter(s.charAt(next)) && endsWithControlWord(s, i)) {
                out.append(' ');
            }
            i = next - 1;
        }
        return out.toString();
    }

    private static boolean endsWithControlWord(String s, int spaceAt) {
        int k = spaceAt - 1;
        while (k >= 0 && Character.isLetter(s.charAt(k))) {
            k--;
        }
        return k >= 0 && k < spaceAt - 1 && s.charAt(k) == '\\';
    }

    /**
     * Drops a leading single-variable assignment such as {@code x=}, {@code k=}, {@code a_1=} or
     * {@code f(x)=} when it is the only '=', and a leading {@code x\in}.
     */
    static String stripAssignment(String s) {
        int in = s.indexOf("\\in");
        if (in > 0 && Latex.commandAt(s, in, "\\in") && isSingleVariable(s.substring(0, in).trim())) {
            return s.substring(in + 3).trim();
        }
        int eq = s.indexOf('=');
        if (eq <= 0 || eq != s.lastIndexOf('=') || eq == s.length() - 1) {
            return s;
        }
        String lhs = s.substring(0, eq).trim();
        if (isSingleVariable(lhs) || isFunctionOfOneVariable(lhs)) {
            return s.substring(eq + 1);
        }
        return s;
    }

    /** {@code f(x)}, {@code g(t)}, {@code p(x)}: a one-letter function name applied to one letter. */
    private static boolean isFunctionOfOneVariable(String lhs) {
        return lhs.length() == 4 && Character.isLetter(lhs.charAt(0)) && lhs.charAt(1) == '('
                && Character.isLetter(lhs.charAt(2)) && lhs.charAt(3) == ')';
    }

    private static boolean isSingleVariable(String lhs) {
        int i = 0;
        if (lhs.startsWith("\\")) {
            int k = 1;
            while (k < lhs.length() && Character.isLetter(lhs.charAt(k))) {
                k++;
            }
            String name = lhs.substring(1, k);
            if (!ExpressionParser.isGreekLetter(name)) {
                return false;
            }
            i = k;
        } else if (!lhs.isEmpty() && Character.isLetter(lhs.charAt(0))) {
            i = 1;
        } else {
            return false;
        }
        if (i == lhs.length()) {
            return true;
        }
        if (lhs.charAt(i) != '_') {
            return false;
        }
        String sub = lhs.substring(i + 1);
        if (sub.startsWith("{") && sub.endsWith("}")) {
            sub = sub.substring(1, sub.length() - 1);
        }
        if (sub.isEmpty() || sub.length() > 3) {
            return false;
        }
        for (int k = 0; k < sub.length(); k++) {
            if (!Character.isLetterOrDigit(sub.charAt(k))) {
                return false;
            }
        }
        return true;
    }
}
