package dev.distill.job.generate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.when;

import dev.distill.job.api.Stage;
import dev.distill.job.api.StageContext;
import dev.distill.job.conf.GenerateConfig;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.io.Console;
import dev.distill.job.schema.CandidateSchema;
import dev.distill.job.schema.Columns;
import dev.distill.job.score.MscCodes;
import java.io.Serializable;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Distillation on the executors: teacher traces and attempts, student answers, domain labels,
 * then the judge's verdicts, from OpenAI-compatible endpoints. Every call goes through the ledger:
 * only keys it lacks are called, so a rerun, a resumed run or a larger pool never pays twice.
 * Rows whose calls the cost cap stopped are removed with reason {@code cost_cap}; rows with
 * failed calls keep their errors for quality to drop as {@code api_error}.
 */
public final class GenerateStage implements Stage {
  public static final String NAME = "generate";
  public static final String RK = "_rk";
  /** generate.max_cost_usd stopped the row's calls before they were made. */
  public static final String COST_CAP = "cost_cap";
  /** The reason quality drops a row with a failed call for (QualityStage.API_ERROR); defined here so generate does not use filter. */
  public static final String API_ERROR = "api_error";

  private final Console console;

  public GenerateStage(Console console) {
    this.console = console;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public boolean enabled(PipelineConfig config) {
    return config.generate().enabled();
  }

  @Override
  public List<String> reasons() {
    return List.of(COST_CAP);
  }

  /** Rows whose calls were capped or failed are called again by an incremental run (quality drops failed ones as api_error). */
  @Override
  public List<String> retryReasons() {
    return List.of(COST_CAP, API_ERROR);
  }

  @Override
  public Optional<Ending> endsRunInstead(StageContext context, String input) {
    return context.config().generate().dryRun() ? Optional.of(GenerateDryRun.estimate(context, input)) : Optional.empty();
  }

  @Override
  public String description() {
    return "generate: teacher traces, student answers, judge verdicts and domain labels from chat-completions endpoints";
  }

  /** Where the ledger lives: generate.ledger, else <run.output>/ledger. */
  public static Ledger ledger(StageContext context) {
    String configured = context.config().generate().ledger();
    String dir = configured.isBlank() ? context.config().run().output() + "/ledger" : configured;
    return new Ledger(dir, context.run().hadoop());
  }

  @Override
  public Dataset<Row> apply(StageContext context, Dataset<Row> input) {
    CandidateSchema.require(input.schema(), NAME, Columns.QUESTION, Columns.SOURCE, Columns.ORIGIN, Columns.TRACE, Columns.ATTEMPT,
        Columns.ANSWER, Columns.SOLUTION, Columns.GRADES);
    GenerateConfig g = context.config().generate();
    Map<String, ApiKey> keys = apiKeys(g, System.getenv());
    Map<String, ContextWindows.Window> windows = ContextWindows.resolve(g, keys);
    context.stat("context_windows", describe(windows));
    Ledger ledger = compactedLedger(context);
    MscCodes msc = MscCodes.load(Map.of());
    CallPlanner planner = planner(g, ContextWindows.tokens(windows));
    StructType out = outputSchema(input.schema(), g.teacher().samples() > 1);
    ReplyApplier applier = new ReplyApplier(out, msc.titles().keySet());
    Dataset<Row> rows = withOutputColumns(input, out);
    String runPrefix = context.run().root().replaceAll(".*/", "") + "-" + stamp();
    GenerateRounds rounds = new GenerateRounds(context, ledger, keys, planner, applier, out, console);
    GenerateRounds.Result result = rounds.run(rows, runPrefix);
    recordFigures(context, g, result.calls());
    if (g.anyBatched()) {
      rounds.batchFigures().forEach(context::stat);
    }
    return withCostCapReasons(result.rows());
  }

  /** The ledger, its segments compacted into one batch first. */
  private static Ledger compactedLedger(StageContext context) {
    Ledger ledger = ledger(context);
    int compacted = ledger.compact(context.spark(), "batch-" + stamp());
    context.stat("ledger", ledger.dir());
    context.stat("ledger_segments_compacted", compacted);
    return ledger;
  }

  /** The rows with their row key, and the output columns they lack as nulls. */
  private static Dataset<Row> withOutputColumns(Dataset<Row> input, StructType out) {
    Dataset<Row> rows = input.withColumn(RK, concat_ws("\u0001", col(Columns.SOURCE), col(Columns.ORIGIN)));
    for (String column : out.fieldNames()) {
      if (!List.of(rows.schema().fieldNames()).contains(column)) {
        rows = rows.withColumn(column, lit(null).cast(out.apply(column).dataType()));
      }
    }
    return rows;
  }

  /** Records the calls' figures, whether the cost cap stopped any and which paid roles have no price; says how to go on when it did. */
  private void recordFigures(StageContext context, GenerateConfig g, GenerateRounds.Round calls) {
    Map<String, Object> figures = calls.figures();
    boolean capped = calls.capped() > 0;
    figures.put("stopped_at_cost_cap", capped);
    figures.put("unpriced_roles", unpriced(g));
    figures.forEach(context::stat);
    if (capped) {
      console.info(String.format(Locale.ROOT, "generate: stopped at the cost cap (generate.max_cost_usd=%s): %,d calls not made; "
          + "rows waiting for them are removed as cost_cap; every response received is in the ledger, so a run with a higher cap "
          + "calls only what is missing", g.maxCostUsd(), calls.capped()));
    }
  }

  /** Rows still waiting for calls (the cost cap stopped them) get reason cost_cap, the slots they wait for as detail. */
  private static Dataset<Row> withCostCapReasons(Dataset<Row> rows) {
    return rows
        .withColumn(Columns.REASON, when(size(col(ReplyApplier.PENDING)).gt(0), lit(COST_CAP)).otherwise(lit(null).cast(DataTypes.StringType)))
        .withColumn(Columns.DETAIL, when(size(col(ReplyApplier.PENDING)).gt(0),
            concat_ws(",", col(ReplyApplier.PENDING))).otherwise(lit(null).cast(DataTypes.StringType)))
        .drop(RK, ReplyApplier.PENDING);
  }

  static List<String> unpriced(GenerateConfig g) {
    List<String> out = new ArrayList<>();
    for (GenerateConfig.Role r : g.roles()) {
      if (!r.priced() && r.paid()) {
        out.add(r.name());
      }
    }
    return out;
  }

  private static Map<String, Object> describe(Map<String, ContextWindows.Window> windows) {
    Map<String, Object> out = new LinkedHashMap<>();
    windows.forEach((name, w) -> out.put(name, w.tokens() != null ? w.tokens() + " tokens (" + w.source() + ")" : w.source()));
    return out;
  }

  /** The calls one round plans for a row (serializable: it runs on the executors). */
  public interface RoundPlan extends Serializable {
    List<Row> plan(String rk, Row row);
  }

  public static Dataset<Row> plans(Dataset<Row> rows, RoundPlan plan) {
    return rows.flatMap((FlatMapFunction<Row, Row>) row -> plan.plan(row.getAs(RK), row).iterator(), Encoders.row(CallPlanner.SCHEMA));
  }

  /** The input columns, then what generate adds (the row key and pending slots are dropped at the end). */
  static StructType outputSchema(StructType in, boolean teacherSamples) {
    StructType out = new StructType();
    for (StructField f : in.fields()) {
      out = out.add(f);
    }
    List<String> names = List.of(in.fieldNames());
    if (!names.contains(RK)) {
      out = out.add(RK, DataTypes.StringType, false);
    }
    if (!names.contains(Columns.JUDGE_CORRECT)) {
      out = out.add(Columns.JUDGE_CORRECT, DataTypes.BooleanType, true)
          .add(Columns.DOMAIN_LLM, DataTypes.StringType, true)
          .add(Columns.GENERATION_ERRORS, DataTypes.createArrayType(DataTypes.StringType), true)
          .add(Columns.GENERATION, DataTypes.StringType, true);
    }
    if (!names.contains(Columns.STUDENTS_NO_ANSWER)) {
      out = out.add(Columns.STUDENTS_NO_ANSWER, DataTypes.createArrayType(DataTypes.StringType), true);
    }
    if (teacherSamples && !names.contains(Columns.TEACHER_SAMPLES)) {
      out = out.add(Columns.TEACHER_SAMPLES, DataTypes.createArrayType(ReplyApplier.TEACHER_SAMPLE), true);
    }
    return out.add(ReplyApplier.PENDING, DataTypes.createArrayType(DataTypes.StringType), true);
  }

  static Map<String, ApiKey> apiKeys(GenerateConfig g, Map<String, String> env) {
    Map<String, ApiKey> keys = new LinkedHashMap<>();
    for (GenerateConfig.Role r : g.roles()) {
      keys.put(r.name(), ApiKey.resolve(r, r.configKey(g), env));
    }
    return keys;
  }

  public static CallPlanner planner(GenerateConfig g) {
    return planner(g, Map.of());
  }

  static CallPlanner planner(GenerateConfig g, Map<String, Integer> windows) {
    return new CallPlanner(g, mscList(MscCodes.load(Map.of())), windows);
  }

  /** The dry run's planner: windows asked of the servers as the stage would. */
  public static CallPlanner plannerWithWindows(GenerateConfig g, Map<String, String> env, Map<String, Object> report) {
    Map<String, ContextWindows.Window> windows = ContextWindows.resolve(g, apiKeys(g, env));
    report.putAll(describe(windows));
    return planner(g, ContextWindows.tokens(windows));
  }

  static String mscList(MscCodes msc) {
    StringBuilder s = new StringBuilder();
    msc.titles().forEach((code, title) -> s.append(code).append(' ').append(title).append('\n'));
    return s.toString().strip();
  }

  private static String stamp() {
    return ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS"));
  }
}
