package dev.distill.udf.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.udf.SharedData;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class TruncationDetectorTest {

    private static String reason(String s) {
        return TruncationDetector.truncationReason(s);
    }

    @Test
    void eachRuleFires() {
        assertEquals(TruncationDetector.OPEN_THINK, reason("<think>\nLet me see. The sum is 4."));
        assertEquals(TruncationDetector.OPEN_CODE_BLOCK,
                reason("Here is the code:\n```python\nfor i in range(3):\n    print(i)"));
        assertEquals(TruncationDetector.OPEN_DISPLAY_MATH, reason("We get\n$$\nx = \\frac{1}{2}"));
        assertEquals(TruncationDetector.OPEN_DISPLAY_MATH, reason("We get \\[ x = 2 + y"));
        assertEquals(TruncationDetector.OPEN_INLINE_MATH, reason("so the value is $x = 2 + y"));
        assertEquals(TruncationDetector.OPEN_BRACE, reason("Therefore x equals \\boxed{12"));
        assertEquals(TruncationDetector.DANGLING_PUNCTUATION, reason("The roots are 1, 2,"));
        assertEquals(TruncationDetector.DANGLING_PUNCTUATION, reason("so x ="));
        assertEquals(TruncationDetector.DANGLING_WORD, reason("The answer is 5 and"));
        assertEquals(TruncationDetector.DANGLING_WORD, reason("We now compute THE"));
        assertEquals(TruncationDetector.MID_SENTENCE,
                reason("Now we need to check whether this value also satisfies the second equat"));
    }

    @Test
    void completeEndingsDoNotFire() {
        assertNull(reason("<think>ok</think> The answer is $\\boxed{5}$."));
        assertNull(reason("So the answer is 42"));
        assertNull(reason("Final answer: b"));
        assertNull(reason("The answer to the question is therefore option c"));
        assertNull(reason("Hence $x = 2$"));
        assertNull(reason("It costs $5."));
        assertNull(reason("He paid $5 for it\nand then left"));
        assertNull(reason("I think so"));
        assertNull(reason("$$x = 1$$\n\nDone."));
        assertNull(reason("Since $x,$$y,$ and $z$ are positive, $xyz = 288.$"));
        assertNull(reason("```\nint main() { return 0; }\n```\nThat is the program."));
        assertNull(reason("A stray { brace long ago. " + "Then the proof continues normally. ".repeat(10)));
        assertNull(reason("\\boxed{\\frac{1}{2}}"));
        assertNull(reason("We use \\{ 1, 2 \\} as the set."));
        assertNull(reason(""));
        assertNull(reason(null));
        assertFalse(TruncationDetector.looksTruncated("   \n"));
    }

    @Test
    void completeReferenceSolutionsAreNotFlaggedAndCutOnesOftenAre() {
        List<String> solutions = SharedData.jsonlStrings(
                SharedData.require("pool/math/math_test_solutions.jsonl"), "solution", 5000);
        List<String> flagged = new ArrayList<>();
        for (String s : solutions) {
            if (TruncationDetector.looksTruncated(s)) {
                flagged.add(s);
            }
        }
        // measured: none of the 5,000 complete solutions
        assertTrue(flagged.size() <= 2, "complete solutions flagged: " + flagged);

        Random random = new Random(42);
        int cut = 0;
        int detected = 0;
        for (String s : solutions) {
            if (s.length() < 100) {
                continue;
            }
            cut++;
            if (TruncationDetector.looksTruncated(s.substring(0, 20 + random.nextInt(s.length() - 40)))) {
                detected++;
            }
        }
        // measured: about 68% of the solutions cut at a random point are detected
        assertTrue(detected > cut / 2, detected + " of " + cut);
    }
}
