package dev.distill.job.generate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;

import dev.distill.job.api.StageContext;
import dev.distill.job.conf.GenerateConfig;
import dev.distill.job.error.GenerationStoppedException;
import dev.distill.job.spark.HadoopConf;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * One role's calls made for a stage after generate (decontam's paraphrase judge) the way generate
 * makes its online calls: planned rows of {@link CallPlanner#SCHEMA}, only the keys the ledger
 * lacks, on the executors through {@link GenerationTask} (concurrency per task, the rate limits
 * and the spending cap split across tasks, retries, the fatal streak), every outcome in the ledger.
 *
 * <p>generate.max_cost_usd bounds the run as a whole: these calls get what the run's own ledger
 * entries (its run id, generate's calls included) have not spent.
 */
public final class LedgerCalls {
  /** Entries planned, found in the ledger, called (any outcome), failed, not called at the cap; what the calls cost. */
  public record Figures(long planned, long cached, long made, long failed, long overCap, double costUsd) {
    public Map<String, Object> asMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("calls_planned", planned);
      m.put("calls_cached", cached);
      m.put("calls_made", made);
      m.put("calls_failed", failed);
      m.put("calls_over_cap", overCap);
      m.put("cost_usd", Math.round(costUsd * 1e6) / 1e6);
      return m;
    }
  }

  /** The ledger's entry for each planned key ({@code key}, {@code status}, {@code content}, {@code reasoning}, {@code error}; none when not called). */
  public record Result(Dataset<Row> entries, Figures figures) {}

  private final StageContext context;
  private final GenerateConfig.Role role;

  public LedgerCalls(StageContext context, GenerateConfig.Role role) {
    this.context = context;
    this.role = role;
  }

  /** Calls what the ledger lacks of {@code plans}; {@code label} names the ledger segments (e.g. decontam-judge). */
  public Result call(Dataset<Row> plans, String label) {
    GenerateConfig g = context.config().generate();
    SparkSession spark = context.spark();
    Ledger ledger = GenerateStage.ledger(context);
    String runId = context.run().root().replaceAll(".*/", "");
    Dataset<Row> distinct = plans.dropDuplicates("key").persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> known = g.retryFailed() ? ledger.settledKeys(spark) : ledger.knownKeys(spark);
    Dataset<Row> missing = distinct.filter(col("refusal").isNull()).join(known, "key", "left_anti").dropDuplicates("call_key")
        .persist(StorageLevel.MEMORY_AND_DISK());
    long planned = distinct.count();
    long toCall = missing.count();
    Figures figures = new Figures(planned, planned - toCall, 0, 0, 0, 0);
    try {
      if (toCall > 0) {
        figures = callMissing(missing, toCall, planned, ledger, runId, label);
      }
      Dataset<Row> entries = ledger.latestFor(spark, distinct).select("key", "status", "content", "reasoning", "error")
          .localCheckpoint();
      return new Result(entries, figures);
    } finally {
      missing.unpersist();
      distinct.unpersist();
    }
  }

  private Figures callMissing(Dataset<Row> missing, long toCall, long planned, Ledger ledger, String runId, String label) {
    GenerateConfig g = context.config().generate();
    SparkSession spark = context.spark();
    int tasks = (int) Math.max(1, Math.min(spark.sparkContext().defaultParallelism(), toCall));
    double budget = g.maxCostUsd() <= 0 ? 0 : Math.max(1e-12, g.maxCostUsd() - spentByRun(ledger, runId));
    GenerationTask.Budget share = new GenerationTask.Budget(g.requestsPerMinute() / (double) tasks, g.tokensPerMinute() / (double) tasks,
        budget / tasks);
    String prefix = runId + "-" + label + "-" + ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS"));
    GenerateProgress.Counters counters = GenerateProgress.Counters.register(spark.sparkContext(), "distill." + prefix);
    ApiKey key = ApiKey.resolve(role, role.configKey(g), System.getenv());
    GenerationTask task = new GenerationTask(g, Map.of(role.name(), role), Map.of(role.name(), key), ledger.segments(), prefix, runId,
        new HadoopConf(context.run().hadoop()), share, counters);
    missing.repartition(tasks, col("call_key")).foreachPartition(task);
    List<String> stops = counters.stops().value();
    if (!stops.isEmpty()) {
      throw new GenerationStoppedException(String.format(Locale.ROOT, "Cannot continue calling %s: %s; every reply received is in "
          + "the ledger %s; fix the key, credit or quota and run the same command again: only the calls still missing are made "
          + "(generate.max_fatal_errors=%d)", role.configKey(g), stops.get(0), ledger.dir(), g.maxFatalErrors()));
    }
    long made = counters.ok().value() + counters.failed().value() + counters.truncated().value() + counters.rejected().value();
    return new Figures(planned, planned - toCall, made, counters.failed().value(), counters.capped().value(),
        counters.costMicros().value() / 1e6);
  }

  /** USD this run's calls already cost, as its ledger entries say (one run id: a resumed run counts what it spent before). */
  private double spentByRun(Ledger ledger, String runId) {
    Row r = ledger.all(context.spark()).filter(col("run_id").equalTo(runId)).agg(sum("cost_usd")).first();
    return r.isNullAt(0) ? 0 : r.getDouble(0);
  }
}
