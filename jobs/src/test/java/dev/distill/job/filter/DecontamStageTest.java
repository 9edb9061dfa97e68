package dev.distill.job.filter;

import static dev.distill.job.SparkTestSession.candidate;
import static dev.distill.job.SparkTestSession.candidates;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.SparkTestSession;
import dev.distill.job.SparkTestSession.CandidateRow;
import dev.distill.job.api.StageContext;
import dev.distill.job.io.StageResult;
import dev.distill.job.api.StageRunner;
import dev.distill.job.schema.Columns;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DecontamStageTest {
  private static final String EVAL_QUESTION =
      "Let $f(x) = \\frac{3}{4}x + 2$. Find the value of $f(8)$ and express your answer as a common fraction in lowest terms.";

  @TempDir
  Path tmp;

  private Path evalFile;

  // Source 0 (earlier) and source 1 (later).
  private final CandidateRow copy = candidate(
      "LET  f(x)=\\dfrac{3}{4} x+2.   Find the value of f(8) and express your answer as a common fraction in lowest terms")
      .source("pool/a", 0);
  private final CandidateRow unrelated = candidate("How many positive divisors does 360 have?").source("pool/a", 0);
  private final CandidateRow earlier = candidate(
      "A farmer has a rectangular field whose length is twice its width and whose perimeter is 120 meters. What is its area?")
      .source("pool/a", 0);
  private final CandidateRow overlapping = candidate(
      "In another puzzle, a farmer has a rectangular field whose length is twice its width. If the width grows by 5, how much does the area grow?")
      .source("pool/b", 1);
  private final CandidateRow sameInA = candidate(
      "Compute the number of ordered pairs of integers (a, b) with 1 <= a, b <= 50 such that a + b is divisible by 7.")
      .source("pool/a", 0);
  private final CandidateRow sameInB = candidate(
      "Compute the number of ordered pairs of integers (a, b) with 1 <= a, b <= 50 such that a + b is divisible by 7.")
      .source("pool/b", 1);
  private final CandidateRow laterUnrelated = candidate(
      "Two trains leave the same station at noon, one heading north at 60 km/h and one heading east at 80 km/h; when are they 500 km apart?")
      .source("pool/b", 1);

  @BeforeEach
  void writeEvalSet() throws IOException {
    evalFile = tmp.resolve("eval.jsonl");
    String other = "Find the smallest positive integer n such that n! ends in exactly twelve zeros.";
    Files.writeString(evalFile, "{\"problem\": " + json(EVAL_QUESTION) + "}\n{\"problem\": " + json(other) + "}\n",
        StandardCharsets.UTF_8);
  }

  private static String json(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private StageContext context(String... more) {
    String[] overrides = new String[more.length + 1];
    overrides[0] = "decontam.eval_sets=[{name: evalx, path: '" + evalFile + "', question: problem}]";
    System.arraycopy(more, 0, overrides, 1, more.length);
    return SparkTestSession.context(tmp.resolve("run"), overrides);
  }

  private StageResult run(StageContext context) {
    List<Row> rows = List.of(copy.row(), unrelated.row(), earlier.row(), overlapping.row(), sameInA.row(), sameInB.row(),
        laterUnrelated.row());
    return StageRunner.run(new DecontamStage(), context, candidates(rows));
  }

  /** origin -> [reason, detail, contaminated_by joined by |] of the removed rows. */
  private static Map<String, String[]> removed(StageContext context) {
    Map<String, String[]> out = new HashMap<>();
    for (Row r : context.spark().read().parquet(context.run().removed(DecontamStage.NAME))
        .select(Columns.ORIGIN, Columns.REASON, Columns.DETAIL, Columns.CONTAMINATED_BY).collectAsList()) {
      List<String> by = r.getList(3);
      out.put(r.getString(0), new String[] {r.getString(1), r.getString(2), String.join("|", by)});
    }
    return out;
  }

  @Test
  void removesEvalCopiesAndLaterSourceOverlapsButNotExactCopies() {
    StageContext context = context();
    StageResult result = run(context);

    assertEquals(Map.of("contaminated", 1L, "cross_source_overlap", 1L), result.removed());
    assertEquals(7, result.rowsIn());
    assertEquals(5, result.rowsOut());
    assertTrue(result.reconciles());
    assertEquals(Map.of("evalx", 2), result.extra().get("eval_items"));

    Map<String, String[]> removed = removed(context);
    assertEquals(2, removed.size(), "removed rows: " + removed.keySet());

    String[] contaminated = removed.get(copy.origin());
    assertEquals("contaminated", contaminated[0]);
    assertEquals("evalx:eval.jsonl:1", contaminated[2], "contaminated_by names the set and the item (file:line)");
    assertEquals(contaminated[2], contaminated[1], "detail is the first eval match");

    String[] overlap = removed.get(overlapping.origin());
    assertEquals("cross_source_overlap", overlap[0]);
    assertEquals("source:pool/a/" + earlier.id(), overlap[1]);
    assertEquals("", overlap[2], "a cross-source overlap is no eval contamination");

    List<Row> kept = context.spark().read().parquet(context.run().stage(DecontamStage.NAME))
        .select(Columns.ORIGIN, Columns.CONTAMINATED_BY).collectAsList();
    Map<String, Integer> keptOrigins = new HashMap<>();
    kept.forEach(r -> keptOrigins.put(r.getString(0), r.getList(1).size()));
    assertEquals(Map.of(unrelated.origin(), 0, earlier.origin(), 0, sameInA.origin(), 0, sameInB.origin(), 0,
        laterUnrelated.origin(), 0), keptOrigins);
  }

  @Test
  void crossSourceOffKeepsTheOverlapButStillRemovesEvalCopies() {
    StageContext context = context("decontam.cross_source=false");
    StageResult result = run(context);

    assertEquals(Map.of("contaminated", 1L), result.removed());
    assertEquals(6, result.rowsOut());
    Map<String, String[]> removed = removed(context);
    assertEquals(List.of(copy.origin()), List.copyOf(removed.keySet()));
    assertNull(removed.get(overlapping.origin()));
  }
}
