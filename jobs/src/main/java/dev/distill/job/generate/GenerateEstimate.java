package dev.distill.job.generate;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.distill.job.conf.GenerateConfig;
import dev.distill.job.schema.Columns;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The dry run: how many calls each role would make (after the ledger), how many tokens and what
 * they would cost, before anything is spent. Output tokens are bounded by max_tokens; the expected
 * figure uses the ledger's average for the model when it has replies from it.
 */
public final class GenerateEstimate {
  /** Characters assumed for a teacher attempt not yet generated, when estimating the judge's prompts. */
  static final int ASSUMED_ATTEMPT_CHARS = 2000;

  /**
   * One role's line of the estimate.
   *
   * @param pricing {@code priced}; {@code free} (no prices, a local or private endpoint, or free: true); {@code unpriced}
   *     (no prices for a paid endpoint: its cost is unknown, not zero)
   * @param window what is known of the model's context window
   * @param refused calls not sent because prompt + max_tokens exceed it; clamped: sent with a lower max_tokens
   */
  public record Line(String name, String model, long calls, long cached, long promptTokens, long maxOutputTokens,
      Long expectedOutputTokens, double maxCost, Double expectedCost, String pricing, String window, long refused, long clamped,
      String mode, double maxCostBatch, Double expectedCostBatch) {

    /** The maximum in the mode the role is called in. */
    double maxCostAsConfigured() {
      return GenerateConfig.BATCH.equals(mode) ? maxCostBatch : maxCost;
    }
  }

  public static List<Line> estimate(SparkSession spark, GenerateConfig g, CallPlanner planner, Dataset<Row> rows, Ledger ledger,
      Map<String, Object> windows) {
    Dataset<Row> entries = ledger.all(spark);
    Dataset<Row> known = g.retryFailed() ? ledger.settledKeys(spark) : ledger.knownKeys(spark);
    Dataset<Row> round1 = GenerateStage.plans(rows, planner::round1);
    Dataset<Row> round2 = GenerateStage.plans(rows, (GenerateStage.RoundPlan) (rk, row) -> judgePlan(planner, g, rk, row));
    Dataset<Row> distinct = round1.unionByName(round2).dropDuplicates("key");
    Dataset<Row> sendable = distinct.filter(col("refusal").isNull());
    Dataset<Row> missing = sendable.join(known, sendable.col("key").equalTo(known.col("key")), "left_anti");
    Map<String, long[]> perRole = new LinkedHashMap<>();
    // A request with n choices sends its prompt once.
    for (Row r : missing.groupBy("name").agg(count(lit(1)), sum(when(col("choice").equalTo(0), col("prompt_chars")).otherwise(0)),
        sum("max_tokens")).collectAsList()) {
      perRole.put(r.getString(0), new long[] {r.getLong(1), r.getLong(2), r.getLong(3)});
    }
    Map<String, long[]> context = new LinkedHashMap<>();
    for (Row r : distinct.groupBy("name").agg(sum(when(col("refusal").isNotNull(), 1).otherwise(0)),
        sum(when(col("clamped"), 1).otherwise(0))).collectAsList()) {
      context.put(r.getString(0), new long[] {r.getLong(1), r.getLong(2)});
    }
    Map<String, Long> planned = new LinkedHashMap<>();
    for (Row r : distinct.groupBy("name").agg(count(lit(1))).collectAsList()) {
      planned.put(r.getString(0), r.getLong(1));
    }
    Map<String, Double> averageOutput = new LinkedHashMap<>();
    for (Row r : entries.filter(col("status").equalTo(Ledger.OK)).groupBy("model").agg(avg("completion_tokens")).collectAsList()) {
      if (!r.isNullAt(1)) {
        averageOutput.put(r.getString(0), r.getDouble(1));
      }
    }
    List<Line> lines = new ArrayList<>();
    for (GenerateConfig.Role role : g.roles()) {
      long[] m = perRole.getOrDefault(role.name(), new long[3]);
      long calls = m[0];
      long promptTokens = m[1] / 4;
      Double avgOut = averageOutput.get(role.model());
      Long expectedOut = avgOut == null ? null : Math.round(avgOut * calls);
      long[] ctx = context.getOrDefault(role.name(), new long[2]);
      lines.add(new Line(role.name(), role.model(), calls, planned.getOrDefault(role.name(), 0L) - calls - ctx[0], promptTokens, m[2],
          expectedOut, role.cost(promptTokens, m[2]), expectedOut == null ? null : role.cost(promptTokens, expectedOut), pricing(role),
          String.valueOf(windows.getOrDefault(role.name(), "unknown")), ctx[0], ctx[1], role.batch().mode(), role.batchCost(promptTokens, m[2]),
          expectedOut == null ? null : role.batchCost(promptTokens, expectedOut)));
    }
    return lines;
  }

