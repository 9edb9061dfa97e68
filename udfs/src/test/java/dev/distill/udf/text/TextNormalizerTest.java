package dev.distill.udf.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.udf.SharedData;

import java.util.List;

import org.junit.jupiter.api.Test;

class TextNormalizerTest {

    private static String norm(String s) {
        return TextNormalizer.normalizeForMatch(s);
    }

    @Test
    void nullAndBlankBecomeEmpty() {
        assertEquals("", norm(null));
        assertEquals("", norm(""));
        assertEquals("", norm(" \n\t $$ \\quad ~ "));
    }

    @Test
    void caseAndWhitespaceDoNotMatter() {
        assertEquals("what is 2 + 3", norm("  What   is\n2+3? "));
        assertEquals(norm("Find ALL  real x."), norm("find all real\tx"));
    }

    @Test
    void fractionSpellingsNormaliseAlike() {
        String expected = "frac 1 2";
        assertEquals(expected, norm("\\frac{1}{2}"));
        assertEquals(expected, norm("\\dfrac{1}{2}"));
        assertEquals(expected, norm("\\tfrac12"));
        assertEquals(expected, norm("\\frac12"));
        assertEquals(expected, norm("\\frac 12"));
        assertEquals(expected, norm("\\frac{1} {2}"));
        assertEquals(expected, norm("$\\cfrac{1}2$"));
        assertEquals(norm("$y=\\frac{2}{x^2+x-6}$"), norm("\\(y = \\dfrac 2{x^2 + x - 6}\\)"));
    }

    @Test
    void fractionArgumentsAreReadLikeTex() {
        // \frac103 is \frac{1}{0}3 in TeX, not \frac{10}{3}
        assertEquals("frac 10 3", norm("\\frac{10}{3}"));
        assertEquals("frac 1 0 3", norm("\\frac103"));
        assertNotEquals(norm("\\frac{10}{3}"), norm("\\frac103"));
        assertEquals("frac frac 1 2 3", norm("\\frac{\\frac{1}{2}}{3}"));
        assertEquals("frac pi 2", norm("\\frac\\pi2"));
        assertEquals("binom n k", norm("\\dbinom nk"));
        assertEquals("sqrt 3 x", norm("\\sqrt[3]{x}"));
        assertEquals(norm("\\sqrt{2}3"), norm("\\sqrt23"));
    }

    @Test
    void mathDelimitersAndSizingDisappear() {
        assertEquals("x", norm("$x$"));
        assertEquals(norm("x"), norm("\\(x\\)"));
        assertEquals(norm("x"), norm("\\[x\\]"));
        assertEquals(norm("$$x$$"), norm("x"));
        assertEquals(norm("(\\frac{a}{b})"), norm("\\left( \\dfrac{a}{b} \\right)"));
        assertEquals(norm("|x|"), norm("\\bigl| x \\Bigr|"));
        assertEquals("a b c d e f", norm("a\\,b\\;c\\quad d~e\\qquad f"));
        assertEquals("sum i = 1 n i", norm("\\displaystyle\\sum_{i=1}^{n} i"));
    }

    @Test
    void textWrappersKeepTheirContent() {
        assertEquals("5 cm", norm("$5\\text{ cm}$"));
        assertEquals("5 cm", norm("$5\\,\\mathrm{cm}$"));
        assertEquals("answer 3", norm("\\textbf{Answer:} \\mathbf{3}"));
        assertEquals(norm("\\operatorname{lcm}(a,b)"), norm("lcm(a, b)"));
    }

    @Test
    void environmentsAndLabelsAreDropped() {
        assertEquals(norm("x = 1 \\\\ y = 2"),
                norm("\\begin{align*}x &= 1 \\\\ y &= 2\\end{align*}"));
        assertEquals("1 2 3 4", norm("\\begin{array}{cc} 1 & 2 \\\\ 3 & 4 \\end{array}"));
        assertEquals("x = 1", norm("x\\hspace{1cm}= 1\\label{eq:one}"));
    }

    @Test
    void macroNamesBecomeWords() {
        assertEquals("sqrt 2 pi r", norm("\\sqrt{2}\\pi r"));
        assertEquals("delta x", norm("\\Delta x"));
        assertEquals("a cdot b", norm("a\\cdot b"));
    }

    @Test
    void unicodeCompatibilityFormsAndDigitsSplit() {
        assertEquals("abc 123", norm("ＡＢＣ１２３"));
        assertEquals(norm("x^2 + 3x"), norm("x² + 3 x"));
        assertEquals(norm("x_2"), norm("x2"));
        assertEquals("find", norm("ﬁnd"));
    }

    @Test
    void otherScriptsAreKept() {
        assertEquals("求函数的最小值", norm("求函数的最小值。"));
        assertEquals("设 a 1 = 1 证明 对整数 n", norm("设 $a_{1}=1$. 证明: 对整数 $n$"));
        assertEquals("найдите x", norm("Найдите $x$."));
        assertEquals("café", norm("Café"));
        // combining marks stay inside their word
        assertEquals("किताब", norm("किताब"));
    }

