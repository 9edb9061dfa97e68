package dev.distill.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.job.io.Json;
import dev.distill.udf.hash.MinHash;
import dev.distill.udf.quality.RepetitionDetector;
import dev.distill.udf.quality.TruncationDetector;
import dev.distill.udf.text.ContentId;
import dev.distill.udf.text.NGrams;
import dev.distill.udf.tokens.EstimatedTokenCounter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchPoolTest {
  static final long SEED = 11;

  @Test
  void sameSeedWritesTheSameBytesAndAnotherSeedDoesNot(@TempDir Path dir) throws Exception {
    BenchPool.Written a = BenchPool.write(dir.resolve("a"), 3000, SEED, 2);
    BenchPool.Written b = BenchPool.write(dir.resolve("b"), 3000, SEED, 1);
    BenchPool.Written c = BenchPool.write(dir.resolve("c"), 3000, SEED + 1, 2);
    // two shards of 2,500 rows; thread count does not matter
    assertEquals(List.of(a.poolDir().resolve("source-0")), a.sourceDirs());
    for (String part : List.of("source-0/part-00000.jsonl", "source-0/part-00001.jsonl")) {
      assertArrayEquals(Files.readAllBytes(a.poolDir().resolve(part)), Files.readAllBytes(b.poolDir().resolve(part)), part);
      assertFalse(java.util.Arrays.equals(Files.readAllBytes(a.poolDir().resolve(part)), Files.readAllBytes(c.poolDir().resolve(part))), part);
    }
    assertEquals(3000, Files.readAllLines(a.poolDir().resolve("source-0/part-00000.jsonl")).size()
        + Files.readAllLines(a.poolDir().resolve("source-0/part-00001.jsonl")).size());
    assertEquals(a.planted(), b.planted());
    assertArrayEquals(Files.readAllBytes(a.evalFile()), Files.readAllBytes(b.evalFile()));
    assertFalse(a.reused());
    BenchPool.Written again = BenchPool.write(dir.resolve("a"), 3000, SEED, 2);
    assertTrue(again.reused(), "a complete pool of the same rows and seed is reused");
    assertEquals(a.bytes(), again.bytes());
    BenchPool.Written bigger = BenchPool.write(dir.resolve("a"), 3100, SEED, 2);
    assertFalse(bigger.reused(), "another size regenerates");
  }

  @Test
  void rowsHaveS1Shapes() {
    EstimatedTokenCounter estimate = new EstimatedTokenCounter();
    int n = 1500;
    double words = 0;
    double tokens = 0;
    int max = 0;
    int over10k = 0;
    int truncated = 0;
    int repetitive = 0;
    for (long i = 0; i < n; i++) {
      JsonNode row = BenchPool.row(i, SEED, new ArrayList<>());
      words += BenchText.words(row.path("problem").asText());
      String trace = row.path("thinking").asText();
      int t = estimate.count(trace);
      tokens += t;
      max = Math.max(max, t);
      over10k += t > 10_000 ? 1 : 0;
      truncated += TruncationDetector.looksTruncated(trace) ? 1 : 0;
      repetitive += RepetitionDetector.repeatedNgramFraction(trace, 10) > 0.5 ? 1 : 0;
      assertTrue(row.path("student_answers").size() == 2 && !row.path("answer").asText().isEmpty());
    }
    assertEquals(80, words / n, 6, "question ~80 words");
    // estimated tokens run ~3% under Qwen's exact count on this text (3,600 exact)
    assertEquals(3500, tokens / n, 300, "trace ~3,500 estimated tokens on average");
    // the cap is on the target; separators between sentences are not counted while writing (a few percent)
    assertTrue(max <= BenchPool.TRACE_MAX * 1.05 && max > 12_000, "long tail, capped: " + max);
    assertTrue(over10k > 10 && over10k < 150, "a tail of long traces: " + over10k);
    assertEquals(0, truncated, "traces end with their answer");
    assertEquals(0, repetitive, "traces do not look like loops to the quality stage");
  }

  @Test
  void plantsNearAndExactDuplicatesAndContaminatedItemsWithTheirIds() {
    int n = 6000;
    List<BenchPool.Planted> planted = new ArrayList<>();
    Map<Long, String> questions = new HashMap<>();
    for (long i = 0; i < n; i++) {
      ObjectNode row = BenchPool.row(i, SEED, planted);
      questions.put(i, row.path("problem").asText());
    }
    long near = planted.stream().filter(p -> p.kind().equals("near")).count();
    long exact = planted.stream().filter(p -> p.kind().equals("exact")).count();
    long contaminated = planted.stream().filter(p -> p.kind().equals("contaminated")).count();
    assertEquals(0.03 * n, near, 0.006 * n, "~3% near-duplicates");
    assertEquals(0.01 * n, exact, 0.004 * n);
    assertEquals(0.005 * n, contaminated, 0.003 * n);
    for (BenchPool.Planted p : planted) {
      String q = questions.get(p.row());
      assertEquals(ContentId.of(q), p.id(), "planted id is the content id of row " + p.row());
      switch (p.kind()) {
        case "near" -> {
          String original = questions.get(p.ofRow());
          assertTrue(p.ofRow() < p.row() && p.ofRow() / BenchPool.SHARD_ROWS == p.row() / BenchPool.SHARD_ROWS, "same shard, same source");
          assertEquals(ContentId.of(original), p.ofId());
          assertNotEquals(p.id(), p.ofId(), "a near-duplicate is not an exact one");
          double j = MinHash.jaccard(q, original, 5);
          assertTrue(j >= 0.85 && j < 1, "near-duplicate Jaccard " + j + " (" + p.edit() + ")");
        }
        case "exact" -> assertEquals(questions.get(p.ofRow()), q);
        case "contaminated" -> {
          int item = Integer.parseInt(p.ofId().substring("bench-eval/".length()));
          String eval = BenchPool.evalQuestion(item, SEED);
          assertNotEquals(eval, q, "formatting differs");
          assertTrue(NGrams.intersectionSize(NGrams.hashes(q, 8), NGrams.hashes(eval, 8)) > 0, "shares 8-grams with its eval item");
        }
        default -> throw new AssertionError(p.kind());
      }
    }
    // Unrelated questions do not look alike: no plain pair among the first 300 comes near the dedup threshold.
    long[][] shingles = new long[300][];
    for (int i = 0; i < 300; i++) {
      shingles[i] = NGrams.hashes(questions.get((long) i), 5);
    }
    for (int i = 0; i < 300; i++) {
      for (int j = i + 1; j < 300; j++) {
        if (BenchPool.kind(i, SEED) == BenchPool.Kind.PLAIN && BenchPool.kind(j, SEED) == BenchPool.Kind.PLAIN) {
          int common = NGrams.intersectionSize(shingles[i], shingles[j]);
          assertTrue((double) common / (shingles[i].length + shingles[j].length - common) < 0.3, i + " vs " + j);
        }
      }
    }
  }

  @Test
  void plantedRecordsRoundTripThroughTheTsv() {
    BenchPool.Planted p = new BenchPool.Planted("near", "abc", 12, "def", 3, "appended");
    assertEquals(p, BenchPool.Planted.parse(p.tsv()));
  }

  @Test
  void rejectsAnEmptyPool(@TempDir Path dir) {
    assertThrows(IllegalArgumentException.class, () -> BenchPool.write(dir, 0, SEED, 1));
  }

  @Test
  void jsonLinesHoldTheFieldsTheBenchConfigMaps(@TempDir Path dir) throws Exception {
    BenchPool.Written w = BenchPool.write(dir, 200, SEED, 1);
    String first = Files.readAllLines(w.poolDir().resolve("source-0/part-00000.jsonl")).get(0);
    JsonNode row = Json.MAPPER.readTree(first);
    for (String field : List.of("problem", "answer", "solution", "level", "thinking", "attempt", "student_answers")) {
      assertTrue(row.hasNonNull(field), field);
    }
    assertEquals(BenchPool.EVAL_ITEMS, Files.readAllLines(w.evalFile()).size());
  }
}
