package dev.distill.udf.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.distill.udf.SharedData;

import java.util.List;

import org.junit.jupiter.api.Test;

class S1FormatRulesTest {

    private static final String NUMINA = "AI-MO/NuminaMath-CoT/aops_forum";

    @Test
    void asyFiguresAreDroppedExceptForAime() {
        String q = "In the figure below, find the area.\n[asy]\ndraw((0,0)--(1,1));\n[/asy]";
        assertEquals(S1FormatRules.ASY_FIGURE, S1FormatRules.violation(q, NUMINA));
        assertEquals(S1FormatRules.ASY_FIGURE, S1FormatRules.violation(q, null));
        assertNull(S1FormatRules.violation(q, "qq8933/AIME_1983_2024"));
        assertNull(S1FormatRules.violation(q, "aime"));
        // the tag is case-sensitive, as in s1
        assertNull(S1FormatRules.violation("Draw [ASY] nothing", NUMINA));
    }

    @Test
    void imageLinksAreDropped() {
        assertEquals(S1FormatRules.IMAGE_REFERENCE, S1FormatRules.violation(
                "如图所示，求角度。\n\n![Image](https://cdn.example/x.png)", "gaokao"));
        assertNull(S1FormatRules.violation("See ![](https://cdn.mathpix.com/x.jpg)", "ob"));
        assertNull(S1FormatRules.violation("An [Image] of a cat", "x"));
    }

    @Test
    void numberedSubproblemsAreDropped() {
        assertEquals(S1FormatRules.NUMBERED_SUBPROBLEMS,
                S1FormatRules.violation("p1. Find x. p2. Find y.", NUMINA));
        assertEquals(S1FormatRules.NUMBERED_SUBPROBLEMS,
                S1FormatRules.violation("Round 3\n\np12. How many apples?", NUMINA));
        assertEquals(S1FormatRules.NUMBERED_SUBPROBLEMS,
                S1FormatRules.violation("(p999.) last one", NUMINA));
        assertNull(S1FormatRules.violation("In step1. we add", NUMINA));
        assertNull(S1FormatRules.violation("p1234. is too long a number", NUMINA));
        assertNull(S1FormatRules.violation("Let p be a prime with p > 2.", NUMINA));
        // like s1's rule, it also catches a variable p2 ending a sentence
        assertEquals(S1FormatRules.NUMBERED_SUBPROBLEMS,
                S1FormatRules.violation("Let p1 < p2.", NUMINA));
        assertNull(S1FormatRules.violation("Let $p$ be 1.5 times q", NUMINA));
    }

    @Test
    void boldNumberedHeadersAreDropped() {
        assertEquals(S1FormatRules.BOLD_NUMBERED,
                S1FormatRules.violation("**1.** Find all x such that x^2 = 4.", NUMINA));
        assertEquals(S1FormatRules.BOLD_NUMBERED,
                S1FormatRules.violation("**Problem3**: solve it", NUMINA));
        // the look-ahead needs a digit somewhere later on the same line
        assertEquals(S1FormatRules.BOLD_NUMBERED,
                S1FormatRules.violation("**Note** there are 3 cases", NUMINA));
        assertNull(S1FormatRules.violation("**Note**\nthere are 3 cases", NUMINA));
        assertNull(S1FormatRules.violation("**Problem 1** has a space inside", NUMINA));
        assertNull(S1FormatRules.violation("**[1]** bracket inside", NUMINA));
        assertNull(S1FormatRules.violation("Compute 2**10 and 3**4.", NUMINA));
    }

    @Test
    void cleanQuestionsPass() {
        assertNull(S1FormatRules.violation("How many positive divisors does 6! have?", NUMINA));
        assertNull(S1FormatRules.violation(null, NUMINA));
        assertNull(S1FormatRules.violation("", null));
    }

    @Test
    void releasedVariantKeepsS1sQuirks() {
        // no word boundary in s1: "step1." counts
        assertEquals(S1FormatRules.NUMBERED_SUBPROBLEMS,
                S1FormatRules.violationAsReleased("In step1. we add", NUMINA));
        assertNull(S1FormatRules.violationAsReleased("p0. is not in range(1, 1000)", NUMINA));
        // "AIME" is matched case-sensitively, and an AIME [asy] question is kept whatever else
        String asy = "[asy]draw(unitcircle);[/asy] ![Image](x.png)";
        assertNull(S1FormatRules.violationAsReleased(asy, "AIME 1983-2021"));
        assertEquals(S1FormatRules.ASY_FIGURE, S1FormatRules.violationAsReleased(asy, "aime"));
        assertEquals(S1FormatRules.IMAGE_REFERENCE, S1FormatRules.violation(asy, "AIME 1983-2021"));
    }

    @Test
    void mathTrainHasAsyFiguresAndNothingElse() {
        List<String> problems = SharedData.jsonlStrings(
                SharedData.require("pool/math/math_train_answers.jsonl"), "problem", 10_000);
        int asy = 0;
        for (String p : problems) {
            String v = S1FormatRules.violation(p, "math");
            if (v != null) {
                assertEquals(S1FormatRules.ASY_FIGURE, v, p);
                asy++;
            }
            assertEquals(v, S1FormatRules.violationAsReleased(p, "math"), p);
        }
        // cross-checked with s1's Python filter on the same file: 707 of 7,500
        assertEquals(707, asy);
    }
}
