package dev.distill.udf.answer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AnswerExtractorTest {

    private static void assertExtracts(String expectedAnswer, String expectedRule, String response, ReferenceKind kind) {
        Extraction e = AnswerExtractor.extract(response, kind);
        assertEquals(new Extraction(expectedAnswer, expectedRule), e, () -> "response: " + response);
    }

    @Test
    void lastBoxedHandlesNestedBraces() {
        assertEquals("\\frac{1}{2}", AnswerExtractor.lastBoxed("so $x = \\boxed{\\frac{1}{2}}$."));
        assertEquals("(1, \\frac{\\sqrt{3}}{2})", AnswerExtractor.lastBoxed("The point is $\\boxed{(1, \\frac{\\sqrt{3}}{2})}$"));
        assertEquals("\\{1,2\\}", AnswerExtractor.lastBoxed("\\boxed{\\{1,2\\}}"));
    }

    @Test
    void lastBoxedTakesTheLastOfSeveralBoxes() {
        assertEquals("7", AnswerExtractor.lastBoxed("First guess \\boxed{5}, but on reflection \\boxed{7}."));
        assertEquals("9", AnswerExtractor.lastBoxed("\\boxed{3} then \\fbox{9}"));
        assertEquals("3", AnswerExtractor.lastBoxed("\\fbox{9} then \\boxed{3}"));
    }

    @Test
    void lastBoxedReadsASingleTokenAfterASpace() {
        assertEquals("5", AnswerExtractor.lastBoxed("hence $\\boxed 5$"));
        assertEquals("42", AnswerExtractor.lastBoxed("answer \\boxed 42 done"));
    }

    @Test
    void lastBoxedIsNullWhenMissingOrUnbalanced() {
        assertNull(AnswerExtractor.lastBoxed("no box here"));
        assertNull(AnswerExtractor.lastBoxed(null));
        assertNull(AnswerExtractor.lastBoxed("\\boxed{\\frac{1}{2}"));
        assertNull(AnswerExtractor.lastBoxed("\\boxed{5} and then truncated \\boxed{\\frac{"));
        assertNull(AnswerExtractor.lastBoxed("\\boxedsomething{3}"));
    }

    @Test
    void boxedWinsOverTextMarkers() {
        assertExtracts("\\frac{1}{2}", "boxed", "The answer is 3.\n\nSo the final result is $\\boxed{\\frac{1}{2}}$.", ReferenceKind.EXPRESSION);
        assertExtracts("4", "fbox", "We get \\fbox{4}.", ReferenceKind.NUMBER);
    }

    @Test
    void theAnswerIs() {
        assertExtracts("42", "the_answer_is", "Adding up, the answer is 42.", ReferenceKind.EXPRESSION);
        assertExtracts("\\frac{3}{4}", "the_answer_is", "Thus the answer is $\\frac{3}{4}$. Done.", ReferenceKind.EXPRESSION);
        assertExtracts("3.5", "the_answer_is", "The answer is 3.5 because ...", ReferenceKind.NUMBER);
        assertExtracts("18", "the_answer_is", "So the answer is: she makes $18 every day.", ReferenceKind.NUMBER);
    }

    @Test
    void answerColonAndBoldAnswer() {
        assertExtracts("7", "answer_colon", "Reasoning...\nAnswer: 7", ReferenceKind.EXPRESSION);
        assertExtracts("x^2 + 1", "answer_colon", "**Answer:** $x^2 + 1$", ReferenceKind.EXPRESSION);
    }

    @Test
    void finalAnswerInMinervaFormat() {
        assertExtracts("\\frac{5}{2}", "final_answer",
                "Hence...\nFinal Answer: The final answer is $\\frac{5}{2}$. I hope it is correct.", ReferenceKind.EXPRESSION);
        assertExtracts("12", "final_answer", "Final Answer: 12", ReferenceKind.NUMBER);
    }

    @Test
    void gsm8kHashesAndAColon() {
        assertExtracts("1,234", "gsm8k_hashes", "She has 1,000 + 234 = <<1000+234=1234>>1,234 apples.\n#### 1,234", ReferenceKind.NUMBER);
        assertExtracts("18", "a_colon", "Janet sells 9 eggs.\nShe makes $<<9*2=18>>18.\nA: 18", ReferenceKind.NUMBER);
    }

    @Test
    void laterMarkerWins() {
        assertExtracts("9", "answer_colon", "I first thought the answer is 5, but that is wrong.\nAnswer: 9", ReferenceKind.NUMBER);
        assertExtracts("9", "the_answer_is", "Answer: let me think. 4+5 = 9, so the answer is 9.", ReferenceKind.NUMBER);
    }

    @Test
    void notesAfterTheAnswerDoNotHideIt() {
        assertExtracts("C", "the_answer_is", "The answer is (C). (Note: This answer is a guess based on rounding.)", ReferenceKind.LETTER);
        assertExtracts("12", "the_answer_is", "The answer is 12. This answer is approximate.", ReferenceKind.NUMBER);
    }

    @Test
    void explicitNonNumericAnswerBeatsLastNumber() {
        assertExtracts("I don't know", "answer_colon", "We got 3 and then 4.\nAnswer: I don't know", ReferenceKind.NUMBER);
    }

    @Test
    void letterAfterABoxedValueWins() {
        assertExtracts("F", "the_answer_is", "so $n = \\boxed{17}$. The answer is (F).", ReferenceKind.LETTER);
        assertExtracts("17", "boxed", "so $n = \\boxed{17}$. The answer is (F).", ReferenceKind.NUMBER);
    }

    @Test
    void multipleChoiceLetters() {
        assertExtracts("B", "the_answer_is", "Comparing the options, the answer is (B).", ReferenceKind.LETTER);
        assertExtracts("C", "answer_colon", "Answer: C", ReferenceKind.LETTER);
        assertExtracts("D", "mc_letter", "Options A-C fail, so we pick **D**", ReferenceKind.LETTER);
        assertExtracts("E", "mc_letter", "After checking each choice the correct one is (E)", ReferenceKind.LETTER);
        assertExtracts("A", "the_answer_is", "The answer is (A) 12 apples.", ReferenceKind.LETTER);
        assertExtracts("C", "boxed", "$\\boxed{\\text{(C)}}$", ReferenceKind.LETTER);
    }

    @Test
    void lastNumberOnlyForNumericReferences() {
        assertExtracts("26", "last_number", "so she makes 13 * 2 = 26 dollars", ReferenceKind.NUMBER);
        assertExtracts("3", "last_number", "16 - 13 = 3", ReferenceKind.NUMBER);
        assertExtracts("-4", "last_number", "the temperature fell to -4", ReferenceKind.NUMBER);
        assertNull(AnswerExtractor.extract("so she makes 13 * 2 = 26 dollars", ReferenceKind.EXPRESSION));
        assertNull(AnswerExtractor.extract("so she makes 13 * 2 = 26 dollars"));
    }

    @Test
    void cleansWrappers() {
        assertExtracts("5", "the_answer_is", "The answer is **$5$**.", ReferenceKind.EXPRESSION);
        assertExtracts("Monday", "answer_colon", "Answer: \\text{Monday}.", ReferenceKind.EXPRESSION);
    }

    @Test
    void nothingToExtract() {
        assertNull(AnswerExtractor.extract(null));
        assertNull(AnswerExtractor.extract(""));
        assertNull(AnswerExtractor.extract("   \n "));
        assertNull(AnswerExtractor.extract("I am not sure how to solve this.", ReferenceKind.NUMBER));
        assertNull(AnswerExtractor.extract("no letter here", ReferenceKind.LETTER));
    }

    @Test
    void markersWithoutAnAnswerExtractNothing() {
        for (String s : new String[] {"\\boxed{", "\\boxed", "}}}{{{", "The answer is", "Answer:", "####", "$", "$$",
            "\\boxed{\\}", "\\(", "**", "The answer is $", "Final Answer:"}) {
            for (ReferenceKind k : ReferenceKind.values()) {
                Extraction e = AnswerExtractor.extract(s, k);
                assertTrue(e == null || e.answer().isBlank(), s + " (" + k + ") gave " + e);
            }
            assertNull(AnswerExtractor.lastBoxed(s), s);
        }
    }

    @Test
    void optionStatedAsChosen() {
        assertExtracts("C", "mc_letter", "So the correct option is C.", ReferenceKind.LETTER);
        assertExtracts("B", "mc_letter", "Weighing both, the best choice is **(B)**", ReferenceKind.LETTER);
        assertNull(AnswerExtractor.extract("This option is Cheap and fast.", ReferenceKind.LETTER));
    }

    @Test
    void justificationAtTheEndIsNotPartOfTheAnswer() {
        assertExtracts("C", "the_answer_is", "The answer is C because", ReferenceKind.EXPRESSION);
        assertExtracts("12", "the_answer_is", "The answer is 12 since", ReferenceKind.NUMBER);
        assertExtracts("12 sinces", "the_answer_is", "The answer is 12 sinces", ReferenceKind.EXPRESSION);
    }
}
