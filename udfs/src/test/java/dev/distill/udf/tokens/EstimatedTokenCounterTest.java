package dev.distill.udf.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.udf.SharedData;

import java.util.List;

import org.junit.jupiter.api.Test;

class EstimatedTokenCounterTest {

    private final EstimatedTokenCounter estimate = new EstimatedTokenCounter();

    @Test
    void smallCases() {
        assertEquals(0, estimate.count(null));
        assertEquals(0, estimate.count(""));
        assertEquals(1, estimate.count(" "));
        assertEquals(2, estimate.count("Hello world")); // 0.70*2 + 0.37
        assertEquals(4, estimate.count("2024")); // one token per digit, as Qwen does
        assertEquals(6, estimate.count("求函数的最小值。")); // 7 * 0.76 + 0.92 ("。"); Qwen: 6
        assertFalse(estimate.exact());
        assertEquals("estimated", estimate.name());
    }

    @Test
    void totalsAreWithinTenPercentOfTheRealTokenizer() {
        HfTokenCounter exact = new HfTokenCounter(SharedData.requireQwenTokenizer().toString());
        List<String> english = SharedData.jsonlStrings(
                SharedData.require("pool/math/math_test_solutions.jsonl"), "solution", 2000);
        List<String> chinese = SharedData.jsonArrayStrings(
                SharedData.require("pool/olympiadbench/Chinese_Olympiad_Mathematics.json"),
                "solution", 500);
        for (List<String> corpus : List.of(english, chinese)) {
            long real = 0;
            long estimated = 0;
            for (String t : corpus) {
                real += exact.count(t);
                estimated += estimate.count(t);
            }
            double ratio = (double) estimated / real;
            System.out.printf("EstimatedTokenCounter: %d texts, estimate/exact = %.3f%n", corpus.size(), ratio);
            assertTrue(ratio > 0.9 && ratio < 1.1, "estimate/exact = " + ratio);
        }
    }
}
