package dev.distill.job.score;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.api.Stage;
import dev.distill.job.api.StageContext;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.io.Json;
import dev.distill.job.schema.CandidateSchema;
import dev.distill.job.schema.Columns;
import dev.distill.job.schema.Rows;
import dev.distill.job.spark.TokenizerFile;
import dev.distill.udf.answer.AnswerExtractor;
import dev.distill.udf.answer.AnswerGrader;
import dev.distill.udf.tokens.EstimatedTokenCounter;
import dev.distill.udf.tokens.TokenCounter;
import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Difficulty from whatever the source has: student grades (s1's hard filter keeps only
 * questions every student got wrong), pass counts, source levels, and trace length in tokens of
 * the target model's tokenizer. The teacher's attempt is verified against the reference answer.
 */
public final class DifficultyStage implements Stage {
  public static final String NAME = "difficulty";
  /** difficulty.hard_filter: a student model answered it correctly (s1's rule). */
  public static final String SOLVED_BY_STUDENT = "solved_by_student";
  /** The students' pass rate lies outside difficulty.pass_rate. */
  public static final String PASS_RATE = "pass_rate";
  /**
   * What run.json records of difficulty: how tokens were counted, and whether the hard filter was on
   * (decided from the pool when difficulty.hard_filter is auto).
   */
  public record Figures(String tokenCounting, String tokenizer, Boolean hardFilter, List<Double> passRateBand) {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<String> reasons() {
    return List.of(SOLVED_BY_STUDENT, PASS_RATE);
  }

  /** An incremental run keeps the base run's automatic hard-filter decision, so old and new rows are judged alike. */
  @Override
  public PipelineConfig continuing(PipelineConfig config, Map<String, Object> baseFigures) {
    Boolean hard = dev.distill.job.io.Figures.read(baseFigures, Figures.class).hardFilter();
    if (config.difficulty().hardFilter() == null && hard != null) {
      return config.withDifficulty(config.difficulty().withHardFilter(hard));
    }
    return config;
  }

  @Override
  public List<String> files(PipelineConfig config) {
    String tokenizer = config.difficulty().tokenizer();
    return tokenizer == null || tokenizer.isBlank() ? List.of() : List.of(tokenizer);
  }

  @Override
  public String description() {
    return "difficulty: student grades and hard filter, levels, trace tokens, teacher verification";
  }

  @Override
  public Dataset<Row> apply(StageContext context, Dataset<Row> input) {
    CandidateSchema.require(input.schema(), NAME, Columns.GRADES, Columns.TRACE, Columns.ATTEMPT, Columns.ANSWER, Columns.SOLUTION, Columns.LEVEL);
    String tokenizer = context.config().difficulty().tokenizer();
    TokenizerFile tokenizerFile = TokenizerFile.forDifficulty(context.config(), context.run().hadoop());
    TokenCounter probe = tokenizerFile.counter();
    Boolean configured = context.config().difficulty().hardFilter();
    double[] band = context.config().difficulty().passRate();
    boolean hard = configured != null ? configured : band == null && !input.filter(col(Columns.GRADES).isNotNull()).limit(1).isEmpty();
    context.figures(new Figures(probe.exact() ? "exact" : "estimated",
        probe.exact() ? tokenizer : "none configured: estimated from characters (" + probe.name() + ")", hard,
        band == null ? null : List.of(band[0], band[1])));
    StructType out = input.schema()
        .add(Columns.TRACE_TOKENS, DataTypes.IntegerType, true)
        .add(Columns.LENGTH_TOKENS, DataTypes.IntegerType, false)
        .add(Columns.LENGTH_BASIS, DataTypes.StringType, false)
        .add(Columns.TEACHER_CORRECT, DataTypes.BooleanType, true)
        .add(Columns.STUDENTS_CORRECT, DataTypes.IntegerType, true)
        .add(Columns.STUDENTS_TOTAL, DataTypes.IntegerType, true)
        .add(Columns.DIFFICULTY, DataTypes.DoubleType, false)
        .add(Columns.DIFFICULTY_BASIS, DataTypes.StringType, false)
        .add(Columns.REASON, DataTypes.StringType, true)
        .add(Columns.DETAIL, DataTypes.StringType, true);
    StructType in = input.schema();
    // Rows stream through (a partition is never held in memory: traces average ~15 KB).
    return input.mapPartitions((MapPartitionsFunction<Row, Row>) rows -> scoring(rows, in, tokenizerFile.counter(), hard, band),
        Encoders.row(out));
  }

  /** Scores rows as they are read (static: the iterator must not capture the stage). */
  static Iterator<Row> scoring(Iterator<Row> rows, StructType in, TokenCounter counter, boolean hard, double[] band) {
    return new Iterator<Row>() {
      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public Row next() {
        return score(rows.next(), in, counter, hard, band);
      }
    };
  }

  private static final TokenCounter ESTIMATE = new EstimatedTokenCounter();

  /**
   * One scored row. With the hard filter on, a question a student solved is removed before its
   * length matters (as in s1: length ranks only the questions no student solved), so its trace is
   * not tokenised: {@code trace_tokens} stays null and {@code length_tokens} is the estimate, its
   * basis marked {@code estimated}. On an s1-shaped pool this skips about 60% of the tokenizer's work.
   */
  static Row score(Row row, StructType in, TokenCounter counter, boolean hard) {
    return score(row, in, counter, hard, null);
  }

