package dev.distill.job.generate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import dev.distill.job.api.Stage;
import dev.distill.job.api.StageContext;
import dev.distill.job.conf.GenerateConfig;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.error.GenerationStoppedException;
import dev.distill.job.filter.QualityStage;
import dev.distill.job.io.Console;
import dev.distill.job.schema.CandidateSchema;
import dev.distill.job.schema.Columns;
import dev.distill.job.score.MscCodes;
import dev.distill.job.spark.HadoopConf;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

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
    return List.of(COST_CAP, QualityStage.API_ERROR);
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
    SparkSession spark = context.spark();
    Map<String, ApiKey> keys = apiKeys(g, System.getenv());
    Map<String, ContextWindows.Window> windows = ContextWindows.resolve(g, keys);
    context.stat("context_windows", describe(windows));
    Ledger ledger = ledger(context);
    int compacted = ledger.compact(spark, "batch-" + stamp());
    context.stat("ledger", ledger.dir());
    context.stat("ledger_segments_compacted", compacted);
    MscCodes msc = MscCodes.load(Map.of());
    CallPlanner planner = planner(g, ContextWindows.tokens(windows));
    StructType out = outputSchema(input.schema(), g.teacher().samples() > 1);
    ReplyApplier applier = new ReplyApplier(out, msc.titles().keySet());
    Dataset<Row> rows = input.withColumn(RK, concat_ws("\u0001", col(Columns.SOURCE), col(Columns.ORIGIN)));
    for (String column : out.fieldNames()) {
      if (!List.of(rows.schema().fieldNames()).contains(column)) {
        rows = rows.withColumn(column, lit(null).cast(out.apply(column).dataType()));
      }
    }
    String runPrefix = context.run().root().replaceAll(".*/", "") + "-" + stamp();
    double budgetLeft = g.maxCostUsd();
    Map<String, Object> figures = new LinkedHashMap<>();
    Dataset<Row> current = rows.persist(StorageLevel.MEMORY_AND_DISK());
    int rounds = g.judge().enabled() ? 2 : 1;
    for (int round = 1; round <= rounds; round++) {
      RoundPlan plan = round == 1 ? planner::round1 : planner::round2;
      Dataset<Row> plans = plans(current, plan).persist(StorageLevel.MEMORY_AND_DISK());
      Round r = execute(context, ledger, plans, keys, runPrefix + "-r" + round, round == 1 ? "teacher, students, classifier" : "judge", budgetLeft);
      figures.merge("calls_planned", r.planned(), (a, b) -> (Long) a + (Long) b);
      figures.merge("calls_cached", r.cached(), (a, b) -> (Long) a + (Long) b);
      figures.merge("calls_made", r.ok() + r.failed() + r.truncated() + r.rejected(), (a, b) -> (Long) a + (Long) b);
      figures.merge("calls_failed", r.failed(), (a, b) -> (Long) a + (Long) b);
      figures.merge("calls_over_cap", r.capped(), (a, b) -> (Long) a + (Long) b);
      figures.merge("replies_truncated", r.truncated(), (a, b) -> (Long) a + (Long) b);
      figures.merge("calls_rejected", r.rejected(), (a, b) -> (Long) a + (Long) b);
      figures.merge("calls_refused_context", r.refused(), (a, b) -> (Long) a + (Long) b);
      figures.merge("calls_clamped_context", r.clamped(), (a, b) -> (Long) a + (Long) b);
      figures.merge("abandoned_attempts", r.abandoned(), (a, b) -> (Long) a + (Long) b);
      figures.merge("retries", r.retries(), (a, b) -> (Long) a + (Long) b);
      figures.merge("tokens", r.tokens(), (a, b) -> (Long) a + (Long) b);
      figures.merge("cost_usd", r.cost(), (a, b) -> (Double) a + (Double) b);
      figures.merge("call_seconds", r.seconds(), (a, b) -> (Double) a + (Double) b);
      if (budgetLeft > 0) {
        // Stays positive: 0 would mean "no cap" to the next round.
        budgetLeft = Math.max(1e-12, budgetLeft - r.cost());
      }
      Dataset<Row> next = assemble(current, plans, ledger.latestFor(spark, plans), applier, out).persist(StorageLevel.MEMORY_AND_DISK());
      next.count();
      plans.unpersist();
      current.unpersist();
      current = next;
    }
    boolean capped = (Long) figures.get("calls_over_cap") > 0;
    figures.put("cost_usd", Math.round((Double) figures.get("cost_usd") * 1e6) / 1e6);
    figures.put("stopped_at_cost_cap", capped);
    figures.put("unpriced_roles", unpriced(g));
    figures.forEach(context::stat);
    if (capped) {
      console.info(String.format(java.util.Locale.ROOT, "generate: stopped at the cost cap (generate.max_cost_usd=%s): %,d calls not made; "
          + "rows waiting for them are removed as cost_cap; every response received is in the ledger, so a run with a higher cap "
          + "calls only what is missing", g.maxCostUsd(), (Long) figures.get("calls_over_cap")));
    }
    return current
        .withColumn(Columns.REASON, when(size(col(ReplyApplier.PENDING)).gt(0), lit(COST_CAP)).otherwise(lit(null).cast(DataTypes.StringType)))
        .withColumn(Columns.DETAIL, when(size(col(ReplyApplier.PENDING)).gt(0),
            concat_ws(",", col(ReplyApplier.PENDING))).otherwise(lit(null).cast(DataTypes.StringType)))
        .drop(RK, ReplyApplier.PENDING);
  }

  /** Figures of one round of calls (entries: one per choice of a request). */
  record Round(long planned, long cached, long ok, long failed, long capped, long retries, long tokens, double cost, double seconds,
      long truncated, long rejected, long refused, long clamped, long abandoned) {}

  private Round execute(StageContext context, Ledger ledger, Dataset<Row> plans, Map<String, ApiKey> keys, String prefix, String label,
      double budgetLeft) {
    GenerateConfig g = context.config().generate();
    SparkSession spark = context.spark();
    Dataset<Row> distinct = plans.dropDuplicates("key");
    Dataset<Row> known = g.retryFailed() ? ledger.settledKeys(spark) : ledger.knownKeys(spark);
    Dataset<Row> sendable = distinct.filter(col("refusal").isNull());
    // A request asking for n choices is one call for its n entries; its entries are missing together.
    Dataset<Row> missing = sendable.join(known, sendable.col("key").equalTo(known.col("key")), "left_anti")
        .dropDuplicates("call_key").persist(StorageLevel.MEMORY_AND_DISK());
    Row planFigures = distinct.agg(count(lit(1)), sum(when(col("refusal").isNotNull(), 1).otherwise(0)),
        sum(when(col("clamped"), 1).otherwise(0))).first();
    Row missingFigures = missing.agg(count(lit(1)), sum("choices")).first();
    long planned = planFigures.getLong(0);
    long refused = planFigures.isNullAt(1) ? 0 : planFigures.getLong(1);
    long clamped = planFigures.isNullAt(2) ? 0 : planFigures.getLong(2);
    long toCall = missingFigures.getLong(0);
    long toCallEntries = missingFigures.isNullAt(1) ? 0 : missingFigures.getLong(1);
    long cached = planned - refused - toCallEntries;
    long start = System.nanoTime();
    if (refused > 0) {
      console.info(String.format(java.util.Locale.ROOT, "generate (%s): %,d calls not sent: prompt + max_tokens exceed the model's context window "
          + "(see generation_errors; context_overflow: clamp lowers max_tokens instead)", label, refused));
    }
    if (toCall == 0) {
      console.info(String.format(java.util.Locale.ROOT, "generate (%s): %,d calls, all in the ledger", label, planned));
      missing.unpersist();
      return new Round(planned, cached, 0, 0, 0, 0, 0, 0, 0, 0, 0, refused, clamped, 0);
    }
    int tasks = (int) Math.max(1, Math.min(spark.sparkContext().defaultParallelism(), toCall));
    GenerationTask.Budget share = new GenerationTask.Budget(g.requestsPerMinute() / (double) tasks, g.tokensPerMinute() / (double) tasks,
        budgetLeft / tasks);
    GenerateProgress.Counters counters = GenerateProgress.Counters.register(spark.sparkContext(), "distill.generate." + prefix);
    Map<String, GenerateConfig.Role> roles = new LinkedHashMap<>();
    g.roles().forEach(r -> roles.put(r.name(), r));
    GenerationTask task = new GenerationTask(g, roles, keys, ledger.segments(), prefix, context.run().root().replaceAll(".*/", ""),
        new HadoopConf(context.run().hadoop()), share, counters);
    console.info(String.format(java.util.Locale.ROOT, "generate (%s): %,d calls, %,d in the ledger, calling %,d in %d tasks x %d concurrent",
        label, planned, cached, toCall, tasks, g.concurrency()));
    try (GenerateProgress progress = new GenerateProgress(spark.sparkContext(), counters, console, "generate (" + label + ")", toCallEntries, cached,
        g.progressSeconds())) {
      missing.repartition(tasks, col("call_key")).foreachPartition(task);
      console.info(progress.line());
    } finally {
      missing.unpersist();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    List<String> stops = counters.stops().value();
    if (!stops.isEmpty()) {
      throw new GenerationStoppedException(String.format(java.util.Locale.ROOT, "Cannot continue generating: %s; the %,d replies received "
          + "are in the ledger %s and %,d calls were not made; fix the key, credit or quota and run the same command again: only the calls "
          + "still missing are made (generate.max_fatal_errors=%d)", stops.get(0), counters.ok().value() + counters.truncated().value(),
          ledger.dir(), counters.notMade().value(), g.maxFatalErrors()));
    }
    return new Round(planned, cached, counters.ok().value(), counters.failed().value(), counters.capped().value(),
        counters.retries().value(), counters.promptTokens().value() + counters.completionTokens().value(),
        counters.costMicros().value() / 1e6, seconds, counters.truncated().value(), counters.rejected().value(), refused, clamped,
        counters.abandoned().value());
  }

  static List<String> unpriced(GenerateConfig g) {
    List<String> out = new java.util.ArrayList<>();
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
  public interface RoundPlan extends java.io.Serializable {
    List<Row> plan(String rk, Row row);
  }

  public static Dataset<Row> plans(Dataset<Row> rows, RoundPlan plan) {
    return rows.flatMap((FlatMapFunction<Row, Row>) row -> plan.plan(row.getAs(RK), row).iterator(), Encoders.row(CallPlanner.SCHEMA));
  }

  private static Dataset<Row> assemble(Dataset<Row> rows, Dataset<Row> plans, Dataset<Row> latest, ReplyApplier applier, StructType out) {
    Dataset<Row> replies = plans.select("rk", "slot", "key", "refusal")
        .join(latest.select("key", "status", "content", "reasoning", "error"), "key", "left")
        .withColumn("status", when(col("refusal").isNotNull(), lit(Ledger.REJECTED)).otherwise(col("status")))
        .withColumn("error", when(col("refusal").isNotNull(), col("refusal")).otherwise(col("error")))
        .groupBy("rk")
        .agg(collect_list(struct("slot", "key", "status", "content", "reasoning", "error")).as(ReplyApplier.CALLS));
    Dataset<Row> joined = rows.join(replies, rows.col(RK).equalTo(replies.col("rk")), "left").drop("rk");
    return joined.map((MapFunction<Row, Row>) applier::apply, Encoders.row(out));
  }

  /** The input columns, then what generate adds (the row key and pending slots are dropped at the end). */
  static StructType outputSchema(StructType in, boolean teacherSamples) {
    StructType out = new StructType();
    for (org.apache.spark.sql.types.StructField f : in.fields()) {
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
