package dev.distill.job.filter;

import static org.apache.spark.sql.functions.col;

import dev.distill.job.api.Stage;
import dev.distill.job.api.StageContext;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.schema.CandidateSchema;
import dev.distill.job.schema.Columns;
import dev.distill.job.schema.Rows;
import dev.distill.udf.quality.RepetitionDetector;
import dev.distill.udf.quality.S1FormatRules;
import dev.distill.udf.quality.ScriptDetector;
import dev.distill.udf.quality.TruncationDetector;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * s1's quality filters and a careful curator's additions. Every failed check becomes a flag in
 * {@code quality_flags}; the first flag (in the order below) is the drop reason.
 */
public final class QualityStage implements Stage {
  public static final String NAME = "quality";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "quality: s1 formatting rules, missing fields, API errors, language, length, repetition, truncation";
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
    int errors = java.util.Arrays.asList(input.schema().fieldNames()).indexOf(Columns.GENERATION_ERRORS);
    return input.map((org.apache.spark.api.java.function.MapFunction<Row, Row>) row -> {
      List<String> generationErrors = errors < 0 || row.isNullAt(errors) ? List.of()
          : scala.jdk.javaapi.CollectionConverters.asJava(row.<String>getSeq(errors));
      List<String> flags = rules.flags(row.getString(question), row.getString(source), row.getInt(order),
          row.getString(answer), row.getString(solution), row.getString(trace), row.getString(attempt), !generationErrors.isEmpty());
      String detail = flags.isEmpty() ? null : String.join(",", flags)
          + (generationErrors.isEmpty() ? "" : ": " + String.join("; ", generationErrors));
      return Rows.append(row, scala.jdk.javaapi.CollectionConverters.asScala(flags).toSeq(),
          flags.isEmpty() ? null : flags.get(0), detail);
    }, Encoders.row(out));
  }

  static boolean[] answerRequired(List<Map<String, Object>> sources) {
    boolean[] required = new boolean[sources.size()];
    for (int i = 0; i < sources.size(); i++) {
      required[i] = Boolean.TRUE.equals(sources.get(i).get("answer_required"));
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
        flags.add("missing_question");
        return flags;
      }
      if (question.strip().length() < q.minQuestionChars()) {
        flags.add("short_question");
      }
      if (question.length() > q.maxQuestionChars()) {
        flags.add("long_question");
      }
      if (callsFailed || generationExpected && (blank(trace) || blank(attempt))) {
        flags.add("api_error");
      }
      if (q.s1FormatRules()) {
        String rule = S1FormatRules.violation(question, source);
        if (rule != null) {
          flags.add(rule);
        }
      }
      if (q.requireAnswer() && sourceOrder < answerRequired.length && answerRequired[sourceOrder] && blank(answer) && blank(solution)) {
        flags.add("missing_answer");
      }
      if (!q.targetScripts().isEmpty()) {
        String script = ScriptDetector.dominantScript(question);
        // "none": no letters at all (pure math), which no language filter should judge.
        if (!"none".equals(script) && !q.targetScripts().contains(script)) {
          flags.add("non_target_language");
        }
      }
      if (trace != null) {
        if (trace.isBlank()) {
          if (!generationExpected) {
            flags.add("empty_trace");
          }
        } else {
          if (q.dropTruncatedTraces() && TruncationDetector.looksTruncated(trace)) {
            flags.add("truncated_trace");
          }
          if (q.maxTraceChars() > 0 && trace.length() > q.maxTraceChars()) {
            flags.add("long_trace");
          }
          if (RepetitionDetector.repeatedNgramFraction(trace, q.repetitionNgram()) > q.maxRepetition()) {
            flags.add("repetitive_trace");
          }
        }
      }
      return flags;
    }

    private static boolean blank(String s) {
      return s == null || s.isBlank();
    }
  }
}
