package dev.distill.job.generate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.distill.job.api.StageContext;
import dev.distill.job.conf.GenerateConfig;
import dev.distill.job.error.GenerationStoppedException;
import dev.distill.job.io.Console;
import dev.distill.job.spark.HadoopConf;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * The rounds of calls of one generate stage: teacher, students and classifier, then (with the
 * judge on) the judge over their replies. A round calls only the entries the ledger lacks, then
 * applies the ledger's latest replies to the rows, so the next round plans from them.
 */
final class GenerateRounds {

  /** Figures of one round of calls (entries: one per choice of a request). */
  record Round(long planned, long cached, long ok, long failed, long capped, long retries, long tokens, double cost, double seconds,
      long truncated, long rejected, long refused, long clamped, long abandoned) {

    /** This round's figures and {@code next}'s, added up. */
    Round plus(Round next) {
      return new Round(planned + next.planned, cached + next.cached, ok + next.ok, failed + next.failed, capped + next.capped,
          retries + next.retries, tokens + next.tokens, cost + next.cost, seconds + next.seconds, truncated + next.truncated,
          rejected + next.rejected, refused + next.refused, clamped + next.clamped, abandoned + next.abandoned);
    }

    /** What run.json records of the calls, in this order, the cost rounded to a millionth of a dollar. */
    Map<String, Object> figures() {
      Map<String, Object> figures = new LinkedHashMap<>();
      figures.put("calls_planned", planned);
      figures.put("calls_cached", cached);
      figures.put("calls_made", ok + failed + truncated + rejected);
      figures.put("calls_failed", failed);
      figures.put("calls_over_cap", capped);
      figures.put("replies_truncated", truncated);
      figures.put("calls_rejected", rejected);
      figures.put("calls_refused_context", refused);
      figures.put("calls_clamped_context", clamped);
      figures.put("abandoned_attempts", abandoned);
      figures.put("retries", retries);
      figures.put("tokens", tokens);
      figures.put("cost_usd", Math.round(cost * 1e6) / 1e6);
      figures.put("call_seconds", seconds);
      return figures;
    }
  }

  /** The rows after the last round (their pending slots still in) and the rounds' figures added up. */
  record Result(Dataset<Row> rows, Round calls) {}

  /**
   * What a round's plans hold: entries planned, refused (over a context window) and clamped; the
   * calls the ledger lacks (persisted) and their entries.
   */
  private record Pending(Dataset<Row> missing, long planned, long refused, long clamped, long toCall, long toCallEntries) {
    long cached() {
      return planned - refused - toCallEntries;
    }

    /** These plans less the calls of {@code batchRoles}, which go through batches. */
    Pending online(List<String> batchRoles) {
      Dataset<Row> rest = missing.filter(functions.not(col("name").isin(batchRoles.toArray()))).persist(StorageLevel.MEMORY_AND_DISK());
      Row figures = rest.agg(count(lit(1)), sum("choices")).first();
      return new Pending(rest, planned, refused, clamped, figures.getLong(0), figures.isNullAt(1) ? 0 : figures.getLong(1));
    }
  }

  private final StageContext context;
  private final Ledger ledger;
  private final Map<String, ApiKey> keys;
  private final CallPlanner planner;
  private final ReplyApplier applier;
  private final StructType out;
  private final Console console;
  private final BatchRound.Figures batchFigures = new BatchRound.Figures();

  GenerateRounds(StageContext context, Ledger ledger, Map<String, ApiKey> keys, CallPlanner planner, ReplyApplier applier, StructType out,
      Console console) {
    this.context = context;
    this.ledger = ledger;
    this.keys = keys;
    this.planner = planner;
    this.applier = applier;
    this.out = out;
    this.console = console;
  }

  /** Runs the rounds over {@code rows} (on the output schema); {@code runPrefix} names the ledger segments they write. */
  Result run(Dataset<Row> rows, String runPrefix) {
    GenerateConfig g = context.config().generate();
    // One cap for the stage, on the driver: batches in flight at their worst case, what they and the online calls spent.
    SpendingCap cap = new SpendingCap(g.maxCostUsd());
    Round calls = null;
    Dataset<Row> current = rows.persist(StorageLevel.MEMORY_AND_DISK());
    int rounds = g.judge().enabled() ? 2 : 1;
    for (int round = 1; round <= rounds; round++) {
      GenerateStage.RoundPlan plan = round == 1 ? planner::round1 : planner::round2;
      Dataset<Row> plans = GenerateStage.plans(current, plan).persist(StorageLevel.MEMORY_AND_DISK());
      Round r = execute(plans, runPrefix + "-r" + round, round == 1 ? "teacher, students, classifier" : "judge", cap);
      calls = calls == null ? r : calls.plus(r);
      current = withReplies(current, plans);
    }
    return new Result(current, calls);
  }

