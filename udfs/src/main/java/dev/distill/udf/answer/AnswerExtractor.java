package dev.distill.udf.answer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the final answer in a free-text model response: the last {@code \boxed{}}, else the last
 * textual marker ("The answer is", "Final Answer:", "Answer:", "#### N", "A: N"), else, depending on
 * the kind of reference, a multiple-choice letter or the last number.
 */
public final class AnswerExtractor {

    // Rule names reported in Extraction.rule().
    public static final String BOXED = "boxed";
    public static final String FBOX = "fbox";
    public static final String THE_ANSWER_IS = "the_answer_is";
    public static final String ANSWER_COLON = "answer_colon";
    public static final String FINAL_ANSWER = "final_answer";
    public static final String GSM8K_HASHES = "gsm8k_hashes";
    public static final String A_COLON = "a_colon";
    public static final String MC_LETTER = "mc_letter";
    public static final String LAST_NUMBER = "last_number";

    private static final int MAX_SPAN = 300;
    private static final int LETTER_TAIL = 400;

    /** "answer:" with optional bold or spaces before the colon, on ASCII-lower-cased text. */
    private static final Pattern ANSWER_COLON_MARK = Pattern.compile("answer[ \\t]{0,3}(?:\\*\\*)?[ \\t]{0,3}:");
    private static final Pattern NUMBER = Pattern.compile("-?\\d[\\d,]*(?:\\.\\d+)?(?:/\\d+)?");
    private static final Pattern BOLD_LETTER = Pattern.compile("\\*\\*[ \\t]*\\(?([A-J])\\)?[ \\t]*[.:)]?[ \\t]*\\*\\*");
    private static final Pattern PAREN_LETTER = Pattern.compile("\\(([A-J])\\)");
    private static final Pattern OPTION_LETTER = Pattern.compile("(?:[Oo]ption|[Cc]hoice)[ \\t]*\\(?([A-J])\\)?(?![A-Za-z])");
    /** "the correct option is C", "the best choice is (B)": a letter stated as the chosen option. */
    private static final Pattern OPTION_IS_LETTER =
            Pattern.compile("(?:[Oo]ption|[Cc]hoice)[ \\t]+is[ \\t]*:?[ \\t]*(?:\\*\\*)?\\(?([A-J])\\)?(?![A-Za-z0-9])");
    private static final Pattern LONE_LETTER = Pattern.compile("(?m)^[ \\t]*\\(?([A-J])\\)?[.:]?[ \\t]*$");

    private AnswerExtractor() {
    }

    /** The final answer of a response with no assumption about the reference, or null if none is found. */
    public static Extraction extract(String response) {
        return extract(response, ReferenceKind.EXPRESSION);
    }

