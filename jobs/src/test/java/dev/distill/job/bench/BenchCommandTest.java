package dev.distill.job.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.error.ConfigException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchCommandTest {

  @Test
  void sizesTakeSuffixesAndSeparators() {
    assertEquals(59_000, BenchCommand.parseSize("59000"));
    assertEquals(59_000, BenchCommand.parseSize("59k"));
    assertEquals(1_000_000, BenchCommand.parseSize("1m"));
    assertEquals(1_000_000, BenchCommand.parseSize("1,000,000"));
    assertEquals(10_000, BenchCommand.parseSize("10_000"));
    ConfigException small = assertThrows(ConfigException.class, () -> BenchCommand.parseSize("10"));
    assertTrue(small.getMessage().contains("at least 100"), small.getMessage());
    assertThrows(ConfigException.class, () -> BenchCommand.parseSize("lots"));
  }

  @Test
  void optionsRejectBadValuesAndAMissingTokenizer() {
    assertThrows(ConfigException.class, () -> BenchCommand.options(Map.of("peers", "maybe", "tokenizer", ""), List.of()));
    ConfigException e = assertThrows(ConfigException.class, () -> BenchCommand.options(Map.of("tokenizer", "/nonexistent/tokenizer.json"), List.of()));
    assertTrue(e.getMessage().contains("--tokenizer"), e.getMessage());
    BenchCommand.Options o = BenchCommand.options(Map.of("size", "2k", "tokenizer", "", "peers", "false"), List.of());
    assertEquals(2000, o.size());
    assertEquals(false, o.peers());
    assertEquals(16L << 20, o.tokenSampleChars());
  }

  @Test
  void summaryLineCarriesTheHeadlineFigures() {
    Map<String, Object> f = new java.util.LinkedHashMap<>();
    f.put("size", 59000);
    f.put("trace_tokens", 212_400_000L);
    f.put("pipeline_seconds", 171.25);
    f.put("peak_heap_used_bytes", 3L << 30);
    f.put("peak_heap_after_gc_bytes", 1L << 30);
    f.put("peak_rss_bytes", 5L << 30);
    f.put("near_duplicates", Map.of("speedup", 8.0, "distill", Map.of("seconds", 2.0, "recall", 0.99),
        "mllib", Map.of("seconds", 16.0, "recall", 0.98)));
    String s = BenchCommand.summary(f);
    assertTrue(s.contains("59,000 candidates, 212.4M trace tokens counted: pipeline 171.3s wall"), s);
    assertTrue(s.contains("peak heap 3.00 GiB used / 1.00 GiB after GC, peak RSS 5.00 GiB"), s);
    assertTrue(s.contains("near-dup 2.00s vs MLlib 16.00s (8.0x), recall 0.990 vs 0.980"), s);
  }
}
