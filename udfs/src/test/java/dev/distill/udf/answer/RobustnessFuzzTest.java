package dev.distill.udf.answer;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Random LaTeX-like garbage (fixed seed) must never make any public method throw or hang. */
class RobustnessFuzzTest {

    private static final String[] PIECES = {
        "\\boxed{", "\\fbox{", "\\frac", "\\dfrac", "\\sqrt", "\\text{", "\\left(", "\\right)", "\\{", "\\}", "{", "}", "(", ")",
        "[", "]", "$", "$$", "**", "^", "_", "\\pi", "\\infty", "\\cup", "\\pm", "\\circ", "\\%", "%", ",", ".", "=", "+", "-",
        "*", "/", "|", "!", "\\\\", "&", "\\begin{pmatrix}", "\\end{pmatrix}", "x", "y", "e", "i", "0", "1", "2", "9", "1,000",
        " ", "\n", "The answer is ", "Answer:", "Final Answer: ", "#### ", "A: ", "(C)", "cm", "\\in", "\\log_", "\\sin", "\\,",
        "\\!", "\u00b0", "degrees", "\\mathrm{", "\\binom", "10^{", "e5", "\\cdot", "\\times"
    };

    @Test
    void randomGarbageNeverThrows() {
        Random random = new Random(7);
        long start = System.nanoTime();
        for (int n = 0; n < 20_000; n++) {
            String a = randomText(random);
            String b = randomText(random);
            assertDoesNotThrow(() -> {
                AnswerEquivalence.equivalent(a, b);
                AnswerGrader.grade(a, b);
                AnswerNormalizer.normalize(a, true);
                AnswerExtractor.lastBoxed(a);
                ReferenceKind.detect(b);
                for (ReferenceKind kind : ReferenceKind.values()) {
                    AnswerExtractor.extract(a, kind);
                }
            }, () -> "inputs: [" + a + "] [" + b + "]");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds < 60, "fuzzing took " + seconds + "s");
    }

    @Test
    void hugeAndDeeplyNestedInputsAreHandled() {
        String deep = "\\text{".repeat(20_000) + "5" + "}".repeat(20_000);
        String braces = "\\boxed{" + "{".repeat(50_000) + "}".repeat(50_000) + "}";
        String longResponse = "Let us compute. ".repeat(50_000) + "The answer is 42.";
        assertDoesNotThrow(() -> {
            AnswerGrader.grade(deep, "5");
            AnswerGrader.grade("\\boxed{" + deep + "}", deep);
            AnswerGrader.grade(braces, "1");
            AnswerNormalizer.normalize(deep, true);
            AnswerNormalizer.normalize("\\frac".repeat(10_000) + "12", true);
        });
        assertTrue(AnswerGrader.grade(longResponse, "42").isCorrect());
    }

    private static String randomText(Random random) {
        int parts = random.nextInt(12);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < parts; i++) {
            b.append(PIECES[random.nextInt(PIECES.length)]);
        }
        return b.toString();
    }
}
