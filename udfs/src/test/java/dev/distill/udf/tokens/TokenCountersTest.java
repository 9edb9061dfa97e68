package dev.distill.udf.tokens;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.distill.udf.SharedData;

import org.junit.jupiter.api.Test;

class TokenCountersTest {

    @Test
    void noPathMeansEstimates() {
        assertInstanceOf(EstimatedTokenCounter.class, TokenCounters.forPath(null));
        assertInstanceOf(EstimatedTokenCounter.class, TokenCounters.forPath("  "));
    }

    @Test
    void aPathMeansTheRealTokenizer() {
        String path = SharedData.requireQwenTokenizer().toString();
        // Qwen's byte-level BPE is counted in Java; the directory works as the file does
        assertInstanceOf(BpeTokenCounter.class, TokenCounters.forPath(path));
        assertInstanceOf(BpeTokenCounter.class, TokenCounters.forPath(SharedData.requireQwenTokenizer().getParent().toString()));
    }

    @Test
    void aWrongPathIsAnErrorNotAFallback() {
        assertThrows(IllegalArgumentException.class, () -> TokenCounters.forPath("/no/such/tokenizer.json"));
    }
}
