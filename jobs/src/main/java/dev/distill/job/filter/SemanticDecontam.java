package dev.distill.job.filter;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.format_number;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import dev.distill.job.api.StageContext;
import dev.distill.job.conf.GenerateConfig;
import dev.distill.job.schema.Columns;
import dev.distill.udf.text.StatedNumbers;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Decontamination by meaning, after the n-gram verdicts: a question whose nearest eval item (by
 * embedding cosine) is at or above {@code decontam.semantic_threshold} is removed as
 * {@link DecontamStage#PARAPHRASED_EVAL} (detail: {@code set:item cosine 0.934}) when it states the
 * same numbers as that item ({@link StatedNumbers}) and the n-grams did not already find it
 * contaminated; any other kept one at or above {@code decontam.review_threshold} is listed for
 * review in {@code review/paraphrase/} and run.json, or, with {@code decontam.judge} configured,
 * sent to the judge first ({@link ParaphraseJudge}): yes removes it as a paraphrase, no or no
 * verdict keeps it for review with the verdict or the error. A cross-source overlap gives way to a
 * paraphrase: the eval verdict is the one that matters.
 */
final class SemanticDecontam {
  /** Questions in the review band shown in run.json (the file under review/ holds them all). */
  static final int REVIEW_EXAMPLES = 20;
  private static final String SAME_NUMBERS = "_same_numbers";

  private final StageContext context;
  private final List<EvalSets.EvalItem> items;

  SemanticDecontam(StageContext context, List<EvalSets.EvalItem> items) {
    this.context = context;
    this.items = items;
  }

  Dataset<Row> apply(Dataset<Row> input, Dataset<Row> byNgrams) {
    double removeAt = context.config().decontam().semanticThreshold();
    double reviewAt = context.config().decontam().reviewThreshold();
    Dataset<Row> nearest = NearestEvalItems.of(context, input, items).localCheckpoint();
    Column[] columns = Arrays.stream(byNgrams.columns()).map(c -> col("_n." + c)).toArray(Column[]::new);
    Dataset<Row> joined = byNgrams.as("_n").join(nearest.as("_e"), col("_n." + Columns.ID).equalTo(col("_e." + Columns.ID)), "left")
        .select(withNearest(columns));
    Column sim = col(NearestEvalItems.SIMILARITY);
    // The numbers are read only where they can matter (at or above the review threshold). Checkpointed: the
    // review below and the stage's output both read it; the n-gram verdicts under it would be computed twice.
    joined = joined.withColumn(SAME_NUMBERS, when(sim.geq(reviewAt), sameNumbers().apply(col(Columns.QUESTION), col(NearestEvalItems.NEAREST)))
        .otherwise(lit(false))).localCheckpoint();
    Column paraphrase = sim.geq(removeAt).and(col(SAME_NUMBERS))
        .and(col(Columns.REASON).isNull().or(col(Columns.REASON).notEqual(lit(DecontamStage.CONTAMINATED))));
    Dataset<Row> judged = joined
        .withColumn(Columns.DETAIL, when(paraphrase, concat(col(NearestEvalItems.NEAREST), lit(" cosine "), format_number(sim, 3)))
            .otherwise(col(Columns.DETAIL)))
        .withColumn(Columns.REASON, when(paraphrase, lit(DecontamStage.PARAPHRASED_EVAL)).otherwise(col(Columns.REASON)));
    // Kept and close: the band below the removal threshold, and closer ones that state other numbers.
    Column inBand = col(Columns.REASON).isNull().and(sim.geq(reviewAt));
    GenerateConfig.Role judgeRole = context.config().decontam().judge();
    boolean judging = judgeRole.enabled();
    if (judging) {
      judged = byTheJudge(judged, inBand, new ParaphraseJudge(context, judgeRole));
    }
    review(judged.filter(inBand), judging);
    histogram(nearest);
    return judged.drop(NearestEvalItems.NEAREST, NearestEvalItems.SIMILARITY, SAME_NUMBERS, ParaphraseJudge.VERDICT, ParaphraseJudge.ERROR);
  }

  /** The band's questions the judge says are the eval item's problem are removed; the others keep their verdict or error for review. */
  private Dataset<Row> byTheJudge(Dataset<Row> judged, Column inBand, ParaphraseJudge judge) {
    Dataset<Row> verdicts = judge.verdicts(withEvalText(judged.filter(inBand).select(col(Columns.ID), col(Columns.QUESTION),
        col(NearestEvalItems.NEAREST).as("nearest_eval")), "nearest_eval"));
    Column yes = col(ParaphraseJudge.VERDICT).equalTo(lit(ParaphraseJudge.YES));
    return ParaphraseJudge.withVerdicts(judged, verdicts)
        .withColumn(Columns.DETAIL, when(yes, concat(col(NearestEvalItems.NEAREST), lit(" cosine "),
            format_number(col(NearestEvalItems.SIMILARITY), 3), lit(", judge: yes (" + judge.model() + ")"))).otherwise(col(Columns.DETAIL)))
        .withColumn(Columns.REASON, when(yes, lit(DecontamStage.PARAPHRASED_EVAL)).otherwise(col(Columns.REASON)));
  }

  /** Whether a question states the numbers its nearest eval item states (a variant with other numbers is another problem). */
  private UserDefinedFunction sameNumbers() {
    Map<String, List<String>> byRef = new HashMap<>();
    for (EvalSets.EvalItem item : items) {
      byRef.putIfAbsent(item.set() + ":" + item.item(), StatedNumbers.of(item.question()));
    }
    Broadcast<Map<String, List<String>>> numbers = context.spark().sparkContext()
        .broadcast(byRef, scala.reflect.ClassTag$.MODULE$.apply(Map.class));
    return udf((UDF2<String, String, Boolean>) (question, ref) -> ref != null && StatedNumbers.of(question).equals(numbers.value().get(ref)),
        DataTypes.BooleanType);
  }

  private static Column[] withNearest(Column[] columns) {
    Column[] all = Arrays.copyOf(columns, columns.length + 2);
    all[columns.length] = col("_e." + NearestEvalItems.NEAREST).as(NearestEvalItems.NEAREST);
    all[columns.length + 1] = col("_e." + NearestEvalItems.SIMILARITY).as(NearestEvalItems.SIMILARITY);
    return all;
  }

  /** {@code rows} with the eval item's text ({@code eval_question}) of the reference in column {@code ref}. */
  private Dataset<Row> withEvalText(Dataset<Row> rows, String ref) {
    List<Row> evalRows = new ArrayList<>();
    for (EvalSets.EvalItem item : items) {
      evalRows.add(RowFactory.create(item.set() + ":" + item.item(), item.question()));
    }
    Dataset<Row> evalText = context.spark().createDataFrame(evalRows,
        new StructType().add("_ref", DataTypes.StringType).add("eval_question", DataTypes.StringType)).dropDuplicates("_ref");
    return rows.join(evalText, col(ref).equalTo(col("_ref")), "left").drop("_ref");
  }

  /**
   * The kept near paraphrases, with the eval item's text beside the question (and, when judged, the
   * verdict or why there is none), to review/paraphrase/ and run.json.
   */
  private void review(Dataset<Row> band, boolean judged) {
    String dir = context.run().review(DecontamStage.REVIEW);
    List<Column> listed = new ArrayList<>(List.of(col(Columns.ID), col(Columns.SOURCE), col(Columns.QUESTION),
        col(NearestEvalItems.NEAREST).as("nearest_eval"), col(NearestEvalItems.SIMILARITY).as("similarity"), col(SAME_NUMBERS).as("same_numbers")));
    if (judged) {
      listed.add(col(ParaphraseJudge.VERDICT).as("judge_verdict"));
      listed.add(col(ParaphraseJudge.ERROR).as("judge_error"));
    }
    withEvalText(band.select(listed.toArray(Column[]::new)), "nearest_eval")
        .orderBy(col("similarity").desc(), col(Columns.ID), col(Columns.SOURCE))
        .coalesce(1).write().mode(SaveMode.Overwrite).parquet(dir);
    Dataset<Row> written = context.spark().read().parquet(dir);
    context.stat("semantic_review", written.count());
    List<Map<String, Object>> examples = new ArrayList<>();
    for (Row r : written.limit(REVIEW_EXAMPLES).collectAsList()) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("id", r.getAs(Columns.ID));
      e.put("source", r.getAs(Columns.SOURCE));
      e.put("nearest_eval", r.getAs("nearest_eval"));
      e.put("similarity", r.getAs("similarity"));
      e.put("same_numbers", r.getAs("same_numbers"));
      if (judged) {
        e.put("judge_verdict", r.getAs("judge_verdict"));
        e.put("judge_error", r.getAs("judge_error"));
      }
      examples.add(e);
    }
    context.stat("semantic_review_examples", examples);
    context.stat("semantic_review_file", dir);
  }

  /** How many questions have their nearest eval item at each cosine (0.05-wide bins from 0.5): what the thresholds are chosen on. */
  private void histogram(Dataset<Row> nearest) {
    Map<String, Long> bins = new LinkedHashMap<>();
    Column bin = floor(col(NearestEvalItems.SIMILARITY).multiply(20)).divide(20);
    for (Row r : nearest.filter(col(NearestEvalItems.SIMILARITY).geq(0.5)).groupBy(bin.as("bin")).count().orderBy("bin").collectAsList()) {
      bins.put(String.format(Locale.ROOT, "%.2f", r.getDouble(0)), r.getLong(1));
    }
    context.stat("nearest_eval_cosine", bins);
  }
}
