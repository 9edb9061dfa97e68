package dev.distill.job.filter;

import static org.apache.spark.sql.functions.array_distinct;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import dev.distill.job.api.Stage;
import dev.distill.job.api.StageContext;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.schema.CandidateSchema;
import dev.distill.job.schema.Columns;
import dev.distill.udf.text.NGrams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import scala.collection.Iterator;
import scala.collection.immutable.Seq;

/**
 * Word n-gram decontamination: a question sharing any n-gram with an eval item is removed, and
 * {@code contaminated_by} records every eval set it matched as {@code set:item}. The eval n-grams
 * are small and broadcast (no shuffle). Optionally (s1) a question sharing an n-gram with a
 * question of an earlier source is removed too; identical questions are left to dedup.
 */
public final class DecontamStage implements Stage {
  public static final String NAME = "decontam";
  /** The question shares an n-gram with an eval set item. */
  public static final String CONTAMINATED = "contaminated";
  /** The question shares an n-gram with a row of an earlier source (decontam.cross_source). */
  public static final String CROSS_SOURCE_OVERLAP = "cross_source_overlap";
  /** The question means what an eval item says, in other words (embeddings.enabled: cosine at or above decontam.semantic_threshold). */
  public static final String PARAPHRASED_EVAL = "paraphrased_eval";
  /** Where the questions listed for review (near paraphrases, kept) go under the run. */
  public static final String REVIEW = "paraphrase";
  private static final String GRAMS = "_grams";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<String> reasons() {
    return List.of(CONTAMINATED, PARAPHRASED_EVAL, CROSS_SOURCE_OVERLAP);
  }

  @Override
  public List<String> files(PipelineConfig config) {
    return config.decontam().evalSets().stream().flatMap(s -> s.paths().stream()).toList();
  }

  @Override
  public String description() {
    return "decontam: word n-gram overlap with eval sets and earlier sources";
  }

  @Override
  public String description(PipelineConfig config) {
    if (!config.embeddings().enabled()) {
      return description();
    }
    String judge = config.decontam().judge().enabled() ? ", the near ones judged by " + config.decontam().judge().model() : "";
    return description() + ", and paraphrases of eval items (embeddings" + judge + ")";
  }

  /** New rows are checked against the n-grams of the base run's rows from earlier sources too. */
  @Override
  public Incumbents incumbents() {
    return Incumbents.INPUT;
  }

  @Override
  public Dataset<Row> apply(StageContext context, Dataset<Row> input) {
    CandidateSchema.require(input.schema(), NAME, Columns.ID, Columns.QUESTION, Columns.SOURCE_ORDER);
    int n = context.config().decontam().ngram();
    List<EvalSets.EvalItem> items = EvalSets.load(context.config().decontam().evalSets(), context.run().hadoop());
    Dataset<Row> byNgrams = byNgrams(context, input, n, items);
    if (!context.config().embeddings().enabled() || items.isEmpty()) {
      return byNgrams;
    }
    return new SemanticDecontam(context, items).apply(input, byNgrams);
  }

  private static Dataset<Row> byNgrams(StageContext context, Dataset<Row> input, int n, List<EvalSets.EvalItem> items) {
    Dataset<Row> withGrams = withEvalMatches(input, n, evalGrams(context, n, items));
    Column evalReason = when(size(col(Columns.CONTAMINATED_BY)).gt(0), lit(CONTAMINATED));
    if (!context.config().decontam().crossSource()) {
      return withEvalReason(withGrams, evalReason);
    }
    if (context.config().sources().size() == 1) {
      // One source has no earlier source to overlap with: no n-gram shuffle at all.
      context.stat("cross_source", "skipped: one source");
      return withEvalReason(withGrams, evalReason);
    }
    return withCrossSourceReason(withGrams, evalReason);
  }

  /** Every eval n-gram to the first item of each eval set holding it, broadcast: the eval sets are small. */
  private static Broadcast<Map<Long, String[]>> evalGrams(StageContext context, int n, List<EvalSets.EvalItem> items) {
    Map<Long, String[]> index = new HashMap<>();
    Map<String, Integer> perSet = new LinkedHashMap<>();
    for (EvalSets.EvalItem item : items) {
      perSet.merge(item.set(), 1, Integer::sum);
      for (long h : NGrams.hashes(item.question(), n)) {
        index.merge(h, new String[] {item.set() + ":" + item.item()}, DecontamStage::addDistinctSet);
      }
    }
    context.stat("eval_items", perSet);
    context.stat("eval_ngrams", index.size());
    return context.spark().sparkContext().broadcast(index, scala.reflect.ClassTag$.MODULE$.apply(Map.class));
  }

