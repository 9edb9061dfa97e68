package dev.distill.udf.answer;

import java.util.ArrayList;
import java.util.List;

/** Small brace-aware helpers for LaTeX fragments; all linear scans, no regular expressions. */
final class Latex {

    /** Deeper nesting than this is left as it is rather than recursed into. */
    static final int MAX_NESTING = 64;

    private Latex() {
    }

    /**
     * Index of the '}' closing the '{' at {@code open}, or -1 if unbalanced. Escaped braces
     * ({@code \{}, {@code \}}) do not count, and {@code \\} is skipped as a unit.
     */
    static int matchingBrace(String s, int open) {
        return matchingClose(s, open, '{', '}');
    }

    /** Like {@link #matchingBrace} for any pair of bracket characters. */
    static int matchingClose(String s, int open, char openChar, char closeChar) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                i++;
                continue;
            }
            if (c == openChar) {
                depth++;
            } else if (c == closeChar) {
                depth--;
                if (depth == 0) {
                    return i;
                }
            }
        }
        return -1;
    }

    /** True when {@code s} has the control word {@code command} (with backslash) at {@code at}, not a longer word. */
    static boolean commandAt(String s, int at, String command) {
        if (!s.startsWith(command, at)) {
            return false;
        }
        int end = at + command.length();
        return end >= s.length() || !Character.isLetter(s.charAt(end));
    }

    /** Removes every occurrence of a control word (for example {@code \left}) that is not part of a longer word. */
    static String removeCommand(String s, String command) {
        if (!s.contains(command)) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            if (s.charAt(i) == '\\' && commandAt(s, i, command)) {
                i += command.length();
            } else {
                out.append(s.charAt(i));
                i++;
            }
        }
        return out.toString();
    }

    /**
     * Replaces each {@code command{content}} by {@code prefix + content + suffix}; nested uses are
     * unwrapped too. An unbalanced group just loses its command word.
     */
    static String unwrapCommand(String s, String command, String prefix, String suffix) {
        return unwrapCommand(s, command, prefix, suffix, 0);
    }

    private static String unwrapCommand(String s, String command, String prefix, String suffix, int depth) {
        if (!s.contains(command) || depth > MAX_NESTING) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            if (s.charAt(i) == '\\' && commandAt(s, i, command)) {
                int j = skipSpaces(s, i + command.length());
                if (j < s.length() && s.charAt(j) == '{') {
                    int close = matchingBrace(s, j);
                    if (close > 0) {
                        String inner = unwrapCommand(s.substring(j + 1, close), command, prefix, suffix, depth + 1);
                        out.append(prefix).append(inner).append(suffix);
                        i = close + 1;
                        continue;
                    }
                }
                i += command.length();
                continue;
            }
            out.append(s.charAt(i));
            i++;
        }
        return out.toString();
    }

    static int skipSpaces(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /**
     * Splits on {@code separator} at nesting depth zero of (), [], {} (escaped braces count as
     * brackets too, so {@code \{1,2\}} stays whole). Returns a single element when there is none.
     */
    static List<String> splitTopLevel(String s, char separator) {
        return splitTopLevel(s, separator, null);
    }

    /** Splits on a control word such as {@code \cup} at depth zero. */
    static List<String> splitTopLevel(String s, String command) {
        return splitTopLevel(s, '\0', command);
    }

    private static List<String> splitTopLevel(String s, char separator, String command) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                if (command != null && depth == 0 && commandAt(s, i, command)) {
                    parts.add(s.substring(start, i));
                    i += command.length() - 1;
                    start = i + 1;
                    continue;
                }
                if (i + 1 < s.length()) {
                    depth += escapedBraceDepth(s.charAt(i + 1));
                }
                i++;
                continue;
            }
            int delta = bracketDepth(c);
            if (delta != 0) {
                depth += delta;
            } else if (command == null && c == separator && depth == 0) {
                parts.add(s.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(s.substring(start));
        return parts;
    }

    /** Whether the brackets of {@code inner} balance without closing early, as in {@code (1)(2)}. */
    static boolean balanced(String inner) {
        int depth = 0;
        for (int i = 0; i < inner.length(); i++) {
            char c = inner.charAt(i);
            if (c == '\\') {
                i++;
                continue;
            }
            depth += bracketDepth(c);
            if (depth < 0) {
                return false;
            }
        }
        return depth == 0;
    }

    static boolean containsDigit(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isDigit(s.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    private static int bracketDepth(char c) {
        if (c == '(' || c == '[' || c == '{') {
            return 1;
        }
        return c == ')' || c == ']' || c == '}' ? -1 : 0;
    }

    private static int escapedBraceDepth(char c) {
        return c == '{' ? 1 : c == '}' ? -1 : 0;
    }
}