  /** The judge's call as it will be, with an assumed attempt where the teacher has not answered yet. */
  private static List<Row> judgePlan(CallPlanner planner, GenerateConfig g, String rk, Row row) {
    String attempt = row.getAs(Columns.ATTEMPT);
    String trace = row.getAs(Columns.TRACE);
    boolean teacherWillAnswer = g.teacher().enabled() && (g.teacherOverwrite() || trace == null || trace.isBlank());
    if ((attempt == null || attempt.isBlank()) && !teacherWillAnswer) {
      return List.of();
    }
    String reference = CallPlanner.reference(row);
    if (!g.judge().enabled() || reference == null) {
      return List.of();
    }
    String assumed = attempt != null && !attempt.isBlank() && !teacherWillAnswer ? attempt : "x".repeat(ASSUMED_ATTEMPT_CHARS);
    return planner.judge(rk, row.getAs(Columns.QUESTION), reference, assumed);
  }

  /** The estimate as a table for the console. */
  public static String table(List<Line> lines) {
    StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%-12s %-28s %-6s %10s %10s %14s %16s %12s %14s %12s %14s  %s%n",
        "role", "model", "mode", "calls", "cached", "prompt tok", "output tok (max)", "online (max)", "online (exp.)", "batch (max)",
        "batch (exp.)", "context window"));
    long calls = 0;
    long cached = 0;
    double max = 0;
    double maxBatch = 0;
    double asConfigured = 0;
    for (Line l : lines) {
      String context = l.window() + (l.refused() > 0 ? String.format(Locale.ROOT, "; %,d over it, not sent", l.refused()) : "")
          + (l.clamped() > 0 ? String.format(Locale.ROOT, "; %,d with max_tokens clamped", l.clamped()) : "");
      s.append(String.format(Locale.ROOT, "%-12s %-28s %-6s %,10d %,10d %,14d %,16d %12s %14s %12s %14s  %s%n", l.name(), abbreviate(l.model()),
          l.mode(), l.calls(), l.cached(), l.promptTokens(), l.maxOutputTokens(), cost(l, l.maxCost()), expected(l, l.expectedCost()),
          cost(l, l.maxCostBatch()), expected(l, l.expectedCostBatch()), context));
      calls += l.calls();
      cached += l.cached();
      max += l.maxCost();
      maxBatch += l.maxCostBatch();
      asConfigured += l.maxCostAsConfigured();
    }
    s.append(String.format(Locale.ROOT, "%-12s %-28s %-6s %,10d %,10d %14s %16s %12s %14s %12s%n", "total", "", "", calls, cached, "", "",
        usd(max), "", usd(maxBatch)));
    s.append(String.format(Locale.ROOT, "at most %s as configured (each role in its mode); every role online %s, every role in batch %s",
        usd(asConfigured), usd(max), usd(maxBatch)));
    return s.toString();
  }

  private static String expected(Line l, Double usd) {
    return usd == null && l.pricing().equals("priced") ? "n/a" : cost(l, usd == null ? 0 : usd);
  }

  /** The estimate for run.json. */
  public static List<Map<String, Object>> asMaps(List<Line> lines) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Line l : lines) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("role", l.name());
      m.put("model", l.model());
      m.put("calls", l.calls());
      m.put("cached", l.cached());
      m.put("prompt_tokens", l.promptTokens());
      m.put("max_output_tokens", l.maxOutputTokens());
      m.put("expected_output_tokens", l.expectedOutputTokens());
      m.put("max_cost_usd", l.maxCost());
      m.put("expected_cost_usd", l.expectedCost());
      m.put("pricing", l.pricing());
      m.put("context_window", l.window());
      m.put("calls_refused_context", l.refused());
      m.put("calls_clamped_context", l.clamped());
      m.put("mode", l.mode());
      m.put("max_cost_batch_usd", l.maxCostBatch());
      m.put("expected_cost_batch_usd", l.expectedCostBatch());
      out.add(m);
    }
    return out;
  }

  static String pricing(GenerateConfig.Role role) {
    return role.priced() ? "priced" : role.paid() ? "unpriced" : "free";
  }

  private static String cost(Line l, double usd) {
    return switch (l.pricing()) {
      case "priced" -> usd(usd);
      case "free" -> "$0 (free)";
      default -> "unpriced";
    };
  }

  private static String usd(double v) {
    return String.format(Locale.ROOT, "$%.2f", v);
  }

  private static String abbreviate(String s) {
    return s.length() <= 28 ? s : s.substring(0, 25) + "...";
  }

  private GenerateEstimate() {}
}