    @Test
    void malformedLatexNeverThrows() {
        for (String s : List.of("\\", "\\frac", "\\frac{", "\\frac{1", "}}}{{{", "\\sqrt[", "\\sqrt[3",
                "$$$", "\\left", "\\begin{", "\\frac{1}}", "a\ud800b", "\\\\\\", "\\text{")) {
            norm(s);
        }
        assertEquals("frac 1", norm("\\frac{1"));
        assertEquals("a b", norm("a\ud800b"));
    }

    @Test
    void signsDistinguishQuestionsButHyphensDoNot() {
        assertNotEquals(norm("Compute $\\arccos 1.$"), norm("Compute $\\arccos (-1).$"));
        assertNotEquals(norm("Which is the graph of $y = -f(x)$?"), norm("Which is the graph of $y = -f(-x)$?"));
        assertEquals(norm("$x < 2$"), norm("\\(x<2\\)"));
        assertEquals("a six sided die", norm("A six-sided die"));
        assertEquals("5 - 3", norm("5 \u2212 3"));
    }

    @Test
    void deeplyNestedFractionsDoNotOverflowTheStack() {
        String deep = "\\frac{".repeat(20_000) + "1" + "}{2}".repeat(20_000);
        assertEquals("frac ".repeat(20_000) + "1" + " 2".repeat(20_000), norm(deep));
    }

    @Test
    void wordsSplitCjkCharacters() {
        assertArrayEquals(new String[] {"x", "的", "值", "为", "3"},
                TextNormalizer.words(norm("$x$的值为3")));
        assertArrayEquals(new String[] {"hello", "world"}, TextNormalizer.words("hello world"));
        assertArrayEquals(new String[] {"a", "b"}, TextNormalizer.words("  a \n b "));
        assertEquals(0, TextNormalizer.words("").length);
        assertEquals(0, TextNormalizer.words(null).length);
        // Hangul is written with spaces: not split per character
        assertArrayEquals(new String[] {"안녕하세요"}, TextNormalizer.words("안녕하세요"));
        // supplementary-plane Han (Extension B) is one word, not two halves
        assertArrayEquals(new String[] {"𠀀", "字"}, TextNormalizer.words("𠀀字"));
    }

    @Test
    void normalisationIsIdempotentOnRealProblems() {
        List<String> problems = SharedData.jsonlStrings(
                SharedData.require("pool/math/math_train_answers.jsonl"), "problem", 3000);
        List<String> chinese = SharedData.jsonArrayStrings(
                SharedData.require("pool/olympiadbench/Chinese_Olympiad_Mathematics.json"),
                "question", 500);
        int checked = 0;
        for (List<String> set : List.of(problems, chinese)) {
            for (String p : set) {
                String once = norm(p);
                assertEquals(once, norm(once), () -> "not idempotent: " + p);
                assertTrue(once.indexOf('\\') < 0 && once.indexOf('$') < 0 && once.indexOf('{') < 0,
                        () -> "markup left in: " + once);
                checked++;
            }
        }
        assertEquals(3500, checked);
    }

    /**
     * wordHashes gives one hash per word of words(normalizeForMatch(text)), in order, equal for
     * equal words and different for different ones: on real MATH and Chinese olympiad solutions
     * (LaTeX, CJK runs split into characters, combining marks) and a few edge cases.
     */
    @Test
    void wordHashesHashTheWordsOfTheNormalisedText() {
        List<String> texts = new java.util.ArrayList<>(SharedData.jsonlStrings(
                SharedData.require("pool/math/math_test_solutions.jsonl"), "solution", 1500));
        texts.addAll(SharedData.jsonArrayStrings(
                SharedData.require("pool/olympiadbench/Chinese_Olympiad_Mathematics.json"), "solution", 200));
        texts.addAll(List.of("", "   ", "x", "e\u0301t\u00e9 café", "中\u0300文 abc中12", "$\\frac{1}{2}$ + 3x = -7", "a-b six-sided ½ x²"));
        java.util.Map<String, Long> seen = new java.util.HashMap<>();
        java.util.Map<Long, String> back = new java.util.HashMap<>();
        for (String t : texts) {
            String[] words = TextNormalizer.words(TextNormalizer.normalizeForMatch(t));
            long[] hashes = TextNormalizer.wordHashes(t);
            assertEquals(words.length, hashes[0], t);
            for (int i = 0; i < words.length; i++) {
                Long before = seen.putIfAbsent(words[i], hashes[i + 1]);
                assertEquals(before == null ? hashes[i + 1] : before, hashes[i + 1], "the word " + words[i] + " in " + t);
                String other = back.putIfAbsent(hashes[i + 1], words[i]);
                assertEquals(other == null ? words[i] : other, words[i], "two words, one hash");
            }
        }
        assertTrue(seen.size() > 3000, seen.size() + " distinct words");
    }
}