  /** The rows with their question's n-gram hashes and {@code contaminated_by}. */
  private static Dataset<Row> withEvalMatches(Dataset<Row> input, int n, Broadcast<Map<Long, String[]>> evalGrams) {
    UserDefinedFunction grams = udf((UDF1<String, long[]>) q -> NGrams.hashes(q, n),
        DataTypes.createArrayType(DataTypes.LongType, false));
    UserDefinedFunction matches = udf((UDF1<Seq<Object>, String[]>) hs -> matchEval(hs, evalGrams.value()),
        DataTypes.createArrayType(DataTypes.StringType, false));
    return input.withColumn(GRAMS, grams.apply(col(Columns.QUESTION)))
        .withColumn(Columns.CONTAMINATED_BY, matches.apply(col(GRAMS)));
  }

  private static Dataset<Row> withEvalReason(Dataset<Row> withGrams, Column evalReason) {
    return withGrams.drop(GRAMS)
        .withColumn(Columns.REASON, evalReason)
        .withColumn(Columns.DETAIL, when(evalReason.isNotNull(), col(Columns.CONTAMINATED_BY).getItem(0)));
  }

  /** Eval contamination first, else overlap with the earliest earlier-source row sharing an n-gram ({@code source:name/id}). */
  private static Dataset<Row> withCrossSourceReason(Dataset<Row> withGrams, Column evalReason) {
    // Overlapping questions are few: broadcast them, so the full rows (traces) are not shuffled for the join.
    Dataset<Row> joined = withGrams.drop(GRAMS).join(broadcast(crossSourceOverlaps(withGrams)),
        col(Columns.ID).equalTo(col("_overlap_id")).and(col(Columns.SOURCE_ORDER).equalTo(col("_overlap_order"))), "left");
    Column crossReason = when(col("_by").isNotNull(), lit(CROSS_SOURCE_OVERLAP));
    Column reason = coalesce(evalReason, crossReason);
    Column detail = when(evalReason.isNotNull(), col(Columns.CONTAMINATED_BY).getItem(0))
        .otherwise(when(crossReason.isNotNull(),
            concat(lit("source:"), col("_by." + Columns.SOURCE), lit("/"), col("_by." + Columns.ID))));
    return joined.withColumn(Columns.REASON, reason)
        .withColumn(Columns.DETAIL, detail)
        .drop("_overlap_id", "_overlap_order", "_by");
  }

  /**
   * Rows ({@code _overlap_id}, {@code _overlap_order}) sharing an n-gram with an earlier source, and its earliest such row ({@code _by}).
   * One shuffle of the exploded n-grams: each n-gram's earliest row is a window over its rows, not a grouping joined back.
   */
  private static Dataset<Row> crossSourceOverlaps(Dataset<Row> withGrams) {
    Column earliest = min(struct(col(Columns.SOURCE_ORDER), col(Columns.ID), col(Columns.SOURCE))).over(Window.partitionBy("gram"));
    return withGrams.select(col(Columns.ID), col(Columns.SOURCE_ORDER), col(Columns.SOURCE), explode(array_distinct(col(GRAMS))).as("gram"))
        .withColumn("earliest", earliest)
        .filter(col("earliest." + Columns.SOURCE_ORDER).lt(col(Columns.SOURCE_ORDER))
            .and(col("earliest." + Columns.ID).notEqual(col(Columns.ID))))
        .groupBy(col(Columns.ID).as("_overlap_id"), col(Columns.SOURCE_ORDER).as("_overlap_order"))
        .agg(min(col("earliest")).as("_by"));
  }

  /** A reference is {@code set:item}; the set is everything before the first colon. */
  static String setOf(String ref) {
    return ref.substring(0, ref.indexOf(':'));
  }

  /** Keeps the first item of each eval set per n-gram. */
  private static String[] addDistinctSet(String[] existing, String[] added) {
    String set = setOf(added[0]);
    for (String e : existing) {
      if (setOf(e).equals(set)) {
        return existing;
      }
    }
    String[] out = Arrays.copyOf(existing, existing.length + 1);
    out[existing.length] = added[0];
    return out;
  }

  static String[] matchEval(Seq<Object> hashes, Map<Long, String[]> index) {
    List<String> found = new ArrayList<>();
    List<String> sets = new ArrayList<>();
    Iterator<Object> it = hashes.iterator();
    while (it.hasNext()) {
      String[] refs = index.get((Long) it.next());
      if (refs == null) {
        continue;
      }
      for (String ref : refs) {
        String set = setOf(ref);
        if (!sets.contains(set)) {
          sets.add(set);
          found.add(ref);
        }
      }
    }
    Collections.sort(found);
    return found.toArray(new String[0]);
  }
}
