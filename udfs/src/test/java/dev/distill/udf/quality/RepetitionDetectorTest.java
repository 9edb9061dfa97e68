package dev.distill.udf.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.udf.SharedData;
import dev.distill.udf.text.NGrams;
import dev.distill.udf.text.TextNormalizer;

import java.util.List;

import org.junit.jupiter.api.Test;

class RepetitionDetectorTest {

    private static final String PARAGRAPH = "Wait, let me recompute the discriminant of the "
            + "quadratic: b squared minus four a c equals nine minus eight, which is one. ";

    @Test
    void loopingTextScoresHigh() {
        String looping = PARAGRAPH.repeat(5);
        double f = RepetitionDetector.repeatedNgramFraction(looping, 10);
        // 5 copies: about 4/5 of the windows are repeats
        assertTrue(f > 0.75 && f < 0.85, "fraction " + f);
        assertTrue(RepetitionDetector.repeatedNgramFraction(PARAGRAPH.repeat(50), 10) > 0.97);
    }

    @Test
    void textWithoutRepeatsScoresZero() {
        assertEquals(0.0, RepetitionDetector.repeatedNgramFraction(PARAGRAPH, 10));
        assertEquals(0.0, RepetitionDetector.repeatedNgramFraction("too short", 10));
        assertEquals(0.0, RepetitionDetector.repeatedNgramFraction(null, 10));
        assertThrows(IllegalArgumentException.class,
                () -> RepetitionDetector.repeatedNgramFraction("a", 0));
    }

    @Test
    void repeatsAreFoundAcrossFormattingDifferences() {
        String a = "Therefore the sum of the roots is $-\\frac{b}{a}$ as claimed before. ";
        String b = "therefore THE sum of the roots is -\\dfrac ba, as claimed before\n";
        // 14 normalised words (the minus sign is one) twice: 21 windows of 8, the last 7 repeat the first 7
        assertEquals(7.0 / 21, RepetitionDetector.repeatedNgramFraction(a + b, 8), 1e-12);
    }

    @Test
    void maxLineRepeatsCountsOnlyLinesWithContent() {
        String text = "Start\n" + "Wait, that is not right.\n".repeat(12) + "$$\n".repeat(30)
                + "\\]\n\n\n---\nDone";
        assertEquals(12, RepetitionDetector.maxLineRepeats(text));
        assertEquals(2, RepetitionDetector.maxLineRepeats("  x = 1\nx = 1  \ny = 2"));
        assertEquals(0, RepetitionDetector.maxLineRepeats("$$\n}\n"));
        assertEquals(0, RepetitionDetector.maxLineRepeats(null));
    }

    @Test
    void realSolutionsAreNotRepetitive() {
        List<String> solutions = SharedData.jsonlStrings(
                SharedData.require("pool/math/math_test_solutions.jsonl"), "solution", 5000);
        int high = 0;
        for (String s : solutions) {
            if (RepetitionDetector.repeatedNgramFraction(s, 10) > 0.5) {
                high++;
            }
        }
        // measured: none of the 5,000 reference solutions exceeds 0.5 (maximum 0.49)
        assertEquals(0, high);
    }

    /**
     * The rolling-hash count gives, text for text, the fraction of the way it replaced (every
     * window's words joined and hashed, sorted, counted; kept here as the reference): the MATH
     * solutions, Chinese olympiad solutions (each CJK character a word), and the same texts looping.
     */
    @Test
    void theRollingCountMatchesHashingEveryWindow() {
        List<String> texts = new java.util.ArrayList<>(SharedData.jsonlStrings(
                SharedData.require("pool/math/math_test_solutions.jsonl"), "solution", 2000));
        texts.addAll(SharedData.jsonArrayStrings(
                SharedData.require("pool/olympiadbench/Chinese_Olympiad_Mathematics.json"), "solution", 300));
        int size = texts.size();
        for (int i = 0; i < size; i += 10) {
            texts.add(texts.get(i).repeat(1 + i % 4) + texts.get((i + 7) % size));
        }
        texts.add("数学".repeat(40) + " a b c " + "题".repeat(30));
        int repetitive = 0;
        for (String t : texts) {
            for (int n : new int[] {1, 3, 10}) {
                double expected = hashingEveryWindow(t, n);
                assertEquals(expected, RepetitionDetector.repeatedNgramFraction(t, n), () -> "n=" + n + ": " + t);
                repetitive += n == 10 && expected > 0.5 ? 1 : 0;
            }
        }
        assertTrue(repetitive > 50, repetitive + " looping texts among " + texts.size());
    }

    private static double hashingEveryWindow(String text, int n) {
        String[] words = TextNormalizer.words(TextNormalizer.normalizeForMatch(text));
        if (words.length < n) {
            return 0.0;
        }
        long[] windows = NGrams.windowHashes(words, n);
        java.util.Arrays.sort(windows);
        int distinct = 1;
        for (int i = 1; i < windows.length; i++) {
            if (windows[i] != windows[i - 1]) {
                distinct++;
            }
        }
        return (double) (windows.length - distinct) / windows.length;
    }
}
