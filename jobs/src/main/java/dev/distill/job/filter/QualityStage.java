package dev.distill.job.filter;

import static org.apache.spark.sql.functions.col;

import dev.distill.job.api.Stage;
import dev.distill.job.api.StageContext;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.generate.GenerateStage;
import dev.distill.job.schema.CandidateSchema;
import dev.distill.job.schema.Columns;
import dev.distill.job.schema.Rows;
import dev.distill.job.source.SourceSpec;
import dev.distill.udf.quality.RepetitionDetector;
import dev.distill.udf.quality.S1FormatRules;
import dev.distill.udf.quality.ScriptDetector;
import dev.distill.udf.quality.TruncationDetector;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

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
    StructType out = input.schema()
        .add(Columns.QUALITY_FLAGS, DataTypes.createArrayType(DataTypes.StringType), false)
        .add(Columns.REASON, DataTypes.StringType, true)
        .add(Columns.DETAIL, DataTypes.StringType, true);
    int question = input.schema().fieldIndex(Columns.QUESTION);
    int source = input.schema().fieldIndex(Columns.SOURCE);
    int order = input.schema().fieldIndex(Columns.SOURCE_ORDER);
    int answer = input.schema().fieldIndex(Columns.ANSWER);
    int solution = input.schema().fieldIndex(Columns.SOLUTION);
    int trace = input.schema().fieldIndex(Columns.TRACE);
    int attempt = input.schema().fieldIndex(Columns.ATTEMPT);
    int errors = Arrays.asList(input.schema().fieldNames()).indexOf(Columns.GENERATION_ERRORS);
    return input.map((MapFunction<Row, Row>) row -> {
      List<String> generationErrors = errors < 0 || row.isNullAt(errors) ? List.of()
          : CollectionConverters.asJava(row.<String>getSeq(errors));
      List<String> flags = rules.flags(row.getString(question), row.getString(source), row.getInt(order),
          row.getString(answer), row.getString(solution), row.getString(trace), row.getString(attempt), !generationErrors.isEmpty());
      String detail = flags.isEmpty() ? null : String.join(",", flags)
          + (generationErrors.isEmpty() ? "" : ": " + String.join("; ", generationErrors));
      return Rows.append(row, CollectionConverters.asScala(flags).toSeq(),
          flags.isEmpty() ? null : flags.get(0), detail);
    }, Encoders.row(out));
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
