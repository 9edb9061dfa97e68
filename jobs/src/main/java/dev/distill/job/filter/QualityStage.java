package dev.distill.job.filter;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import dev.distill.job.api.Stage;
import dev.distill.job.api.StageContext;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.generate.GenerateStage;
import dev.distill.job.schema.CandidateSchema;
import dev.distill.job.schema.Columns;
import dev.distill.job.source.SourceSpec;
import dev.distill.udf.quality.RepetitionDetector;
import dev.distill.udf.quality.S1FormatRules;
import dev.distill.udf.quality.ScriptDetector;
import dev.distill.udf.quality.TruncationDetector;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF8;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;

/**
 * s1's quality filters and a careful curator's additions. Every failed check becomes a flag in
 * {@code quality_flags}; the first flag (in the order below) is the drop reason.
 */
public final class QualityStage implements Stage {
  public static final String NAME = "quality";
  public static final String MISSING_QUESTION = "missing_question";
  public static final String SHORT_QUESTION = "short_question";
  public static final String LONG_QUESTION = "long_question";
  public static final String API_ERROR = GenerateStage.API_ERROR;
  public static final String MISSING_ANSWER = "missing_answer";
  public static final String NON_TARGET_LANGUAGE = "non_target_language";
  public static final String EMPTY_TRACE = "empty_trace";
  public static final String TRUNCATED_TRACE = "truncated_trace";
  public static final String LONG_TRACE = "long_trace";
  public static final String REPETITIVE_TRACE = "repetitive_trace";
  /** Every reason, s1's four formatting rules first; a row's first failed check is its reason. */
  public static final List<String> REASONS = List.of(S1FormatRules.ASY_FIGURE, S1FormatRules.IMAGE_REFERENCE,
      S1FormatRules.NUMBERED_SUBPROBLEMS, S1FormatRules.BOLD_NUMBERED, MISSING_QUESTION, SHORT_QUESTION, LONG_QUESTION, API_ERROR,
      MISSING_ANSWER, NON_TARGET_LANGUAGE, EMPTY_TRACE, TRUNCATED_TRACE, LONG_TRACE, REPETITIVE_TRACE);

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "quality: s1 formatting rules, missing fields, API errors, language, length, repetition, truncation";
  }

  @Override
  public List<String> reasons() {
    return REASONS;
  }

  @Override
  public Dataset<Row> apply(StageContext context, Dataset<Row> input) {
    CandidateSchema.require(input.schema(), NAME, Columns.QUESTION, Columns.SOURCE, Columns.TRACE, Columns.ATTEMPT);
    PipelineConfig config = context.config();
    Boolean expected = config.quality().generationExpected();
    boolean generationExpected = expected != null ? expected : !input.filter(col(Columns.TRACE).isNotNull()).limit(1).isEmpty();
    context.stat("generation_expected", generationExpected);
    Rules rules = new Rules(config.quality(), generationExpected, answerRequired(config.sources()));
    // A UDF on the columns the checks read, not a map over whole rows: the other columns (and the
    // trace's bytes) pass through as Spark holds them instead of being decoded to Java objects and
    // encoded back (at 1,000,000 candidates that is about 9 GB of text each way).
    UserDefinedFunction check = udf((UDF8<String, String, Integer, String, String, String, String, Boolean, String[]>)
        (question, source, order, answer, solution, trace, attempt, failed) ->
            rules.flags(question, source, order, answer, solution, trace, attempt, failed).toArray(new String[0]),
        DataTypes.createArrayType(DataTypes.StringType));
    Column none = noFlags();
    Column errors = Arrays.asList(input.schema().fieldNames()).contains(Columns.GENERATION_ERRORS)
        ? coalesce(col(Columns.GENERATION_ERRORS), none) : none;
    Column flags = col(Columns.QUALITY_FLAGS);
    Column anyFlag = size(flags).gt(0);
    return input
        .withColumn(Columns.QUALITY_FLAGS, coalesce(check.apply(col(Columns.QUESTION), col(Columns.SOURCE), col(Columns.SOURCE_ORDER),
            col(Columns.ANSWER), col(Columns.SOLUTION), col(Columns.TRACE), col(Columns.ATTEMPT), size(errors).gt(0)), none))
        .withColumn(Columns.REASON, when(anyFlag, element_at(flags, 1)))
        .withColumn(Columns.DETAIL, when(anyFlag, concat(concat_ws(",", flags),
            when(size(errors).gt(0), concat(lit(": "), concat_ws("; ", errors))).otherwise(lit("")))));
  }

  /** A row is kept only without flags: the kept rows are the input rows with an empty {@code quality_flags}. */
  @Override
  public Optional<UnaryOperator<Dataset<Row>>> keptFromInput() {
    return Optional.of(rows -> rows.withColumn(Columns.QUALITY_FLAGS, noFlags()));
  }

  private static Column noFlags() {
    return array().cast(DataTypes.createArrayType(DataTypes.StringType));
  }

  static boolean[] answerRequired(List<SourceSpec> sources) {
    boolean[] required = new boolean[sources.size()];
    for (int i = 0; i < sources.size(); i++) {
      required[i] = sources.get(i).answerRequired();
    }
    return required;
  }

  /** The checks, in drop-reason priority order. */
  static final class Rules implements Serializable {
    private final PipelineConfig.Quality q;
    private final boolean generationExpected;
    private final boolean[] answerRequired;

    Rules(PipelineConfig.Quality q, boolean generationExpected, boolean[] answerRequired) {
      this.q = q;
      this.generationExpected = generationExpected;
      this.answerRequired = answerRequired;
    }

    List<String> flags(String question, String source, int sourceOrder, String answer, String solution, String trace, String attempt,
        boolean callsFailed) {
      List<String> flags = new ArrayList<>();
      if (blank(question)) {
        flags.add(MISSING_QUESTION);
        return flags;
      }
      addLengthFlags(flags, question);
      if (callsFailed || generationExpected && (blank(trace) || blank(attempt))) {
        flags.add(API_ERROR);
      }
      if (q.s1FormatRules()) {
        addIfPresent(flags, S1FormatRules.violation(question, source));
      }
      if (answerMissing(sourceOrder, answer, solution)) {
        flags.add(MISSING_ANSWER);
      }
      if (nonTargetLanguage(question)) {
        flags.add(NON_TARGET_LANGUAGE);
      }
      if (trace != null) {
        addTraceFlags(flags, trace);
      }
      return flags;
    }

    private void addLengthFlags(List<String> flags, String question) {
      if (question.strip().length() < q.minQuestionChars()) {
        flags.add(SHORT_QUESTION);
      }
      if (question.length() > q.maxQuestionChars()) {
        flags.add(LONG_QUESTION);
      }
    }

    private boolean answerMissing(int sourceOrder, String answer, String solution) {
      return q.requireAnswer() && sourceOrder < answerRequired.length && answerRequired[sourceOrder] && blank(answer) && blank(solution);
    }

    private boolean nonTargetLanguage(String question) {
      if (q.targetScripts().isEmpty()) {
        return false;
      }
      String script = ScriptDetector.dominantScript(question);
      // "none": no letters at all (pure math), which no language filter should judge.
      return !"none".equals(script) && !q.targetScripts().contains(script);
    }

    /** A blank trace is empty_trace only where no generation was expected; where one was, api_error already names it. */
    private void addTraceFlags(List<String> flags, String trace) {
      if (trace.isBlank()) {
        if (!generationExpected) {
          flags.add(EMPTY_TRACE);
        }
        return;
      }
      if (q.dropTruncatedTraces() && TruncationDetector.looksTruncated(trace)) {
        flags.add(TRUNCATED_TRACE);
      }
      if (q.maxTraceChars() > 0 && trace.length() > q.maxTraceChars()) {
        flags.add(LONG_TRACE);
      }
      if (RepetitionDetector.repeatedNgramFraction(trace, q.repetitionNgram()) > q.maxRepetition()) {
        flags.add(REPETITIVE_TRACE);
      }
    }

    private static void addIfPresent(List<String> flags, String flag) {
      if (flag != null) {
        flags.add(flag);
      }
    }

    private static boolean blank(String s) {
      return s == null || s.isBlank();
    }
  }
}
