package dev.distill.job.score;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import dev.distill.job.api.Stage;
import dev.distill.job.api.StageContext;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.schema.CandidateSchema;
import dev.distill.job.schema.Columns;
import dev.distill.udf.text.TextNormalizer;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.NaiveBayes;
import org.apache.spark.ml.classification.NaiveBayesModel;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.IndexToString;
import org.apache.spark.ml.feature.NGram;
import org.apache.spark.ml.feature.RegexTokenizer;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;

/**
 * One top-level MSC code per question. Rows whose source subject maps to a code (built-in rules
 * plus domains.subject_map) are labelled by it; a Spark ML text classifier (hashed word features,
 * multinomial naive Bayes) is trained on them and labels the rest. Training data is sorted by id
 * in one partition and the held-out split is a hash of the id, so the model does not depend on
 * how the data is partitioned.
 */
public final class DomainStage implements Stage {
  public static final String NAME = "domains";

  @Override
  public String name() {
    return NAME;
  }

  /** Domains labels every row and removes none. */
  @Override
  public List<String> reasons() {
    return List.of();
  }

  @Override
  public String description() {
    return "domains: MSC codes from source subjects, a Spark ML classifier for the rest";
  }

  /** The classifier learns from the base run's labelled rows as well, so new rows get the labels a full run gives them. */
  @Override
  public Incumbents incumbents() {
    return Incumbents.INPUT;
  }

  @Override
  public Dataset<Row> apply(StageContext context, Dataset<Row> input) {
    CandidateSchema.require(input.schema(), NAME, Columns.ID, Columns.QUESTION, Columns.SUBJECT, Columns.COT_TYPE);
    PipelineConfig.Domains cfg = context.config().domains();
    Dataset<Row> labelled = labelled(input, MscCodes.load(cfg.subjectMap()));
    if (cfg.classifier().equals("none")) {
      return finish(labelled.withColumn(Columns.DOMAIN, lit(MscCodes.GENERAL)).withColumn(Columns.DOMAIN_BASIS, lit("none")));
    }
    Dataset<Row> training = labelled.filter(col("_label").isNotNull()).select(col(Columns.ID), col("_text"), col("_label"))
        .sort(Columns.ID).coalesce(1).cache();
    Row sizes = training.agg(count(lit(1)), countDistinct(col("_label"))).first();
    long labelledRows = sizes.getLong(0);
    context.stat("subject_labelled_rows", labelledRows);
    if (labelledRows < 20 || sizes.getLong(1) < 2) {
      context.stat("classifier", "skipped: fewer than 20 subject-labelled rows or one class; unlabelled rows get 00");
      training.unpersist();
      return finish(labelled.withColumn(Columns.DOMAIN, coalesce(col("_label"), lit(MscCodes.GENERAL)))
          .withColumn(Columns.DOMAIN_BASIS, when(col("_label").isNotNull(), col("_basis")).otherwise(lit("default"))));
    }
    Dataset<Row> classified = classified(context, labelled, training, labelledRows);
    training.unpersist();
    return finish(classified);
  }

  /** The rows with their text features' input ({@code _text}) and, where known, a label ({@code _label}) and its basis. */
  private static Dataset<Row> labelled(Dataset<Row> input, MscCodes codes) {
    UserDefinedFunction fromSubject = udf((UDF1<String, String>) codes::forSubject, DataTypes.StringType);
    UserDefinedFunction text = udf((UDF2<String, String, String>) (q, c) -> TextNormalizer.normalizeForMatch(q) + " cot_" + c,
        DataTypes.StringType);
    // A label from the generate stage's classifier model comes first, then the source's subject.
    Column llm = Arrays.asList(input.schema().fieldNames()).contains(Columns.DOMAIN_LLM) ? col(Columns.DOMAIN_LLM)
        : lit(null).cast(DataTypes.StringType);
    return input.withColumn("_basis", when(llm.isNotNull(), lit("llm")).otherwise(lit("subject")))
        .withColumn("_label", coalesce(llm, fromSubject.apply(col(Columns.SUBJECT))))
        .withColumn("_text", text.apply(col(Columns.QUESTION), col(Columns.COT_TYPE)));
  }

