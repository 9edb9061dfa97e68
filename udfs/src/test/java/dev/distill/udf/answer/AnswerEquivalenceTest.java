package dev.distill.udf.answer;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AnswerEquivalenceTest {

    private static void same(String predicted, String reference) {
        assertTrue(AnswerEquivalence.equivalent(predicted, reference), () -> predicted + " should equal " + reference);
    }

    private static void different(String predicted, String reference) {
        assertFalse(AnswerEquivalence.equivalent(predicted, reference), () -> predicted + " should differ from " + reference);
    }

    @Test
    void integersWithSeparatorsAreExact() {
        same("1,000", "1000");
        same("1{,}000", "1000");
        same("10,\\!000", "10000");
        same("$1,234$", "1234");
        different("1000001", "1000000");
        different("12345678901234567890", "12345678901234567891");
        same("12345678901234567890", "12,345,678,901,234,567,890");
    }

    @Test
    void tuplesDoNotCollapseIntoNumbers() {
        different("(1,2)", "12");
        different("12", "(1,2)");
        same("(1, 2)", "(1,2)");
        same("\\left(1,\\frac{\\sqrt{3}}{2}\\right)", "(1, \\frac{\\sqrt3}{2})");
        different("(1,2)", "(2,1)");
        different("(1,2)", "(1,2,3)");
    }

    @Test
    void decimalsFractionsAndScientificNotation() {
        same("\\dfrac{3}{4}", "0.75");
        same("3/4", "\\frac34");
        same("\\frac 34", "0.75");
        same("0.3333333", "\\frac{1}{3}");
        different("0.33", "\\frac{1}{3}");
        same("1.5e-3", "0.0015");
        same("2.5 \\times 10^{3}", "2500");
        same(".5", "0.5");
        same("-\\frac{1}{2}", "-0.5");
        different("\\frac{1}{2}", "\\frac{1}{3}");
        same("\\frac{6}{8}", "\\frac{3}{4}");
    }

    @Test
    void mixedNumbers() {
        same("2\\frac{1}{2}", "\\frac{5}{2}");
        same("2\\frac{1}{2}", "2.5");
        same("-1\\frac{1}{4}", "-1.25");
        different("2\\frac{1}{2}", "1");
    }

    @Test
    void radicalsAndPi() {
        same("2\\sqrt{2}", "\\sqrt{8}");
        same("\\sqrt 8", "2\\sqrt2");
        same("\\frac{\\sqrt{3}}{3}", "\\frac{1}{\\sqrt{3}}");
        same("2\\pi", "\\pi \\cdot 2");
        same("6.283185307", "2\\pi");
        different("3.14", "\\pi");
        different("\\sqrt{2}", "2");
        same("\\sqrt[3]{8}", "2");
    }

    @Test
    void percentagesDegreesAndUnits() {
        same("50\\%", "0.5");
        same("50\\%", "50");
        same("0.5", "50\\%");
        same("50%", "50\\%");
        different("40\\%", "0.5");
        same("30^\\circ", "30");
        same("30^{\\circ}", "30");
        same("30", "30^\\circ");
        same("5 cm", "5");
        same("5\\text{ cm}", "5");
        same("\\$18.90", "18.90");
        same("12 \\text{ square feet}", "12");
        different("6 cm", "5");
    }

    @Test
    void intervalsRespectBracketTypes() {
        different("[0, 1)", "[0,1]");
        different("(0,1)", "[0,1]");
        same("[0, 1)", "[0,1)");
        same("(-\\infty, 3]", "(-\\infty,3]");
        same("(-\\infty, -2) \\cup (3, \\infty)", "(-\\infty,-2)\\cup(3,\\infty)");
        different("(-\\infty, -2) \\cup (3, \\infty)", "(-\\infty,-2]\\cup(3,\\infty)");
        same("\\left[\\frac{1}{2}, 2\\right]", "[0.5,2]");
    }

    @Test
    void setsAndListsIgnoreOrder() {
        same("\\{2,1\\}", "\\{1,2\\}");
        same("\\{1, 2\\}", "\\{1,2\\}");
        different("\\{1,2\\}", "\\{1,3\\}");
        different("\\{1,2\\}", "\\{1,2,3\\}");
        same("3, -1", "-1, 3");
        same("x = 3, x = -1", "-1, 3");
        same("1+\\sqrt{19}, 1-\\sqrt{19}", "1 \\pm \\sqrt{19}");
        same("\\pm 2", "2, -2");
    }

    @Test
    void algebraicExpressions() {
        same("x^2+2x+1", "(x+1)^2");
        same("(x+1)(x-1)", "x^2 - 1");
        same("\\frac{x}{2}", "0.5x");
        same("2(a+b)", "2a+2b");
        different("x^2+2x+1", "(x-1)^2");
        different("x", "y");
        same("\\sin^2 x + \\cos^2 x", "1");
        same("e^{\\ln 2}", "2");
        same("\\log_2 8", "3");
        same("3 + 4i", "4i + 3");
        same("y = 2x + 3", "2x+3");
        same("x^2 + y^2 = 1", "y^2 + x^2 = 1");
        different("x^2 + y^2 = 1", "x^2 + y^2 = 2");
    }

    @Test
    void assignmentsAndWrappers() {
        same("x = 5", "5");
        same("k=-3", "-3");
        same("$\\boxed{7}$", "7");
        same("\\textbf{7}.", "7");
        same("\\text{Monday}", "Monday");
        same("\\text{even}", "Even");
        different("\\text{odd}", "even");
        different("dog", "god");
    }

    @Test
    void multipleChoiceLetters() {
        same("\\text{(C)}", "C");
        same("(c)", "C");
        same("C", "(C)");
        same("(B) 42", "B");
        different("(B)", "C");
        different("42", "C");
    }

    @Test
    void matrices() {
        same("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix}1\\\\2\\end{pmatrix}");
        same("\\begin{pmatrix} 1/2 & 0 \\\\ 0 & 1 \\end{pmatrix}", "\\begin{pmatrix} \\frac{1}{2} & 0 \\\\ 0 & 1 \\end{pmatrix}");
        different("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix} 2 \\\\ 1 \\end{pmatrix}");
    }

    @Test
    void emptyNullAndGarbageAreFalseAndNeverThrow() {
        different(null, "1");
        different("1", null);
        different("", "");
        different("  ", "1");
        different("\\frac{", "1");
        for (String s : new String[] {"\\frac{", "}{", "\\sqrt", "\\sqrt[", "((((", "x^^2", "1/0", "0/0", "\\frac{1}{0}", "^", "_",
            "\\left(", "\\begin{pmatrix}", "10^{100000}", "99999999999^{99999999}", "\\{", "(1,", "[,)", "%", "\\pm",
            "\\cup", "=", "1e999999", "(".repeat(5000), "x".repeat(3000), "\\log_", "|x", "2\\frac{1}{", "\\binom{1000}{500}"}) {
            AnswerEquivalence.equivalent(s, "1");
            AnswerEquivalence.equivalent("1", s);
            AnswerEquivalence.equivalent(s, s + "1");
            AnswerEquivalence.equivalent(s, "x");
        }
    }

    @Test
    void divisionByZeroIsNotEqualToAnything() {
        different("\\frac{1}{0}", "1");
        different("1/0", "\\infty");
    }

    @Test
    void unitsMustAgreeWhenBothAnswersNameOne() {
        different("5\\text{ m}", "5\\text{ cm}");
        different("5 km", "5 cm");
        same("5\\text{ cm}", "5 cm");
        same("3 inches", "3 inch");
        same("4 miles", "4\\text{ mile}");
        same("5 cm", "5");
        same("5", "5\\text{ m}");
    }

    @Test
    void unicodeMath() {
        same("1.5 \u00d7 10^3", "1500");
        same("\u22125", "-5");
        same("2\u03c0", "2\\pi");
        same("\u221a2", "\\sqrt{2}");
        same("\u221a23", "\\sqrt{23}");
        different("\u221a23", "3\\sqrt{2}");
        same("\\sqrt(8)", "2\\sqrt{2}");
    }

    @Test
    void plainTextMixedNumbersAndAlternatives() {
        same("2 1/2", "\\frac{5}{2}");
        same("-1 1/4", "-1.25");
        different("2 1/2", "\\frac{1}{2}");
        same("x = 2 \\text{ or } x = 3", "3, 2");
        same("2 and 3", "\\{2,3\\}");
        different("2 or 4", "2, 3");
    }
}
