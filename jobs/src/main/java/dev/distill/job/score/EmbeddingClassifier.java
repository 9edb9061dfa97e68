package dev.distill.job.score;

import static org.apache.spark.sql.functions.col;

import dev.distill.job.api.StageContext;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.embed.Embeddings;
import dev.distill.job.schema.Columns;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.feature.IndexToString;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.ml.functions;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Multinomial logistic regression on the questions' sentence embeddings (Spark ML), the domain
 * classifier beside naive Bayes when embeddings are on. Trained in one partition sorted by id, so
 * L-BFGS sees the same data in the same order whatever the input's partitioning.
 */
final class EmbeddingClassifier {
  private static final String FEATURES = "_embedding";
  private final StringIndexerModel indexer;
  private final LogisticRegressionModel model;
  private final IndexToString toCode;
  private final Dataset<Row> vectors;

  private EmbeddingClassifier(StringIndexerModel indexer, LogisticRegressionModel model, Dataset<Row> vectors) {
    this.indexer = indexer;
    this.model = model;
    this.vectors = vectors;
    this.toCode = new IndexToString().setInputCol("_lrIndex").setOutputCol("_predicted").setLabels(indexer.labelsArray()[0]);
  }

  /** Fitted on {@code train} (columns id, _label). */
  static EmbeddingClassifier fit(StageContext context, Dataset<Row> train) {
    PipelineConfig.Domains cfg = context.config().domains();
    Dataset<Row> vectors = Embeddings.read(context);
    StringIndexerModel indexer = new StringIndexer().setInputCol("_label").setOutputCol("_labelIndex")
        .setStringOrderType("alphabetAsc").fit(train);
    Dataset<Row> rows = indexer.transform(withVectors(train, vectors)).sort(Columns.ID).coalesce(1);
    LogisticRegressionModel model = new LogisticRegression().setFamily("multinomial").setFeaturesCol(FEATURES)
        .setLabelCol("_labelIndex").setPredictionCol("_lrIndex").setRawPredictionCol("_lrRaw").setProbabilityCol("_lrProbability")
        .setRegParam(cfg.embeddingRegParam()).setMaxIter(cfg.embeddingMaxIter()).fit(rows);
    return new EmbeddingClassifier(indexer, model, vectors);
  }

  /** {@code rows} with the predicted code as {@code _predicted}. */
  Dataset<Row> apply(Dataset<Row> rows) {
    return toCode.transform(model.transform(withVectors(rows, vectors)))
        .drop(FEATURES, Embeddings.CONTENT_ID, Embeddings.VECTOR, "_lrIndex", "_lrRaw", "_lrProbability");
  }

  private static Dataset<Row> withVectors(Dataset<Row> rows, Dataset<Row> vectors) {
    Dataset<Row> joined = rows.join(vectors, rows.col(Columns.ID).equalTo(vectors.col(Embeddings.CONTENT_ID)), "left");
    long missing = joined.filter(col(Embeddings.VECTOR).isNull()).count();
    if (missing > 0) {
      throw new IllegalStateException(missing + " questions have no embedding in the model's cache: the embed step must run before domains");
    }
    return joined.withColumn(FEATURES, functions.array_to_vector(col(Embeddings.VECTOR)));
  }

  String description() {
    return "multinomial logistic regression on the sentence embeddings, " + indexer.labelsArray()[0].length + " classes, "
        + model.summary().totalIterations() + " iterations";
  }
}