  /** Labelled rows keep their label; the classifier, trained on {@code training} less its held-out split, labels the rest. */
  private static Dataset<Row> classified(StageContext context, Dataset<Row> labelled, Dataset<Row> training, long labelledRows) {
    PipelineConfig.Domains cfg = context.config().domains();
    UserDefinedFunction heldOut = udf((UDF1<String, Boolean>) id -> bucket(id) < Math.round(cfg.holdoutFraction() * 100),
        DataTypes.BooleanType);
    Dataset<Row> train = training.filter(heldOut.apply(col(Columns.ID)).equalTo(false));
    Dataset<Row> test = training.filter(heldOut.apply(col(Columns.ID)));
    UnaryOperator<Dataset<Row>> model = trained(cfg, train);
    HeldOut nb = cfg.holdoutFraction() > 0 ? heldOut(model.apply(test)) : HeldOut.NONE;
    long heldOutRows = nb.rows();
    if (cfg.holdoutFraction() > 0) {
      context.stat("classifier_holdout_rows", heldOutRows);
      context.stat("classifier_holdout_accuracy", nb.accuracy());
    }
    String used = "naive Bayes over hashed word uni+bigrams";
    // Without a held-out split the logistic regression could never be chosen: it is not fitted.
    if (context.config().embeddings().enabled() && cfg.holdoutFraction() > 0) {
      EmbeddingClassifier lr = EmbeddingClassifier.fit(context, train);
      HeldOut embedded = heldOut(lr.apply(test));
      context.stat("embedding_classifier_holdout_accuracy", embedded.accuracy());
      // Ties and an unmeasured split keep naive Bayes: the embeddings must earn their place.
      if (embedded.accuracy() != null && nb.accuracy() != null && embedded.accuracy() > nb.accuracy()) {
        model = lr::apply;
        used = lr.description();
      }
    }
    context.stat("classifier", used + ", trained on " + (labelledRows - heldOutRows) + " subject-labelled rows");
    Dataset<Row> predicted = model.apply(labelled.filter(col("_label").isNull()))
        .drop("_tokens", "_bigrams", "_terms", "_features", "_labelIndex", "rawPrediction", "probability", "prediction");
    Dataset<Row> fromLabels = labelled.filter(col("_label").isNotNull()).withColumn("_predicted", none());
    return fromLabels.unionByName(predicted)
        .withColumn(Columns.DOMAIN, coalesce(col("_label"), col("_predicted")))
        .withColumn(Columns.DOMAIN_BASIS, when(col("_label").isNotNull(), col("_basis")).otherwise(lit("classifier")))
        .drop("_predicted");
  }

  /** Naive Bayes over the hashed features, fitted on {@code train}: the model adds the predicted code as {@code _predicted}. */
  private static UnaryOperator<Dataset<Row>> trained(PipelineConfig.Domains cfg, Dataset<Row> train) {
    StringIndexerModel indexer = new StringIndexer().setInputCol("_label").setOutputCol("_labelIndex")
        .setStringOrderType("alphabetAsc").fit(train);
    PipelineModel features = features(cfg).fit(train);
    NaiveBayesModel nb = new NaiveBayes().setFeaturesCol("_features")
        .setLabelCol("_labelIndex").setSmoothing(cfg.smoothing()).fit(indexer.transform(features.transform(train)));
    IndexToString toCode = new IndexToString().setInputCol("prediction").setOutputCol("_predicted")
        .setLabels(indexer.labelsArray()[0]);
    return df -> toCode.transform(nb.transform(features.transform(df)));
  }

  /** How many rows were held out and the share of them a model labels as their subject does (null: none held out). */
  private record HeldOut(long rows, Double accuracy) {
    static final HeldOut NONE = new HeldOut(0, null);
  }

  private static HeldOut heldOut(Dataset<Row> predictedTest) {
    Row score = predictedTest.agg(count(lit(1)),
        count(when(col("_predicted").equalTo(col("_label")), lit(1)))).first();
    long rows = score.getLong(0);
    return new HeldOut(rows, rows == 0 ? null : Math.round(10000.0 * score.getLong(1) / rows) / 10000.0);
  }

  private static Dataset<Row> finish(Dataset<Row> rows) {
    return rows.drop("_label", "_text", "_basis").withColumn(Columns.REASON, none()).withColumn(Columns.DETAIL, none());
  }

  private static Column none() {
    return lit(null).cast(DataTypes.StringType);
  }

  private static Pipeline features(PipelineConfig.Domains cfg) {
    RegexTokenizer tokens = new RegexTokenizer().setInputCol("_text").setOutputCol("_tokens").setPattern("\\s+");
    NGram bigrams = new NGram().setN(2).setInputCol("_tokens").setOutputCol("_bigrams");
    SQLTransformer both = new SQLTransformer()
        .setStatement("SELECT *, concat(_tokens, _bigrams) AS _terms FROM __THIS__");
    HashingTF tf = new HashingTF().setInputCol("_terms").setOutputCol("_features").setNumFeatures(cfg.numFeatures());
    return new Pipeline().setStages(new PipelineStage[] {tokens, bigrams, both, tf});
  }

  /** Deterministic 0..99 bucket of an id, for the held-out split. */
  static int bucket(String id) {
    return (int) (Long.parseUnsignedLong(id.substring(0, Math.min(8, id.length())), 16) % 100);
  }

}
