package dev.distill.job.score;

import dev.distill.job.SharedPaths;

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
import dev.distill.udf.tokens.HfTokenCounter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DifficultyStageTest {
  private static final String TRACE = "Halve one: the answer is 1/2, since one of the two equal parts is taken.";

  @TempDir
  Path tmp;

  private static Map<String, Boolean> grades(String m1, boolean c1, String m2, boolean c2) {
    Map<String, Boolean> g = new TreeMap<>();
    g.put(m1, c1);
    g.put(m2, c2);
    return g;
  }

  private final CandidateRow unsolved = candidate("What is one half of one, written as a fraction?")
      .grades(grades("m1", false, "m2", false)).trace(TRACE).attempt("The answer is \\boxed{1/2}").answer("\\frac{1}{2}");
  private final CandidateRow solvedByM1 = candidate("What is one third of three, as a whole number?")
      .grades(grades("m1", true, "m2", false)).attempt("The answer is \\boxed{1}").answer("1");
  private final CandidateRow wrongTeacher = candidate("What is one quarter of two, written as a fraction?")
      .trace(TRACE).attempt("The answer is \\boxed{3/4}").answer("\\frac{1}{2}");
  private final CandidateRow level5 = candidate("Find all real x with x^4 - 5x^2 + 4 = 0 and sum their squares.")
      .source("math/test").level("Level 5").solution("The roots are -2, -1, 1, 2, so the sum of squares is 10.").answer("10");

  private List<Row> rows() {
    return List.of(unsolved.row(), solvedByM1.row(), wrongTeacher.row(), level5.row());
  }

  private static Map<String, Row> byOrigin(Dataset<Row> rows) {
    Map<String, Row> out = new HashMap<>();
    for (Row r : rows.collectAsList()) {
      out.put(r.getAs(Columns.ORIGIN), r);
    }
    return out;
  }

  @Test
  void hardFilterRemovesQuestionsAStudentSolvedAndScoresTheRest() {
    StageContext context = SparkTestSession.context(tmp);
    StageResult result = StageRunner.run(new DifficultyStage(), context, candidates(rows()));

    assertEquals(Map.of("solved_by_student", 1L), result.removed());
    assertEquals(3, result.rowsOut());
    assertTrue(result.reconciles());
    assertEquals(Boolean.TRUE, result.extra().get("hard_filter"), "auto turns the hard filter on when grades are present");
    assertEquals("estimated", result.extra().get("token_counting"));

    Map<String, Row> removed = byOrigin(context.spark().read().parquet(context.run().removed(DifficultyStage.NAME)));
    assertEquals(List.of(solvedByM1.origin()), List.copyOf(removed.keySet()));
    Row solved = removed.get(solvedByM1.origin());
    assertEquals("solved_by_student", solved.getAs(Columns.REASON));
    assertEquals("solved by m1", solved.getAs(Columns.DETAIL));
    assertEquals(1, (Integer) solved.getAs(Columns.STUDENTS_CORRECT));
    assertEquals(2, (Integer) solved.getAs(Columns.STUDENTS_TOTAL));

    Map<String, Row> kept = byOrigin(context.spark().read().parquet(context.run().stage(DifficultyStage.NAME)));
    Row u = kept.get(unsolved.origin());
    assertEquals(0, (Integer) u.getAs(Columns.STUDENTS_CORRECT));
    assertEquals(2, (Integer) u.getAs(Columns.STUDENTS_TOTAL));
    assertEquals(1.0, (Double) u.getAs(Columns.DIFFICULTY));
    assertEquals("students 0/2 correct", u.getAs(Columns.DIFFICULTY_BASIS));
    assertEquals(Boolean.TRUE, u.getAs(Columns.TEACHER_CORRECT), "\\boxed{1/2} matches \\frac{1}{2}");
    assertTrue((Integer) u.getAs(Columns.TRACE_TOKENS) > 0);
    assertEquals("trace", u.getAs(Columns.LENGTH_BASIS));
    assertEquals((Integer) u.getAs(Columns.TRACE_TOKENS), (Integer) u.getAs(Columns.LENGTH_TOKENS));

    Row w = kept.get(wrongTeacher.origin());
    assertEquals(Boolean.FALSE, w.getAs(Columns.TEACHER_CORRECT));
    assertNull(w.getAs(Columns.STUDENTS_CORRECT), "no grades, no pass counts");
    assertNull(w.getAs(Columns.STUDENTS_TOTAL));

    Row l = kept.get(level5.origin());
    assertEquals(1.0, (Double) l.getAs(Columns.DIFFICULTY));
    assertTrue(((String) l.getAs(Columns.DIFFICULTY_BASIS)).contains("level"), (String) l.getAs(Columns.DIFFICULTY_BASIS));
    assertNull(l.getAs(Columns.TEACHER_CORRECT), "no attempt, no verdict");
    assertNull(l.getAs(Columns.TRACE_TOKENS));
    assertEquals("solution", l.getAs(Columns.LENGTH_BASIS));
    assertTrue((Integer) l.getAs(Columns.LENGTH_TOKENS) > 0);
  }

  @Test
  void hardFilterOffKeepsSolvedQuestionsWithTheirCounts() {
    StageContext context = SparkTestSession.context(tmp, "difficulty.hard_filter=false");
    StageResult result = StageRunner.run(new DifficultyStage(), context, candidates(rows()));

    assertEquals(Map.of(), result.removed());
    assertEquals(4, result.rowsOut());
    Row solved = byOrigin(context.spark().read().parquet(context.run().stage(DifficultyStage.NAME))).get(solvedByM1.origin());
    assertEquals(1, (Integer) solved.getAs(Columns.STUDENTS_CORRECT));
    assertEquals(0.5, (Double) solved.getAs(Columns.DIFFICULTY));
  }

  @Test
  void passCountsFromMetadataAreStudentCounts() {
    CandidateRow counted = candidate("How many subsets of a 5-element set have an even number of elements?")
        .metadata("{\"pass_correct\": 1, \"pass_total\": 4}");
    StageContext context = SparkTestSession.context(tmp);
    Row row = new DifficultyStage().apply(context, candidates(List.of(counted.row()))).collectAsList().get(0);

    assertEquals(1, (Integer) row.getAs(Columns.STUDENTS_CORRECT));
    assertEquals(4, (Integer) row.getAs(Columns.STUDENTS_TOTAL));
    assertEquals(0.75, (Double) row.getAs(Columns.DIFFICULTY));
    assertEquals("students 1/4 correct", row.getAs(Columns.DIFFICULTY_BASIS));
    assertEquals("question", row.getAs(Columns.LENGTH_BASIS), "no trace, no solution: length of the question");
    assertNull(row.getAs(Columns.REASON));
  }

  @Test
  void withoutGradesTheHardFilterStaysOff() {
    StageContext context = SparkTestSession.context(tmp);
    StageResult result = StageRunner.run(new DifficultyStage(), context, candidates(List.of(wrongTeacher.row(), level5.row())));

    assertEquals(Boolean.FALSE, result.extra().get("hard_filter"));
    assertEquals(Map.of(), result.removed());
    assertEquals(2, result.rowsOut());
  }

  @Test
  void configuredTokenizerCountsExactly() {
    Path tokenizer = SharedPaths.qwenTokenizer();
    Assumptions.assumeTrue(Files.isRegularFile(tokenizer), "no tokenizer at " + tokenizer);
    StageContext context = SparkTestSession.context(tmp, "difficulty.tokenizer=" + tokenizer);
    Dataset<Row> scored = new DifficultyStage().apply(context, candidates(List.of(unsolved.row())));
    Row row = scored.collectAsList().get(0);

    Map<String, Object> stats = context.drainStats();
    assertEquals("exact", stats.get("token_counting"));
    assertEquals(tokenizer.toString(), stats.get("tokenizer"));
    try (HfTokenCounter counter = new HfTokenCounter(tokenizer.toString())) {
      assertEquals(counter.count(TRACE), (Integer) row.getAs(Columns.TRACE_TOKENS));
    }
  }

  @Test
  void hardFilteredRowsAreNotTokenisedExactly() {
    Path tokenizer = SharedPaths.qwenTokenizer();
    Assumptions.assumeTrue(Files.isRegularFile(tokenizer), "no tokenizer at " + tokenizer);
    StageContext context = SparkTestSession.context(tmp, "difficulty.tokenizer=" + tokenizer);
    CandidateRow solvedWithTrace = candidate("What is two thirds of three, as a whole number?")
        .grades(grades("m1", true, "m2", false)).trace(TRACE).attempt("The answer is \\boxed{2}").answer("2");
    Map<String, Row> rows = byOrigin(new DifficultyStage().apply(context, candidates(List.of(solvedWithTrace.row(), unsolved.row()))));
    Row solved = rows.get(solvedWithTrace.origin());
    assertEquals("solved_by_student", solved.getAs(Columns.REASON));
    assertNull(solved.getAs(Columns.TRACE_TOKENS), "removed by the hard filter: not tokenised");
    assertEquals("trace (estimated: removed by the hard filter)", solved.getAs(Columns.LENGTH_BASIS));
    assertTrue((Integer) solved.getAs(Columns.LENGTH_TOKENS) > 0);
    Row kept = rows.get(unsolved.origin());
    assertEquals("trace", kept.getAs(Columns.LENGTH_BASIS));
    try (HfTokenCounter counter = new HfTokenCounter(tokenizer.toString())) {
      assertEquals(counter.count(TRACE), (Integer) kept.getAs(Columns.TRACE_TOKENS));
    }
  }
}