  private Round execute(Dataset<Row> plans, String prefix, String label, SpendingCap cap) {
    Pending pending = pending(plans);
    long start = System.nanoTime();
    if (pending.refused() > 0) {
      console.info(String.format(Locale.ROOT, "generate (%s): %,d calls not sent: prompt + max_tokens exceed the model's context window "
          + "(see generation_errors; context_overflow: clamp lowers max_tokens instead)", label, pending.refused()));
    }
    if (pending.toCall() == 0) {
      console.info(String.format(Locale.ROOT, "generate (%s): %,d calls, all in the ledger", label, pending.planned()));
      pending.missing().unpersist();
      return new Round(pending.planned(), pending.cached(), 0, 0, 0, 0, 0, 0, 0, 0, 0, pending.refused(), pending.clamped(), 0);
    }
    GenerateProgress.Counters counters = GenerateProgress.Counters.register(context.spark().sparkContext(), "distill.generate." + prefix);
    BatchRound batch = startBatches(pending, prefix, label, cap, counters);
    Pending online = batch == null ? pending : pending.online(batchRoles());
    if (online.toCall() > 0) {
      // The online calls get what the batches in flight and all spending so far leave, and give back what they did not spend.
      double block = cap.reserveRest();
      long before = counters.costMicros().value();
      call(online, prefix, label, block, counters);
      cap.settle(block, (counters.costMicros().value() - before) / 1e6);
    }
    stopIfATaskStopped(counters);
    if (batch != null) {
      finishBatches(batch);
      pending.missing().unpersist();
      online.missing().unpersist();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    return new Round(pending.planned(), pending.cached(), counters.ok().value(), counters.failed().value(), counters.capped().value(),
        counters.retries().value(), counters.promptTokens().value() + counters.completionTokens().value(),
        counters.costMicros().value() / 1e6, seconds, counters.truncated().value(), counters.rejected().value(), pending.refused(),
        pending.clamped(), counters.abandoned().value());
  }

  /** The names of the roles in batch mode. */
  private List<String> batchRoles() {
    return context.config().generate().roles().stream().filter(GenerateConfig.Role::batched).map(GenerateConfig.Role::name).toList();
  }

  /** Attaches to the ledger's open batches and submits the batch roles' missing calls; null when no role is in batch mode. */
  private BatchRound startBatches(Pending pending, String prefix, String label, SpendingCap cap, GenerateProgress.Counters counters) {
    List<String> names = batchRoles();
    if (names.isEmpty()) {
      return null;
    }
    GenerateConfig g = context.config().generate();
    BatchRound batch = new BatchRound(g, roles(g), keys, ledger, context.run().hadoop(), counters, cap, console,
        context.run().root().replaceAll(".*/", ""), prefix, label);
    try {
      return batch.start(pending.missing().filter(col("name").isin(names.toArray())));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while submitting batches", e);
    }
  }

  private void finishBatches(BatchRound batch) {
    try {
      batch.finish();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for batches (they are in the ledger: rerun to attach)", e);
    } finally {
      batchFigures.add(batch.figures());
    }
  }

  /** What the rounds did with batches, added up (run.json). */
  Map<String, Object> batchFigures() {
    return batchFigures.asMap();
  }

  private Pending pending(Dataset<Row> plans) {
    SparkSession spark = context.spark();
    Dataset<Row> distinct = plans.dropDuplicates("key");
    Dataset<Row> known = context.config().generate().retryFailed() ? ledger.settledKeys(spark) : ledger.knownKeys(spark);
    Dataset<Row> sendable = distinct.filter(col("refusal").isNull());
    // A request asking for n choices is one call for its n entries; its entries are missing together.
    Dataset<Row> missing = sendable.join(known, sendable.col("key").equalTo(known.col("key")), "left_anti")
        .dropDuplicates("call_key").persist(StorageLevel.MEMORY_AND_DISK());
    Row planFigures = distinct.agg(count(lit(1)), sum(when(col("refusal").isNotNull(), 1).otherwise(0)),
        sum(when(col("clamped"), 1).otherwise(0))).first();
    Row missingFigures = missing.agg(count(lit(1)), sum("choices")).first();
    return new Pending(missing, planFigures.getLong(0), planFigures.isNullAt(1) ? 0 : planFigures.getLong(1),
        planFigures.isNullAt(2) ? 0 : planFigures.getLong(2), missingFigures.getLong(0),
        missingFigures.isNullAt(1) ? 0 : missingFigures.getLong(1));
  }

  /** Calls what the ledger lacks in one task per core at most, each with its share of the rate limits and the budget left. */
  private void call(Pending pending, String prefix, String label, double budgetLeft, GenerateProgress.Counters counters) {
    GenerateConfig g = context.config().generate();
    SparkSession spark = context.spark();
    int tasks = (int) Math.max(1, Math.min(spark.sparkContext().defaultParallelism(), pending.toCall()));
    GenerationTask.Budget share = new GenerationTask.Budget(g.requestsPerMinute() / (double) tasks, g.tokensPerMinute() / (double) tasks,
        budgetLeft / tasks);
    GenerationTask task = new GenerationTask(g, roles(g), keys, ledger.segments(), prefix, context.run().root().replaceAll(".*/", ""),
        new HadoopConf(context.run().hadoop()), share, counters);
    console.info(String.format(Locale.ROOT, "generate (%s): %,d calls, %,d in the ledger, calling %,d in %d tasks x %d concurrent",
        label, pending.planned(), pending.cached(), pending.toCall(), tasks, g.concurrency()));
    try (GenerateProgress progress = new GenerateProgress(spark.sparkContext(), counters, console, "generate (" + label + ")",
        pending.toCallEntries(), pending.cached(), g.progressSeconds())) {
      pending.missing().repartition(tasks, col("call_key")).foreachPartition(task);
      console.info(progress.line());
    } finally {
      pending.missing().unpersist();
    }
  }

  private static Map<String, GenerateConfig.Role> roles(GenerateConfig g) {
    Map<String, GenerateConfig.Role> roles = new LinkedHashMap<>();
    g.roles().forEach(r -> roles.put(r.name(), r));
    return roles;
  }

  /** A task that met too many fatal errors (a bad key, no credit, no quota) stops the stage; what was received stays in the ledger. */
  private void stopIfATaskStopped(GenerateProgress.Counters counters) {
    List<String> stops = counters.stops().value();
    if (!stops.isEmpty()) {
      throw new GenerationStoppedException(String.format(Locale.ROOT, "Cannot continue generating: %s; the %,d replies received "
          + "are in the ledger %s and %,d calls were not made; fix the key, credit or quota and run the same command again: only the calls "
          + "still missing are made (generate.max_fatal_errors=%d)", stops.get(0), counters.ok().value() + counters.truncated().value(),
          ledger.dir(), counters.notMade().value(), context.config().generate().maxFatalErrors()));
    }
  }

  /** The rows with the round's replies applied (computed and persisted); the round's plans and the rows before are released. */
  private Dataset<Row> withReplies(Dataset<Row> current, Dataset<Row> plans) {
    Dataset<Row> next = assemble(current, plans, ledger.latestFor(context.spark(), plans), applier, out)
        .persist(StorageLevel.MEMORY_AND_DISK());
    next.count();
    plans.unpersist();
    current.unpersist();
    return next;
  }

  private static Dataset<Row> assemble(Dataset<Row> rows, Dataset<Row> plans, Dataset<Row> latest, ReplyApplier applier, StructType out) {
    Dataset<Row> replies = plans.select("rk", "slot", "key", "refusal")
        .join(latest.select("key", "status", "content", "reasoning", "error"), "key", "left")
        .withColumn("status", when(col("refusal").isNotNull(), lit(Ledger.REJECTED)).otherwise(col("status")))
        .withColumn("error", when(col("refusal").isNotNull(), col("refusal")).otherwise(col("error")))
        .groupBy("rk")
        .agg(collect_list(struct("slot", "key", "status", "content", "reasoning", "error")).as(ReplyApplier.CALLS));
    Dataset<Row> joined = rows.join(replies, rows.col(GenerateStage.RK).equalTo(replies.col("rk")), "left").drop("rk");
    return joined.map((MapFunction<Row, Row>) applier::apply, Encoders.row(out));
  }
}
