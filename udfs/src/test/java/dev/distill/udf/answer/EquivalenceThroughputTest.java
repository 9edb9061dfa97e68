package dev.distill.udf.answer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Prints single-thread comparisons per second on typical answer pairs; asserts only that work was done. */
class EquivalenceThroughputTest {

    private static final String[][] PAIRS = {
        {"42", "42"}, {"1,000", "1000"}, {"\\dfrac{3}{4}", "0.75"}, {"\\frac{1}{2}", "\\frac{1}{3}"},
        {"2\\sqrt{2}", "\\sqrt{8}"}, {"x^2+2x+1", "(x+1)^2"}, {"(1, 2)", "(1,2)"}, {"[0, 1)", "[0,1]"},
        {"\\{2,1\\}", "\\{1,2\\}"}, {"50\\%", "0.5"}, {"30^\\circ", "30"}, {"x = 5", "5"}, {"\\text{(C)}", "C"},
        {"5 \\text{ cm}", "5"}, {"\\frac{\\sqrt{3}}{2}", "\\frac{1}{2}\\sqrt{3}"}, {"\\text{Monday}", "Tuesday"},
    };

    @Test
    void printsComparisonsPerSecond() {
        int matched = 0;
        for (int warm = 0; warm < 20_000; warm++) {
            String[] p = PAIRS[warm % PAIRS.length];
            if (AnswerEquivalence.equivalent(p[0], p[1])) {
                matched++;
            }
        }
        int n = 200_000;
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            String[] p = PAIRS[i % PAIRS.length];
            if (AnswerEquivalence.equivalent(p[0], p[1])) {
                matched++;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("AnswerEquivalence throughput: %.0f comparisons/s single-thread (%d in %.2fs)%n", n / seconds, n, seconds);
        assertTrue(matched > 0);
    }
}