    /**
     * The final answer of a response, using fallbacks that suit the reference kind: a bare
     * choice letter for LETTER, the last number for NUMBER. Null if nothing is found; never throws.
     */
    public static Extraction extract(String response, ReferenceKind kind) {
        if (response == null || response.isBlank()) {
            return null;
        }
        ReferenceKind k = kind == null ? ReferenceKind.EXPRESSION : kind;
        try {
            return extractChecked(response, k);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * The content of the last {@code \boxed{...}} or {@code \fbox{...}} (nested braces handled), or
     * the token after {@code \boxed } as in {@code \boxed 5}; null if there is none or its braces are unbalanced.
     */
    public static String lastBoxed(String text) {
        Box box = lastBox(text);
        return box == null ? null : box.content;
    }

    private record Box(String content, String command, int position) {
    }

    private record Candidate(int position, String rule, String answer) {
    }

    private static Extraction extractChecked(String response, ReferenceKind kind) {
        Box box = lastBox(response);
        Extraction fallback = null;
        int fallbackAt = -1;
        if (box != null) {
            String answer = clean(box.content);
            if (answer != null) {
                String rule = box.command.equals("\\fbox") ? FBOX : BOXED;
                if (kind != ReferenceKind.LETTER) {
                    return new Extraction(answer, rule);
                }
                String letter = ReferenceKind.letterOf(answer, false);
                if (letter != null) {
                    return new Extraction(letter, rule);
                }
                // A boxed value in a multiple-choice response may be followed by "The answer is (F)".
                fallback = new Extraction(answer, rule);
                fallbackAt = box.position;
            }
        }
        List<Candidate> candidates = markerCandidates(response);
        // Later markers win: a response may say "the answer is" while reasoning and conclude further down.
        for (int i = candidates.size() - 1; i >= 0; i--) {
            Candidate c = candidates.get(i);
            String answer = clean(c.answer);
            if (answer == null) {
                continue;
            }
            if (kind == ReferenceKind.LETTER) {
                String letter = ReferenceKind.letterOf(answer, false);
                if (letter != null) {
                    return new Extraction(letter, c.rule);
                }
                if (fallback == null || c.position > fallbackAt) {
                    fallback = new Extraction(answer, c.rule);
                    fallbackAt = c.position;
                }
                continue;
            }
            if (kind == ReferenceKind.NUMBER) {
                if (!Latex.containsDigit(answer)) {
                    // An earlier marker may still hold the number; if none does, this explicit answer stands.
                    if (fallback == null) {
                        fallback = new Extraction(answer, c.rule);
                    }
                    continue;
                }
                answer = numberOnly(answer);
            }
            return new Extraction(answer, c.rule);
        }
        if (kind == ReferenceKind.LETTER) {
            // A loose letter only counts when it comes after any explicit but non-letter answer.
            String letter = lastChoiceLetter(response, fallbackAt);
            if (letter != null) {
                return new Extraction(letter, MC_LETTER);
            }
        }
        if (fallback != null) {
            return fallback;
        }
        if (kind == ReferenceKind.NUMBER) {
            String number = lastNumber(response);
            if (number != null) {
                return new Extraction(number, LAST_NUMBER);
            }
        }
        return null;
    }

    private static Box lastBox(String text) {
        if (text == null) {
            return null;
        }
        int from = text.length();
        while (from >= 0) {
            int boxed = text.lastIndexOf("\\boxed", from);
            int fbox = text.lastIndexOf("\\fbox", from);
            int at = Math.max(boxed, fbox);
            if (at < 0) {
                return null;
            }
            String command = at == boxed ? "\\boxed" : "\\fbox";
            int j = at + command.length();
            if (j < text.length() && Character.isLetter(text.charAt(j))) {
                from = at - 1;
                continue;
            }
            if (j < text.length() && text.charAt(j) == '{') {
                int close = Latex.matchingBrace(text, j);
                return close < 0 ? null : new Box(text.substring(j + 1, close), command, at);
            }
            int k = j;
            while (k < text.length() && (text.charAt(k) == ' ' || text.charAt(k) == '\t')) {
                k++;
            }
            if (k < text.length() && text.charAt(k) == '{') {
                int close = Latex.matchingBrace(text, k);
                return close < 0 ? null : new Box(text.substring(k + 1, close), command, at);
            }
            if (k == j) {
                return null;
            }
            int end = k;
            while (end < text.length() && !Character.isWhitespace(text.charAt(end)) && text.charAt(end) != '$') {
                end++;
            }
            return end == k ? null : new Box(text.substring(k, end), command, at);
        }
        return null;
    }

    /** The text answers that follow each marker kind's last occurrence, ordered by position. */
    private static List<Candidate> markerCandidates(String response) {
        String lower = asciiLower(response);
        List<Candidate> found = new ArrayList<>(5);

        int finalAt = -1;
        int finalEnd = -1;
        int colonAt = -1;
        int colonEnd = -1;
        Matcher m = ANSWER_COLON_MARK.matcher(lower);
        while (m.find()) {
            if (m.start() >= 6 && lower.startsWith("final ", m.start() - 6)) {
                finalAt = m.start() - 6;
                finalEnd = m.end();
            } else {
                colonAt = m.start();
                colonEnd = m.end();
            }
        }
        if (colonAt >= 0) {
            found.add(new Candidate(colonAt, ANSWER_COLON, readSpan(response, colonEnd)));
        }
        // The last few "the answer is" statements, so a trailing note ("This answer is a guess") cannot hide the real one.
        int taken = 0;
        for (int is = lower.lastIndexOf("answer is"); is >= 0 && taken < 3; is = is == 0 ? -1 : lower.lastIndexOf("answer is", is - 1)) {
            if (!isAnswerStatement(lower, is)) {
                continue;
            }
            taken++;
            int spanStart = is + "answer is".length();
            // "Final Answer: The final answer is $X$." is one final_answer, not two markers.
            if (finalAt >= 0 && is > finalAt && response.lastIndexOf('\n', is) < finalAt) {
                finalEnd = spanStart;
            } else {
                found.add(new Candidate(is, THE_ANSWER_IS, readSpan(response, spanStart)));
            }
        }
        if (finalAt >= 0) {
            found.add(new Candidate(finalAt, FINAL_ANSWER, readSpan(response, finalEnd)));
        }

        int hashes = response.lastIndexOf("####");
        if (hashes >= 0) {
            found.add(new Candidate(hashes, GSM8K_HASHES, readSpan(response, hashes + 4)));
        }

        int aColon = lastLineStarting(response, "A:");
        if (aColon >= 0) {
            found.add(new Candidate(aColon, A_COLON, readSpan(response, aColon + 2)));
        }
        found.sort((x, y) -> Integer.compare(x.position, y.position));
        return found;
    }

    /** "the/final/correct answer is ..." or "answer is: ...", but not "this answer is a guess". */
    private static boolean isAnswerStatement(String lower, int at) {
        if (at > 0 && Character.isLetter(lower.charAt(at - 1))) {
            return false;
        }
        int after = at + "answer is".length();
        if (after < lower.length() && Character.isLetter(lower.charAt(after))) {
            return false;
        }
        int k = after;
        while (k < lower.length() && lower.charAt(k) == ' ') {
            k++;
        }
        if (k < lower.length() && lower.charAt(k) == ':') {
            return true;
        }
        int end = at;
        while (end > 0 && (lower.charAt(end - 1) == ' ' || lower.charAt(end - 1) == '*')) {
            end--;
        }
        int start = end;
        while (start > 0 && Character.isLetter(lower.charAt(start - 1))) {
            start--;
        }
        String word = lower.substring(start, end);
        return word.equals("the") || word.equals("final") || word.equals("correct") || word.equals("my")
                || word.equals("best") || word.equals("right") || word.equals("an");
    }

    private static int lastLineStarting(String text, String prefix) {
        int at = text.lastIndexOf(prefix);
        while (at >= 0) {
            int k = at - 1;
            while (k >= 0 && (text.charAt(k) == ' ' || text.charAt(k) == '\t')) {
                k--;
            }
            if (k < 0 || text.charAt(k) == '\n') {
                return at;
            }
            at = at == 0 ? -1 : text.lastIndexOf(prefix, at - 1);
        }
        return -1;
    }

    /**
     * The answer text starting at {@code from}: a whole {@code $...$} or {@code \(...\)} group when
     * one opens there, otherwise the rest of the line up to the end of the sentence.
     */
    private static String readSpan(String text, int from) {
        int n = text.length();
        int i = from;
        int limit = Math.min(n, from + MAX_SPAN);
        while (i < limit && (Character.isWhitespace(text.charAt(i)) || text.charAt(i) == ':' || text.charAt(i) == '*')) {
            i++;
        }
        if (i >= n) {
            return null;
        }
        String delimited = delimitedGroup(text, i);
        if (delimited != null) {
            return delimited;
        }
        int lineEnd = text.indexOf('\n', i);
        if (lineEnd < 0) {
            lineEnd = n;
        }
        lineEnd = Math.min(lineEnd, i + MAX_SPAN);
        int depth = 0;
        for (int j = i; j < lineEnd; j++) {
            char c = text.charAt(j);
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (c == '.' && (j + 1 == lineEnd || Character.isWhitespace(text.charAt(j + 1)))) {
                return text.substring(i, j);
            } else if (c == ' ' && depth <= 0 && startsClause(text, j + 1)) {
                return text.substring(i, j);
            } else if (c == ';' && depth <= 0) {
                return text.substring(i, j);
            } else if (c == ',' && depth <= 0 && j + 3 < lineEnd && text.charAt(j + 1) == ' '
                    && Character.isLetter(text.charAt(j + 2)) && Character.isLetter(text.charAt(j + 3))) {
                return text.substring(i, j);
            }
        }
        return text.substring(i, lineEnd);
    }

    /** Words that end an answer and start its justification: "is 42 because ...". */
    private static boolean startsClause(String text, int at) {
        for (String word : new String[] {"because", "since", "which", "as this"}) {
            int end = at + word.length();
            if (text.regionMatches(true, at, word, 0, word.length())
                    && (end == text.length() || !Character.isLetterOrDigit(text.charAt(end)))) {
                return true;
            }
        }
        return false;
    }

    private static String delimitedGroup(String text, int i) {
        if (text.startsWith("$$", i)) {
            int end = text.indexOf("$$", i + 2);
            return end < 0 ? null : text.substring(i, end + 2);
        }
        if (text.startsWith("$", i)) {
            int end = text.indexOf('$', i + 1);
            return end < 0 ? null : text.substring(i, end + 1);
        }
        if (text.startsWith("\\(", i)) {
            int end = text.indexOf("\\)", i + 2);
            return end < 0 ? null : text.substring(i, end + 2);
        }
        if (text.startsWith("\\[", i)) {
            int end = text.indexOf("\\]", i + 2);
            return end < 0 ? null : text.substring(i, end + 2);
        }
        return null;
    }

    /** Strips what surrounds an answer without changing it: math delimiters, bold, a whole \text{}, trailing period. */
    static String clean(String raw) {
        if (raw == null) {
            return null;
        }
        String s = raw.trim();
        for (int round = 0; round < 8; round++) {
            String before = s;
            s = s.trim();
            if (s.equals("$") || s.equals("$$")) {
                return ""; // a math delimiter with nothing inside is no answer
            }
            if (endsWithIgnoreCase(s, "I hope it is correct.") || endsWithIgnoreCase(s, "I hope it is correct")) {
                s = s.substring(0, asciiLower(s).lastIndexOf("i hope it is correct")).trim();
            }
            if (startsWithIgnoreCase(s, "the final answer is")) {
                s = s.substring("the final answer is".length()).trim();
            }
            while (s.endsWith(".") && !s.endsWith("\\.")) {
                s = s.substring(0, s.length() - 1).trim();
            }
            while (s.endsWith(",") || s.endsWith(";") || s.endsWith(":")) {
                s = s.substring(0, s.length() - 1).trim();
            }
            if (s.startsWith("**")) {
                s = s.substring(2);
            }
            if (s.endsWith("**")) {
                s = s.substring(0, s.length() - 2);
            }
            s = s.trim();
            if (s.length() >= 4 && s.startsWith("$$") && s.endsWith("$$")) {
                s = s.substring(2, s.length() - 2);
            } else if (s.length() >= 2 && s.startsWith("$") && s.endsWith("$") && s.indexOf('$', 1) == s.length() - 1) {
                s = s.substring(1, s.length() - 1);
            } else if (s.length() >= 4 && ((s.startsWith("\\(") && s.endsWith("\\)")) || (s.startsWith("\\[") && s.endsWith("\\]")))) {
                s = s.substring(2, s.length() - 2);
            }
            s = unwrapWhole(s.trim(), "\\boxed");
            s = unwrapWhole(s, "\\text");
            s = unwrapWhole(s, "\\textbf");
            if (s.equals(before)) {
                break;
            }
        }
        return s.isEmpty() ? null : s;
    }

    private static String unwrapWhole(String s, String command) {
        if (!s.startsWith(command) || s.length() <= command.length() || s.charAt(command.length()) != '{') {
            return s;
        }
        int close = Latex.matchingBrace(s, command.length());
        return close == s.length() - 1 ? s.substring(command.length() + 1, close).trim() : s;
    }

    /**
     * For a numeric reference, reduces "18 dollars per day" or "9 * 2 = 18" to the number; a
     * candidate with several unrelated numbers is left as is.
     */
    private static String numberOnly(String answer) {
        String s = answer;
        int eq = s.lastIndexOf('=');
        if (eq >= 0 && Latex.containsDigit(s.substring(eq + 1))) {
            s = s.substring(eq + 1).trim();
        }
        String normalized = AnswerNormalizer.normalize(s, false);
        if (normalized != null && ReferenceKind.isNumber(normalized)) {
            return s;
        }
        List<String> numbers = new ArrayList<>(2);
        Matcher m = NUMBER.matcher(s);
        while (m.find() && numbers.size() < 2) {
            int start = m.start();
            int end = m.end();
            char before = start > 0 ? s.charAt(start - 1) : ' ';
            char after = end < s.length() ? s.charAt(end) : ' ';
            if (Character.isLetter(before) || before == '^' || before == '_' || before == '{' || before == '\\'
                    || Character.isLetter(after) || after == '^' || after == '{') {
                return s;
            }
            numbers.add(trimNumber(m.group(), s, start));
        }
        return numbers.size() == 1 ? numbers.get(0) : s;
    }

    private static String lastChoiceLetter(String response, int after) {
        int offset = Math.max(0, response.length() - LETTER_TAIL);
        String tail = response.substring(offset);
        int best = after - offset;
        String letter = null;
        for (Pattern p : new Pattern[] {BOLD_LETTER, PAREN_LETTER, OPTION_LETTER, OPTION_IS_LETTER, LONE_LETTER}) {
            Matcher m = p.matcher(tail);
            while (m.find()) {
                if (m.start() > best) {
                    best = m.start();
                    letter = m.group(1);
                }
            }
        }
        return letter;
    }

    private static String lastNumber(String response) {
        Matcher m = NUMBER.matcher(response);
        String last = null;
        int lastStart = -1;
        while (m.find()) {
            last = m.group();
            lastStart = m.start();
        }
        return last == null ? null : trimNumber(last, response, lastStart);
    }

    /** Drops trailing commas, and a minus sign that is really a subtraction ("16-3"). */
    private static String trimNumber(String number, String context, int start) {
        String n = number;
        while (n.endsWith(",")) {
            n = n.substring(0, n.length() - 1);
        }
        if (n.startsWith("-") && start > 0) {
            char before = context.charAt(start - 1);
            if (Character.isLetterOrDigit(before) || before == ')' || before == '}') {
                n = n.substring(1);
            }
        }
        return n;
    }


    /** Lower-cases ASCII letters only, so indices stay aligned with the original text. */
    private static String asciiLower(String s) {
        char[] chars = s.toCharArray();
        for (int i = 0; i < chars.length; i++) {
            char c = chars[i];
            if (c >= 'A' && c <= 'Z') {
                chars[i] = (char) (c + 32);
            }
        }
        return new String(chars);
    }

    private static boolean endsWithIgnoreCase(String s, String suffix) {
        return s.length() >= suffix.length() && s.regionMatches(true, s.length() - suffix.length(), suffix, 0, suffix.length());
    }

    private static boolean startsWithIgnoreCase(String s, String prefix) {
        return s.regionMatches(true, 0, prefix, 0, prefix.length());
    }
}
