package dev.distill.job.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.distill.job.SharedPaths;
import dev.distill.udf.tokens.BpeTokenCounter;
import dev.distill.udf.tokens.HfTokenCounter;
import dev.distill.udf.tokens.TokenCounter;
import dev.distill.udf.tokens.TokenCounters;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Java BPE counter gives the tokenizers library's count (DJL) on every question, solution and
 * trace of the whole public pool (every row of every source in conf/public-pool.yaml, as ingest
 * maps it) with the Qwen tokenizer. Skipped when the shared data or the tokenizer is absent.
 */
class PublicPoolTokenCountsTest {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  @Test
  void everyTextOfThePublicPoolCountsAsTheTokenizersLibraryDoes() throws IOException {
    Path qwen = SharedPaths.qwenTokenizer();
    assumeTrue(Files.isRegularFile(qwen), qwen + " not found: skipping the token count check on the public pool");
    TokenCounter ours = TokenCounters.forPath(qwen.toString());
    assertInstanceOf(BpeTokenCounter.class, ours);
    long[] texts = new long[2];
    long[] cpu = new long[2];
    List<String> differ = new ArrayList<>();
    try (HfTokenCounter library = new HfTokenCounter(qwen.toString())) {
      PublicPoolConfigTest.forEachPoolRecord(r -> {
        for (String text : new String[] {r.question(), r.solution(), r.trace()}) {
          if (text == null) {
            continue;
          }
          long c0 = THREADS.getCurrentThreadCpuTime();
          int a = ours.count(text);
          long c1 = THREADS.getCurrentThreadCpuTime();
          int b = library.count(text);
          cpu[0] += c1 - c0;
          cpu[1] += THREADS.getCurrentThreadCpuTime() - c1;
          texts[0]++;
          texts[1] += b;
          if (a != b && differ.size() < 5) {
            differ.add(r.source() + ": ours " + a + ", library " + b + " (text of " + text.length() + " chars)");
          }
        }
      });
    }
    // For information only (speed figures come from bin/distill bench --tokens-only).
    System.out.printf("public pool: %,d texts, %,d tokens, counted alike by both; CPU seconds ours %.2f, library %.2f%n", texts[0], texts[1],
        cpu[0] / 1e9, cpu[1] / 1e9);
    assertEquals(List.of(), differ);
    assertTrue(texts[0] > 76_946, "every row has a question, some a solution: " + texts[0]);
  }
}
