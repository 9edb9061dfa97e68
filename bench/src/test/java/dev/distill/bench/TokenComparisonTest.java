package dev.distill.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.distill.job.SharedPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Distill's token counter against the tokenizers library on the first 1,000 rows of the
 * 59,000-row bench pool (seed 1: every question, solution and trace, about 3.7M tokens); the whole
 * pool is {@code bin/distill bench --size 59000 --tokens-only true}.
 */
class TokenComparisonTest {

  @Test
  void theFirstRowsOfTheBenchPoolCountAsTheTokenizersLibraryDoes() {
    Path tokenizer = SharedPaths.qwenTokenizer();
    assumeTrue(Files.isRegularFile(tokenizer), tokenizer + " not found: skipping the token count comparison");
    String qwen = tokenizer.toString();
    Map<String, Object> f = TokenComparison.run(1_000, 1, qwen, 2);
    assertEquals(0L, ((Number) f.get("texts_counted_differently")).longValue(), String.valueOf(f.get("first_differences")));
    assertEquals(List.of(), f.get("first_differences"));
    assertEquals(3_000L, ((Number) f.get("texts")).longValue());
    assertEquals(f.get("tokens"), f.get("distill_tokens"));
    assertTrue(((Number) f.get("tokens")).longValue() > 1_000L * 2_500, "~3,600 tokens a trace: " + f.get("tokens"));
    assertTrue(((Number) f.get("distill_tokens_per_cpu_s")).longValue() > 0 && ((Number) f.get("native_ids_tokens_per_cpu_s")).longValue() > 0,
        f.toString());
    System.out.println("bench pool, first 1,000 rows: " + f);
  }
}
