package dev.distill.job.score;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import dev.distill.job.schema.Columns;
import java.util.List;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.ml.functions;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;

/**
 * The figures behind README's account of the domain classifier (not a test): on a finished run with
 * embeddings, the subject-labelled rows split as the domains step splits them, logistic regression
 * on the embeddings at several settings, per-class held-out accuracy and the most confused pairs.
 *
 * <p>Run: {@code java -cp ... dev.distill.job.score.DomainFigures RUN_DIR EMBEDDING_CACHE_DIR}
 */
public final class DomainFigures {
  public static void main(String[] args) {
    SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    Dataset<Row> domains = spark.read().parquet(args[0] + "/stages/domains");
    Dataset<Row> vectors = spark.read().parquet(args[1]).dropDuplicates("content_id");
    UDF1<String, Boolean> heldOut = id -> DomainStage.bucket(id) < 20;
    Dataset<Row> labelled = domains.filter(col(Columns.DOMAIN_BASIS).equalTo("subject")).select(Columns.ID, Columns.DOMAIN, Columns.SOURCE, Columns.SUBJECT)
        .join(vectors, col(Columns.ID).equalTo(col("content_id")))
        .withColumn("_features", functions.array_to_vector(col("vector")))
        .withColumn("_test", udf(heldOut, DataTypes.BooleanType).apply(col(Columns.ID)))
        .sort(Columns.ID).coalesce(1).cache();
    System.out.println("labelled rows " + labelled.count() + " by source:");
    labelled.filter(col(Columns.DOMAIN).equalTo("97")).groupBy(Columns.SOURCE, Columns.SUBJECT).agg(count(lit(1)).as("n")).sort(col("n").desc()).show(40, false);
    if (args.length > 2) {
      // Generic subjects ("math", "college mathematics") say nothing about the MSC domain: leave them out of training and scoring.
      labelled = labelled.filter(col(Columns.SUBJECT).rlike("(?i)^(high[ _]school[ _])?(college[ _])?math(ematics)?$").equalTo(false)).cache();
      System.out.println("without generic subjects: " + labelled.count());
    }
    StringIndexerModel indexer = new StringIndexer().setInputCol(Columns.DOMAIN).setOutputCol("_labelIndex").setStringOrderType("alphabetAsc")
        .fit(labelled);
    Dataset<Row> indexed = indexer.transform(labelled).cache();
    Dataset<Row> train = indexed.filter(col("_test").equalTo(false));
    Dataset<Row> test = indexed.filter(col("_test"));
    LogisticRegressionModel best = null;
    double bestAccuracy = -1;
    for (double reg : List.of(0.001)) {
      for (int iter : List.of(300)) {
        LogisticRegressionModel m = new LogisticRegression().setFamily("multinomial").setFeaturesCol("_features").setLabelCol("_labelIndex")
            .setRegParam(reg).setMaxIter(iter).fit(train);
        double accuracy = accuracy(m.transform(test));
        System.out.printf("LR reg %.4f iter %d (ran %d): held-out accuracy %.4f, train %.4f%n", reg, iter, m.summary().totalIterations(), accuracy,
            accuracy(m.transform(train)));
        if (accuracy > bestAccuracy) {
          bestAccuracy = accuracy;
          best = m;
        }
      }
    }
    String[] labels = indexer.labelsArray()[0];
    Dataset<Row> predicted = best.transform(test).withColumn("_ok", when(col("prediction").equalTo(col("_labelIndex")), 1).otherwise(0));
    Dataset<Row> merged = best.transform(test).withColumn("_t", udf((UDF1<Double, String>) d -> level(labels[d.intValue()]), DataTypes.StringType).apply(col("_labelIndex")))
        .withColumn("_p", udf((UDF1<Double, String>) d -> level(labels[d.intValue()]), DataTypes.StringType).apply(col("prediction")));
    Row m = merged.agg(count(lit(1)), count(when(col("_t").equalTo(col("_p")), 1))).first();
    System.out.printf("accuracy with 08/12/97/33 (MATH's algebra tiers) as one: %.4f%n", m.getLong(1) / (double) m.getLong(0));
    System.out.println("per class (best):");
    for (Row r : predicted.groupBy("_labelIndex").agg(count(lit(1)).as("n"), org.apache.spark.sql.functions.sum("_ok").as("ok"))
        .sort(col("n").desc()).collectAsList()) {
      System.out.printf("  %s  n %5d  accuracy %.3f%n", labels[(int) r.getDouble(0)], r.getLong(1), r.getLong(2) / (double) r.getLong(1));
    }
    System.out.println("most confused (true -> predicted):");
    for (Row r : predicted.filter(col("_ok").equalTo(0)).groupBy("_labelIndex", "prediction").agg(count(lit(1)).as("n"))
        .sort(col("n").desc()).limit(15).collectAsList()) {
      System.out.printf("  %s -> %s  %d%n", labels[(int) r.getDouble(0)], labels[(int) r.getDouble(1)], r.getLong(2));
    }
    spark.stop();
  }

  private static String level(String code) {
    return List.of("08", "12", "97", "33").contains(code) ? "algebra" : code;
  }

  private static double accuracy(Dataset<Row> predicted) {
    Row r = predicted.agg(count(lit(1)), count(when(col("prediction").equalTo(col("_labelIndex")), 1))).first();
    return r.getLong(1) / (double) r.getLong(0);
  }

  private DomainFigures() {}
}
