package dev.distill.job.filter;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.when;

import dev.distill.job.api.StageContext;
import dev.distill.job.conf.GenerateConfig;
import dev.distill.job.generate.CallPlanner;
import dev.distill.job.generate.Ledger;
import dev.distill.job.generate.LedgerCalls;
import dev.distill.job.generate.Replies;
import dev.distill.job.schema.Columns;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * DeepMath's recipe for the review band: each question there goes to {@code decontam.judge} with
 * its nearest eval item's text, asking whether the two are the same problem. The calls go through
 * the ledger ({@link LedgerCalls}: keyed by the request body, so a rerun or another run pays
 * nothing twice) on the executors. A verdict is {@code yes} or {@code no} from the reply's last
 * line; a failed call, a truncated or unreadable reply, or a call the cost cap stopped has no
 * verdict and an error instead, and is never taken for a verdict.
 */
final class ParaphraseJudge {
  static final String VERDICT = "_judge_verdict";
  static final String ERROR = "_judge_error";
  static final String YES = "yes";
  static final String NO = "no";
  private static final String JUDGE_ID = "_judge_id";
  static final StructType VERDICTS = new StructType()
      .add(JUDGE_ID, DataTypes.StringType, false)
      .add(VERDICT, DataTypes.StringType, true)
      .add(ERROR, DataTypes.StringType, true);

  private final StageContext context;
  private final GenerateConfig.Role role;

  ParaphraseJudge(StageContext context, GenerateConfig.Role role) {
    this.context = context;
    this.role = role;
  }

  String model() {
    return role.model();
  }

  /**
   * ({@link #JUDGE_ID}, {@link #VERDICT}, {@link #ERROR}) per content id of {@code band}, which has
   * {@code id}, {@code question} and {@code eval_question}; checkpointed, so the calls are made once.
   */
  Dataset<Row> verdicts(Dataset<Row> band) {
    CallPlanner planner = new CallPlanner(context.config().generate(), "");
    GenerateConfig.Role judge = role;
    // One call per content id; its rows may spell the question differently (case, spaces): the smallest text is asked, whatever the partitioning.
    Dataset<Row> plans = band.groupBy(Columns.ID).agg(min(Columns.QUESTION), min("eval_question"))
        .flatMap((FlatMapFunction<Row, Row>) r -> planner.single(r.getString(0), GenerateConfig.PARAPHRASE_JUDGE, judge,
            Map.of("question", r.getString(1), "eval_question", r.isNullAt(2) ? "" : r.getString(2))).iterator(),
            Encoders.row(CallPlanner.SCHEMA))
        // The band is computed once: the calls and the verdicts both read its plans.
        .localCheckpoint();
    LedgerCalls.Result result = new LedgerCalls(context, role).call(plans, "decontam-judge");
    boolean capped = result.figures().overCap() > 0;
    String configKey = role.configKey(context.config().generate());
    Dataset<Row> verdicts = plans.select(col("rk"), col("key"), col("refusal")).join(result.entries(), "key", "left")
        .map((MapFunction<Row, Row>) r -> {
          // A plan the planner refused (the prompt does not fit the context window) is never called: its reason, not the cap's.
          String refusal = r.getAs("refusal");
          String[] v = refusal != null ? new String[] {null, "not judged: " + refusal}
              : decide(r.getAs("status"), r.getAs("content"), r.getAs("reasoning"), r.getAs("error"), capped, configKey);
          return RowFactory.create(r.<String>getAs("rk"), v[0], v[1]);
        }, Encoders.row(VERDICTS))
        .localCheckpoint();
    record(verdicts, result.figures());
    return verdicts;
  }

  /**
   * The verdict and the error of one judged question from its ledger entry (status null: no entry;
   * with {@code capped}, the cap stopped the calls: a plan neither refused nor called was not reached).
   *
   * @return {yes or no, null} for a readable reply, else {null, why there is no verdict}
   */
  static String[] decide(String status, String content, String reasoning, String error, boolean capped, String configKey) {
    if (status == null) {
      return new String[] {null, capped
          ? "not judged: generate.max_cost_usd was reached before this call; a run with a higher cap makes it"
          : "not judged: the call was not made"};
    }
    if (!Ledger.OK.equals(status)) {
      // The ledger's error already starts with the status for a truncated reply ("truncated: the reply reached max_tokens ...").
      return new String[] {null, "judge call " + (error != null && error.startsWith(status) ? error : status + ": " + error)};
    }
    String answer = Replies.teacher(content, reasoning).attempt();
    Boolean verdict = Replies.verdict(answer);
    if (verdict == null) {
      String last = answer == null || answer.isBlank() ? "(empty)" : "\"" + clip(answer.strip().lines().reduce((a, b) -> b).orElse("")) + "\"";
      return new String[] {null, "unreadable verdict: the reply's last line is " + last + ", not Yes or No (" + configKey + ".prompt asks for it)"};
    }
    return new String[] {verdict ? YES : NO, null};
  }

  private static String clip(String s) {
    return s.length() <= 120 ? s : s.substring(0, 120) + "...";
  }

  /** run.json: the model, questions judged, yes / no / no verdict, and the calls. */
  private void record(Dataset<Row> verdicts, LedgerCalls.Figures figures) {
    Row counts = verdicts.agg(count(lit(1)), count(when(col(VERDICT).equalTo(YES), 1)), count(when(col(VERDICT).equalTo(NO), 1)),
        count(col(ERROR))).first();
    Map<String, Object> stats = new LinkedHashMap<>();
    stats.put("model", role.model());
    stats.put("judged", counts.getLong(0));
    stats.put("yes", counts.getLong(1));
    stats.put("no", counts.getLong(2));
    stats.put("errors", counts.getLong(3));
    stats.putAll(figures.asMap());
    context.stat("semantic_judge", stats);
  }

  /** The rows' columns in order, with the verdict of their id joined (null outside the band). */
  static Dataset<Row> withVerdicts(Dataset<Row> rows, Dataset<Row> verdicts) {
    String[] columns = rows.columns();
    Column[] keep = new Column[columns.length + 2];
    for (int i = 0; i < columns.length; i++) {
      keep[i] = rows.col(columns[i]);
    }
    keep[columns.length] = verdicts.col(VERDICT);
    keep[columns.length + 1] = verdicts.col(ERROR);
    return rows.join(verdicts, rows.col(Columns.ID).equalTo(verdicts.col(JUDGE_ID)), "left").select(keep);
  }
}