  /** As {@link #score(Row, StructType, TokenCounter, boolean)}, removing rows whose pass rate is outside {@code band} (reason pass_rate). */
  static Row score(Row row, StructType in, TokenCounter counter, boolean hard, double[] band) {
    String trace = row.getString(in.fieldIndex(Columns.TRACE));
    String solution = row.getString(in.fieldIndex(Columns.SOLUTION));
    String question = row.getString(in.fieldIndex(Columns.QUESTION));
    Students students = students(row, in);
    String reason = hard && students.solvedBy() != null ? SOLVED_BY_STUDENT : null;
    String detail = reason == null ? null : students.solvedBy();
    if (reason == null && band != null) {
      detail = outsideBand(students.correct(), students.total(), band);
      reason = detail == null ? null : PASS_RATE;
    }
    Length length = length(trace, solution, question, counter, reason != null);
    Boolean teacherCorrect = teacherCorrect(row, in, solution);
    DifficultySignals.Difficulty d = DifficultySignals.of(students.correct(), students.total(), row.getString(in.fieldIndex(Columns.LEVEL)),
        row.getString(in.fieldIndex(Columns.SOURCE)), length.tokens());
    return Rows.append(row, length.traceTokens(), length.tokens(), length.basis(), teacherCorrect, students.correct(), students.total(),
        d.value(), d.basis(), reason, detail);
  }

  /**
   * How the students did on a question: from their grades, else from the pass counts in the
   * metadata; all null when neither is there.
   *
   * @param solvedBy "solved by" and the students that answered correctly, or null when none did
   */
  private record Students(Integer correct, Integer total, String solvedBy) {}

  private static Students students(Row row, StructType in) {
    int gradesIndex = in.fieldIndex(Columns.GRADES);
    if (row.isNullAt(gradesIndex)) {
      int[] pass = passCounts(row.getString(in.fieldIndex(Columns.METADATA)));
      return pass == null ? new Students(null, null, null) : new Students(pass[0], pass[1], null);
    }
    Map<String, Boolean> grades = row.getJavaMap(gradesIndex);
    int correct = 0;
    StringBuilder solved = new StringBuilder();
    for (Map.Entry<String, Boolean> e : new TreeMap<>(grades).entrySet()) {
      if (Boolean.TRUE.equals(e.getValue())) {
        correct++;
        solved.append(solved.length() == 0 ? "" : ",").append(e.getKey());
      }
    }
    return new Students(correct, grades.size(), correct > 0 ? "solved by " + solved : null);
  }

  /** A row's length in tokens, and what was counted: the trace, else the solution, else the question. */
  private record Length(Integer traceTokens, int tokens, String basis) {}

  /** A removed row's length is estimated (unless the counter only estimates anyway), and its trace is not tokenised. */
  private static Length length(String trace, String solution, String question, TokenCounter counter, boolean removed) {
    TokenCounter lengths = removed ? ESTIMATE : counter;
    String estimated = !removed || !counter.exact() ? "" : " (estimated: removed by the hard filter)";
    Integer traceTokens = trace == null || trace.isBlank() || !estimated.isEmpty() ? null : counter.count(trace);
    if (trace != null && !trace.isBlank()) {
      return new Length(traceTokens, traceTokens != null ? traceTokens : lengths.count(trace), "trace" + estimated);
    }
    if (solution != null && !solution.isBlank()) {
      return new Length(traceTokens, lengths.count(solution), "solution" + estimated);
    }
    return new Length(traceTokens, lengths.count(question), "question" + estimated);
  }

  /** The judge's verdict when the row has one, else the teacher attempt graded against the reference. */
  private static Boolean teacherCorrect(Row row, StructType in, String solution) {
    int judged = Arrays.asList(in.fieldNames()).indexOf(Columns.JUDGE_CORRECT);
    return judged >= 0 && !row.isNullAt(judged) ? (Boolean) row.getBoolean(judged)
        : teacherCorrect(row.getString(in.fieldIndex(Columns.ATTEMPT)), row.getString(in.fieldIndex(Columns.ANSWER)), solution);
  }

  /** Why a row's pass rate is outside [lo, hi], or null when it is inside; a row with no graded answer is outside. */
  static String outsideBand(Integer correct, Integer total, double[] band) {
    if (total == null || total == 0) {
      return String.format(Locale.ROOT, "no graded student answer (band [%s, %s])", band[0], band[1]);
    }
    double rate = correct / (double) total;
    // A tiny tolerance: 3/30 is 0.1 however the division rounds.
    if (rate < band[0] - 1e-9 || rate > band[1] + 1e-9) {
      return String.format(Locale.ROOT, "pass rate %d/%d = %.3f outside [%s, %s]", correct, total, rate, band[0], band[1]);
    }
    return null;
  }

  /** The teacher attempt graded against the reference answer (or the solution's boxed answer); null when either is absent. */
  public static Boolean teacherCorrect(String attempt, String answer, String solution) {
    if (attempt == null || attempt.isBlank()) {
      return null;
    }
    String reference = reference(answer, solution);
    return reference == null ? null : "correct".equals(AnswerGrader.grade(attempt, reference).verdict());
  }

  /** What answers are graded against: the reference answer, else the solution's last \boxed{}; null when neither. */
  public static String reference(String answer, String solution) {
    String reference = answer;
    if (reference == null || reference.isBlank()) {
      reference = solution == null ? null : AnswerExtractor.lastBoxed(solution);
    }
    return reference == null || reference.isBlank() ? null : reference;
  }

  static int[] passCounts(String metadata) {
    if (metadata == null || !metadata.contains("pass_total")) {
      return null;
    }
    try {
      JsonNode node = Json.MAPPER.readTree(metadata);
      if (node.hasNonNull("pass_correct") && node.hasNonNull("pass_total")) {
        return new int[] {node.get("pass_correct").asInt(), node.get("pass_total").asInt()};
      }
    } catch (IOException e) {
      return null;
    }
    return null;
  }
}
