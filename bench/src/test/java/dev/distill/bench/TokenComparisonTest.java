package dev.distill.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Distill's token counter against the tokenizers library on the first 2,000 rows of the
 * 59,000-row bench pool (seed 1: every question, solution and trace, about 7M tokens); the whole
 * pool is {@code bin/distill bench --size 59000 --tokens-only true}.
 */
class TokenComparisonTest {

  @Test
  void theFirstRowsOfTheBenchPoolCountAsTheTokenizersLibraryDoes() {
    String qwen = BenchCommand.defaultTokenizer();
    assumeTrue(!qwen.isEmpty() && Files.isRegularFile(Path.of(qwen)), "no Qwen tokenizer beside the shared data: skipping");
    Map<String, Object> f = TokenComparison.run(2_000, 1, qwen, 2);
    assertEquals(0L, ((Number) f.get("texts_counted_differently")).longValue(), String.valueOf(f.get("first_differences")));
    assertEquals(List.of(), f.get("first_differences"));
    assertEquals(6_000L, ((Number) f.get("texts")).longValue());
    assertEquals(f.get("tokens"), f.get("distill_tokens"));
    assertTrue(((Number) f.get("tokens")).longValue() > 2_000L * 2_500, "~3,600 tokens a trace: " + f.get("tokens"));
    assertTrue(((Number) f.get("distill_tokens_per_cpu_s")).longValue() > 0 && ((Number) f.get("native_ids_tokens_per_cpu_s")).longValue() > 0,
        f.toString());
    System.out.println("bench pool, first 2,000 rows: " + f);
  }
}
