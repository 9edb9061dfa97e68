package dev.distill.job.filter;

import static dev.distill.job.SparkTestSession.candidate;
import static dev.distill.job.SparkTestSession.candidates;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.KeptFromInputCheck;
import dev.distill.job.SparkTestSession;
import dev.distill.job.SparkTestSession.CandidateRow;
import dev.distill.job.api.StageContext;
import dev.distill.job.io.StageResult;
import dev.distill.job.api.StageRunner;
import dev.distill.job.schema.Columns;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QualityStageTest {
  private static final String TRACE = "Two plus two is four, so the final answer is 4.";
  private static final String ATTEMPT = "The answer is 4.";

  @TempDir
  Path tmp;

  /** A row with a complete generation, so only the rule under test can fire. */
  private static CandidateRow generated(String question) {
    return candidate(question).source("math/test").trace(TRACE).attempt(ATTEMPT);
  }

  /** The checks run once per row: the reason and detail columns read the flags, they do not call the checks again. */
  @Test
  void theChecksRunOncePerRow() {
    StageContext context = SparkTestSession.context(tmp, "quality.generation_expected=true");
    String file = tmp.resolve("input").toString();
    candidates(List.of(generated("What is the greatest common divisor of 84 and 126?").row())).write().parquet(file);
    Dataset<Row> out = new QualityStage().apply(context, context.spark().read().parquet(file));
    String plan = out.queryExecution().optimizedPlan().toString();
    int calls = plan.split("UDF\\(", -1).length - 1;
    assertEquals(1, calls, plan);
  }

  @Test
  void dropsEachRuleWithItsReasonAndKeepsTheRest() {
    Map<CandidateRow, String> expected = new LinkedHashMap<>();
    expected.put(generated("Find the area of the shaded region below. [asy] draw((0,0)--(1,1)); [/asy]"), "asy_figure");
    expected.put(generated("Find the area of the shaded region below. [asy] draw((0,0)--(2,2)); [/asy]").source("aime/2024"), null);
    expected.put(generated("Look at the figure ![Image](http://example.com/f.png) and find the length x."), "image_reference");
    expected.put(generated("p1. Find x if 2x = 4. p2. Find y if 3y = 9."), "numbered_subproblems");
    expected.put(generated("Problem **3**: find the value of x such that x + 1 = 2."), "bold_numbered");
    expected.put(generated(""), "missing_question");
    expected.put(generated("   \n\t "), "missing_question");
    expected.put(generated("Add 2+2."), "short_question");
    expected.put(candidate("What is the sum of the interior angles of a hexagon?").source("math/test").trace(TRACE), "api_error");
    expected.put(generated("How many primes are there below one hundred?")
        .trace("We list the primes below one hundred and then we count them. The count of the"), "truncated_trace");
    expected.put(generated("What is the greatest common divisor of 84 and 126?")
        .trace("The answer is clearly forty two, as we checked before. ".repeat(200).strip()), "repetitive_trace");
    expected.put(generated("求满足条件的所有正整数之和，并说明你的理由。"), "non_target_language");
    expected.put(generated("$$2+2=?$$ $$3 \\times 4 = ?$$"), null);
    expected.put(generated("Let $x$ be a real number with $x^2 = 9$ and $x > 0$. Find $x$."), null);

    StageContext context = SparkTestSession.context(tmp, "quality.target_scripts=[latin]", "quality.generation_expected=true");
    List<Row> rows = new ArrayList<>();
    expected.keySet().forEach(c -> rows.add(c.row()));
    StageResult result = StageRunner.run(new QualityStage(), context, candidates(rows));

    Map<String, Long> expectedCounts = new TreeMap<>();
    expected.values().stream().filter(r -> r != null).forEach(r -> expectedCounts.merge(r, 1L, Long::sum));
    assertEquals(expectedCounts, result.removed());
    assertEquals(expected.size(), result.rowsIn());
    assertEquals(3, result.rowsOut());
    assertEquals(result.rowsIn(), result.rowsOut() + result.removedTotal());
    assertTrue(result.reconciles());
    assertEquals(Boolean.TRUE, result.extra().get("generation_expected"));

    Map<String, String> expectedByOrigin = new HashMap<>();
    expected.forEach((c, reason) -> expectedByOrigin.put(c.origin(), reason));

    assertTrue(context.run().isCommitted(context.run().stage(QualityStage.NAME)));
    assertTrue(context.run().isCommitted(context.run().removed(QualityStage.NAME)));
    Dataset<Row> removed = context.spark().read().parquet(context.run().removed(QualityStage.NAME));
    Map<String, String> removedReasons = new HashMap<>();
    for (Row r : removed.select(Columns.ORIGIN, Columns.REASON, Columns.DETAIL, Columns.QUALITY_FLAGS).collectAsList()) {
      removedReasons.put(r.getString(0), r.getString(1));
      List<String> flags = r.getList(3);
      assertEquals(r.getString(1), flags.get(0), "the reason is the first flag of " + r.getString(0));
      assertEquals(String.join(",", flags), r.getString(2), "the detail lists every flag of " + r.getString(0));
    }
    Map<String, String> expectedRemoved = new HashMap<>(expectedByOrigin);
    expectedRemoved.values().removeIf(v -> v == null);
    assertEquals(expectedRemoved, removedReasons);

    Dataset<Row> kept = context.spark().read().parquet(context.run().stage(QualityStage.NAME));
    assertFalse(Arrays.asList(kept.columns()).contains(Columns.REASON), "kept rows carry no reason column");
    Map<String, List<String>> keptFlags = new HashMap<>();
    for (Row r : kept.select(Columns.ORIGIN, Columns.QUALITY_FLAGS).collectAsList()) {
      keptFlags.put(r.getString(0), r.getList(1));
    }
    Map<String, List<String>> expectedKept = new HashMap<>();
    expectedByOrigin.forEach((origin, reason) -> {
      if (reason == null) {
        expectedKept.put(origin, List.of());
      }
    });
    assertEquals(expectedKept, keptFlags);
  }

  /** Kept rows written from the input less the removed keys are the rows, columns and types the verdicts give. */
  @Test
  void keptRowsFromTheInputAreTheRowsTheVerdictsKeep() {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      rows.add(generated(i % 3 == 0 ? "Add " + i + "." : "How many positive divisors does " + (i + 100) + " have in all?").row());
    }
    StageContext context = SparkTestSession.context(tmp, "quality.generation_expected=true");
    Dataset<Row> input = candidates(rows).repartition(3);
    StageResult result = KeptFromInputCheck.run(new QualityStage(), context, input, tmp);
    assertEquals(Map.of(QualityStage.SHORT_QUESTION, 14L), result.removed());
  }

  /** Two rows with one key (source, origin), one removed: the anti-join would lose the other, so the kept rows come from the verdicts. */
  @Test
  void aKeySharedByAKeptAndARemovedRowFallsBackToTheVerdicts() {
    CandidateRow removed = generated("Add 2+2.").origin("shared#1");
    CandidateRow kept = generated("What is the greatest common divisor of 84 and 126?").origin("shared#1");
    StageContext context = SparkTestSession.context(tmp, "quality.generation_expected=true");
    StageResult result = StageRunner.run(new QualityStage(), context, candidates(List.of(removed.row(), kept.row())));
    assertEquals(1, result.rowsOut());
    assertEquals(Map.of(QualityStage.SHORT_QUESTION, 1L), result.removed());
    assertEquals("verdicts computed again", result.extra().get("kept_rows_from"));
    List<Row> keptRows = context.spark().read().parquet(context.run().stage(QualityStage.NAME)).select(Columns.QUESTION).collectAsList();
    assertEquals(List.of(kept.row().getString(3)), keptRows.stream().map(r -> r.getString(0)).toList());
  }

  @Test
  void withoutAnyTraceNoRowIsAnApiErrorAndOtherLanguagesPassWhenAllScriptsAreTargets() {
    CandidateRow plain = candidate("What is the sum of the interior angles of a hexagon?");
    CandidateRow chinese = candidate("求满足条件的所有正整数之和，并说明你的理由。");
    StageContext context = SparkTestSession.context(tmp, "quality.target_scripts=[]");
    StageResult result = StageRunner.run(new QualityStage(), context, candidates(List.of(plain.row(), chinese.row())));

    assertEquals(Map.of(), result.removed());
    assertEquals(2, result.rowsOut());
    assertEquals(Boolean.FALSE, result.extra().get("generation_expected"));
  }
}
