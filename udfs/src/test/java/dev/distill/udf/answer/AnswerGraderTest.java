package dev.distill.udf.answer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class AnswerGraderTest {

    @Test
    void correctBoxedAnswer() {
        Verdict v = AnswerGrader.grade("Simplifying gives $\\boxed{\\dfrac{3}{4}}$.", "0.75");
        assertEquals(new Verdict("correct", "\\dfrac{3}{4}", "0.75", "boxed"), v);
    }

    @Test
    void incorrectAnswer() {
        Verdict v = AnswerGrader.grade("The answer is 12.", "(1,2)");
        assertEquals("incorrect", v.verdict());
        assertEquals("12", v.extracted());
        assertEquals("the_answer_is", v.rule());
    }

    @Test
    void gsm8kStyle() {
        assertEquals("correct", AnswerGrader.grade("so 1000 + 234 = 1234\n#### 1,234", "1234").verdict());
        assertEquals("correct", AnswerGrader.grade("so she has 1234 apples", "1,234").verdict());
        assertEquals("last_number", AnswerGrader.grade("so she has 1234 apples", "1,234").rule());
    }

    @Test
    void multipleChoice() {
        assertEquals("correct", AnswerGrader.grade("Checking each option, the answer is (B).", "B").verdict());
        assertEquals("incorrect", AnswerGrader.grade("Checking each option, the answer is (B).", "(C)").verdict());
        assertEquals("correct", AnswerGrader.grade("... therefore **C**", "\\text{(C)}").verdict());
    }

    @Test
    void noAnswer() {
        assertEquals("no_answer", AnswerGrader.grade(null, "5").verdict());
        assertEquals("no_answer", AnswerGrader.grade("", "5").verdict());
        assertEquals("no_answer", AnswerGrader.grade("I give up.", "x^2").verdict());
        Verdict v = AnswerGrader.grade("whatever", null);
        assertEquals("no_answer", v.verdict());
        assertNull(v.extracted());
    }

    @Test
    void garbageIsNeverCorrect() {
        for (String[] pair : new String[][] {{"\\boxed{\\frac{", "\\frac{"}, {"\\boxed{}", "5"}, {"$$$$", "$"}}) {
            Verdict v = AnswerGrader.grade(pair[0], pair[1]);
            assertNotEquals(Verdict.CORRECT, v.verdict(), pair[0] + " vs " + pair[1]);
        }
        assertEquals(Verdict.NO_ANSWER, AnswerGrader.grade("\\boxed{}", "5").verdict());
    }

    @Test
    void referenceThatIsAWorkedSolutionIsReducedToItsAnswer() {
        String gsm8k = "Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\nShe makes 9 * 2 = $<<9*2=18>>18.\nA: 18";
        Verdict v = AnswerGrader.grade("She makes 18 dollars.\nA: 18", gsm8k);
        assertEquals(new Verdict("correct", "18", "18", "a_colon"), v);
        assertEquals("incorrect", AnswerGrader.grade("A: 26", gsm8k).verdict());
        assertEquals("correct", AnswerGrader.grade("so $\\boxed{\\dfrac{1}{2}}$", "Halving gives $\\boxed{\\frac12}$.").verdict());
        assertEquals("correct", AnswerGrader.grade("#### 1234", "1000 + 234 = 1234\n#### 1,234").verdict());
        assertEquals("1234", AnswerGrader.grade("#### 1234", "1000 + 234 = 1234\n#### 1,234").normalizedReference());
    }

    @Test
    void bareReferencesAreLeftAlone() {
        assertEquals("A", AnswerGrader.referenceAnswer("A"));
        assertEquals("x = 5", AnswerGrader.referenceAnswer("x = 5"));
        assertEquals("\\frac{1}{2}", AnswerGrader.referenceAnswer("\\frac{1}{2}"));
        assertEquals("18", AnswerGrader.referenceAnswer("steps\nA: 18"));
    }
}
