package dev.distill.udf.quality;

/**
 * Which writing system a text is mostly written in, for the "non-target language" filter. It
 * counts letters outside math ({@code $...$}, {@code $$...$$}, {@code \(...\)}, {@code \[...\]};
 * inline {@code $} math ends at a blank line at the latest), outside LaTeX control words and
 * URLs, and ignores one-letter Latin words (variables, point names and option labels such as
 * {@code A B C}): formulas are written in Latin letters whatever the language around them.
 */
public final class ScriptDetector {

    /** Mostly Latin letters (English, French, Vietnamese, ...). */
    public static final String LATIN = "latin";
    /** Mostly Han, Kana or Hangul. */
    public static final String CJK = "cjk";
    /** Mostly Cyrillic. */
    public static final String CYRILLIC = "cyrillic";
    /** Mostly Arabic script. */
    public static final String ARABIC = "arabic";
    /** Mostly another script (Greek, Devanagari, Hebrew, Thai, ...). */
    public static final String OTHER = "other";
    /** No letters outside math. */
    public static final String NONE = "none";

    /**
     * One CJK character carries about as much text as a short Latin word; counting it as this many
     * letters keeps a Chinese question with a few English terms classified as {@code cjk}.
     */
    static final int CJK_WEIGHT = 3;

    private static final int I_LATIN = 0;
    private static final int I_CJK = 1;
    private static final int I_CYRILLIC = 2;
    private static final int I_ARABIC = 3;
    private static final int I_OTHER = 4;
    private static final String[] NAMES = {LATIN, CJK, CYRILLIC, ARABIC, OTHER};

    private ScriptDetector() {}

    /**
     * The script with the most letters (counted as described above), a CJK character counting
     * as {@value #CJK_WEIGHT} letters; ties go to the earlier of latin, cjk, cyrillic, arabic,
     * other.
     *
     * @param text the text, may be null
     * @return one of {@code latin}, {@code cjk}, {@code cyrillic}, {@code arabic}, {@code other},
     *     or {@code none} when there is no such letter
     */
    public static String dominantScript(String text) {
        int[] counts = letterCounts(text);
        counts[I_CJK] *= CJK_WEIGHT;
        int best = -1;
        int bestCount = 0;
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] > bestCount) {
                best = i;
                bestCount = counts[i];
            }
        }
        return best < 0 ? NONE : NAMES[best];
    }

    /**
     * Latin letters as a fraction of all letters counted as described above, every character
     * counting once.
     *
     * @param text the text, may be null
     * @return a fraction in [0, 1]; 0 when there are no letters
     */
    public static double latinFraction(String text) {
        int[] counts = letterCounts(text);
        long total = 0;
        for (int c : counts) {
            total += c;
        }
        return total == 0 ? 0.0 : (double) counts[I_LATIN] / total;
    }

    /** Letters per script (latin, cjk, cyrillic, arabic, other) outside math and commands. */
    static int[] letterCounts(String text) {
        int[] counts = new int[NAMES.length];
        if (text == null) {
            return counts;
        }
        int n = text.length();
        int i = 0;
        int latinRun = 0;
        String mathEnd = null; // the delimiter that closes the math we are in, or null
        while (i < n) {
            char c = text.charAt(i);
            boolean latinLetter = false;
            if (mathEnd != null) {
                if (text.startsWith(mathEnd, i)) {
                    i += mathEnd.length();
                    mathEnd = null;
                } else if (c == '\n' && "$".equals(mathEnd) && blankLineFollows(text, i + 1)) {
                    mathEnd = null; // inline math never spans paragraphs: that $ was currency
                    i++;
                } else {
                    i += c == '\\' ? 2 : 1; // never end math on an escaped \$
                }
            } else if (c == '$') {
                boolean display = i + 1 < n && text.charAt(i + 1) == '$';
                mathEnd = display ? "$$" : "$";
                i += display ? 2 : 1;
            } else if (c == '\\') {
                char next = i + 1 < n ? text.charAt(i + 1) : ' ';
                if (next == '(' || next == '[') {
                    mathEnd = next == '(' ? "\\)" : "\\]";
                }
                i += 2;
                while (isAsciiLetter(next) && i < n && isAsciiLetter(text.charAt(i))) {
                    i++; // the rest of a control word such as \frac
                }
            } else if (c == 'h'
                    && (text.startsWith("http://", i) || text.startsWith("https://", i))) {
                while (i < n && !Character.isWhitespace(text.charAt(i)) && text.charAt(i) != ')') {
                    i++;
                }
            } else if (c < 0x80) {
                latinLetter = isAsciiLetter(c);
                i++;
            } else {
                int cp = text.codePointAt(i);
                i += Character.charCount(cp);
                if (Character.isLetter(cp)) {
                    int script = scriptIndex(cp);
                    latinLetter = script == I_LATIN;
                    if (!latinLetter) {
                        counts[script]++;
                    }
                }
            }
            if (latinLetter) {
                latinRun++;
            } else {
                counts[I_LATIN] += latinRun >= 2 ? latinRun : 0;
                latinRun = 0;
            }
        }
        counts[I_LATIN] += latinRun >= 2 ? latinRun : 0;
        return counts;
    }

    private static boolean blankLineFollows(String t, int i) {
        while (i < t.length() && (t.charAt(i) == ' ' || t.charAt(i) == '\t')) {
            i++;
        }
        return i < t.length() && t.charAt(i) == '\n';
    }

    private static int scriptIndex(int cp) {
        switch (Character.UnicodeScript.of(cp)) {
            case LATIN:
                return I_LATIN;
            case HAN:
            case HIRAGANA:
            case KATAKANA:
            case HANGUL:
            case BOPOMOFO:
                return I_CJK;
            case CYRILLIC:
                return I_CYRILLIC;
            case ARABIC:
                return I_ARABIC;
            default:
                return I_OTHER;
        }
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
}
