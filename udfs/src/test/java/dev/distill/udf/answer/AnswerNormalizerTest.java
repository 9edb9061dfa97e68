package dev.distill.udf.answer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class AnswerNormalizerTest {

    private static void assertNormal(String expected, String input) {
        assertEquals(expected, AnswerNormalizer.normalize(input), () -> "input: " + input);
    }

    @Test
    void stripsDollarsSpacingAndSizing() {
        assertNormal("\\frac{1}{2}", "$\\dfrac{1}{2}$");
        assertNormal("\\frac{1}{2}", "\\tfrac12");
        assertNormal("(1,2)", "\\left( 1, 2 \\right)");
        assertNormal("10000", "10,\\!000");
        assertNormal("3\\sqrt{2}", "3\\,\\sqrt2");
        assertNormal("5", "\\boxed{5}");
    }

    @Test
    void unwrapsTextCommands() {
        assertNormal("(C)", "\\text{(C)}");
        assertNormal("Monday", "\\textbf{Monday}");
        assertNormal("5", "\\mbox{5}");
        assertNormal("Evelyn", "\\mathrm{Evelyn}");
    }

    @Test
    void dropsDegrees() {
        assertNormal("30", "30^\\circ");
        assertNormal("30", "30^{\\circ}");
        assertNormal("30", "30\u00b0");
        assertNormal("30", "30 degrees");
    }

    @Test
    void unitsOnlyWhenAsked() {
        assertEquals("5cm", AnswerNormalizer.normalize("5 cm"));
        assertEquals("5", AnswerNormalizer.normalize("5 cm", true));
        assertEquals("25", AnswerNormalizer.normalize("25 \\text{ ft}", true));
        assertEquals("12", AnswerNormalizer.normalize("12\\text{ cm}^2", true));
        assertEquals("10", AnswerNormalizer.normalize("10 square units", true));
        // "and" is never taken for a unit: the 3 stays (numeric alternatives become a list).
        assertEquals("2,3", AnswerNormalizer.normalize("2 \\text{ and } 3", true));
        assertEquals("x", AnswerNormalizer.normalize("x", true));
    }

    @Test
    void unicodeMathBecomesLatex() {
        assertNormal("1.5\\times10^3", "1.5 \u00d7 10^3");
        assertNormal("2\\cdot3", "2\u00b73");
        assertNormal("-5", "\u22125");
        assertNormal("2\\pi", "2\u03c0");
        assertNormal("\\sqrt{23}", "\u221a23");
        assertNormal("3\\sqrt{x}", "3\u221ax");
        assertNormal("(-\\infty,1]", "(-\u221e, 1]");
        assertNormal("x\\le3", "x \u2264 3");
        assertNormal("caf\u00e9", "caf\u00e9");
    }

    @Test
    void plainTextMixedNumbers() {
        assertNormal("2\\frac{1}{2}", "2 1/2");
        assertNormal("-3\\frac{3}{4}", "-3 3/4");
        // An improper fraction after a number is not a mixed number, nor is a fraction inside a longer one.
        assertNormal("25/2", "2 5/2");
        assertNormal("1.52/3", "1.5 2/3");
    }

    @Test
    void numericAlternativesJoinedByWordsBecomeAList() {
        assertNormal("x=2,x=3", "x = 2 \\text{ or } x = 3");
        assertNormal("2,3", "2 and 3");
        assertNormal("saltandpepper", "salt and pepper");
    }

    @Test
    void thousandsSeparatorsButNotTuples() {
        assertNormal("1000", "1,000");
        assertNormal("-1234567.5", "-1,234,567.5");
        assertNormal("1,2", "1,2");
        assertNormal("(1,2)", "(1,2)");
        assertNormal("1,234", "1, 234");
        assertNormal("10,00", "10,00");
    }

    @Test
    void dropsSingleVariableAssignment() {
        assertNormal("5", "x = 5");
        assertNormal("-3", "k=-3");
        assertNormal("4", "a_1 = 4");
        assertNormal("\\frac{\\pi}{3}", "\\theta = \\frac{\\pi}{3}");
        assertNormal("x+y=3", "x + y = 3");
    }

    @Test
    void trailingPeriodAndBold() {
        assertNormal("7", "**7**.");
        assertNormal("3.5", "3.5.");
    }

    @Test
    void nullStaysNullAndGarbageIsHarmless() {
        assertNull(AnswerNormalizer.normalize(null));
        assertEquals("", AnswerNormalizer.normalize("   "));
        AnswerNormalizer.normalize("\\frac{");
        AnswerNormalizer.normalize("\\text{");
        AnswerNormalizer.normalize("}{\\sqrt");
        AnswerNormalizer.normalize("\\boxed{");
    }
}
