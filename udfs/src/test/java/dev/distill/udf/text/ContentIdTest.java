package dev.distill.udf.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.udf.SharedData;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class ContentIdTest {

    @Test
    void isTheSha256PrefixOfTheNormalisedText() {
        // sha256("hello") = 2cf24dba5fb0a30e26e8...
        assertEquals("2cf24dba5fb0a30e", ContentId.of("  HELLO! "));
        // sha256("") = e3b0c44298fc1c14...
        assertEquals("e3b0c44298fc1c14", ContentId.of(null));
        assertEquals("e3b0c44298fc1c14", ContentId.of("$$"));
    }

    @Test
    void formattingVariantsShareAnIdAndDifferentQuestionsDoNot() {
        String id = ContentId.of("What is $\\frac{1}{2}$ of 10?");
        assertTrue(id.matches("[0-9a-f]{16}"));
        assertEquals(id, ContentId.of("what is \\dfrac12 of 10"));
        assertNotEquals(id, ContentId.of("What is $\\frac{1}{3}$ of 10?"));
    }

    @Test
    void theTwoCopiesOfMathTestGetTheSameIds() {
        List<String> answers = SharedData.jsonlStrings(
                SharedData.require("pool/math/math_test_answers.jsonl"), "problem", 10_000);
        List<String> solutions = SharedData.jsonlStrings(
                SharedData.require("pool/math/math_test_solutions.jsonl"), "problem", 10_000);
        Set<String> a = new HashSet<>();
        answers.forEach(q -> a.add(ContentId.of(q)));
        Set<String> b = new HashSet<>();
        solutions.forEach(q -> b.add(ContentId.of(q)));
        assertEquals(5000, answers.size());
        assertEquals(a, b);
        // a handful of MATH problems are repeated verbatim; ids must not collapse many more
        assertTrue(a.size() > 4950, "distinct ids: " + a.size());
    }
}
