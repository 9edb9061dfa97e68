package dev.distill.job.filter;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

import dev.distill.job.api.StageContext;
import dev.distill.job.embed.Embeddings;
import dev.distill.job.embed.ModelRef;
import dev.distill.job.embed.Vectors;
import dev.distill.job.schema.Columns;
import dev.distill.udf.text.ContentId;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.collection.immutable.Seq;

/**
 * Each question's nearest eval item by the cosine of their sentence embeddings: an exact search
 * (every question against every eval item), the eval vectors broadcast, as the eval sets are
 * small. Ties go to the first item in eval-set order, so the answer does not depend on partitioning.
 */
final class NearestEvalItems {
  static final String NEAREST = "_nearest_eval";
  static final String SIMILARITY = "_eval_similarity";
  static final StructType MATCH = new StructType()
      .add("ref", DataTypes.StringType, false)
      .add("similarity", DataTypes.DoubleType, false);

  /** The eval items' references ({@code set:item}) and unit vectors, in eval-set order. */
  record EvalVectors(String[] refs, float[][] vectors) implements Serializable {
    Row nearest(float[] v) {
      int best = -1;
      double bestSim = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < vectors.length; i++) {
        double sim = Vectors.dot(v, vectors[i]);
        if (sim > bestSim) {
          best = i;
          bestSim = sim;
        }
      }
      return best < 0 ? null : RowFactory.create(refs[best], bestSim);
    }
  }

  /**
   * ({@code id}, {@link #NEAREST} set:item, {@link #SIMILARITY}) for every content id of
   * {@code input}; the eval items (and any question the embed step did not see) are embedded first.
   */
  static Dataset<Row> of(StageContext context, Dataset<Row> input, List<EvalSets.EvalItem> items) {
    ModelRef model = Embeddings.model(context);
    List<Row> evalTexts = new ArrayList<>();
    for (EvalSets.EvalItem item : items) {
      evalTexts.add(RowFactory.create(ContentId.of(item.question()), item.question()));
    }
    StructType textSchema = new StructType().add(Columns.ID, DataTypes.StringType).add(Columns.QUESTION, DataTypes.StringType);
    Embeddings.Counts eval = Embeddings.ensure(context, model, context.spark().createDataFrame(evalTexts, textSchema));
    Embeddings.Counts questions = Embeddings.ensure(context, model, input.select(Columns.ID, Columns.QUESTION));
    context.stat("semantic_model", model.describe());
    context.stat("eval_items_embedded", eval.embedded());
    context.stat("questions_embedded_here", questions.embedded());

    Dataset<Row> vectors = Embeddings.read(context, model);
    Map<String, float[]> byId = new HashMap<>();
    for (Row r : vectors.join(context.spark().createDataFrame(evalTexts, textSchema).select(col(Columns.ID).as(Embeddings.CONTENT_ID)).distinct(),
        Embeddings.CONTENT_ID).collectAsList()) {
      byId.put(r.getString(r.fieldIndex(Embeddings.CONTENT_ID)), Embeddings.vector(r, r.fieldIndex(Embeddings.VECTOR)));
    }
    String[] refs = new String[items.size()];
    float[][] evalVectors = new float[items.size()][];
    for (int i = 0; i < items.size(); i++) {
      refs[i] = items.get(i).set() + ":" + items.get(i).item();
      evalVectors[i] = byId.get(ContentId.of(items.get(i).question()));
    }
    Broadcast<EvalVectors> broadcast = context.spark().sparkContext()
        .broadcast(new EvalVectors(refs, evalVectors), scala.reflect.ClassTag$.MODULE$.apply(EvalVectors.class));
    UserDefinedFunction nearest = udf((UDF1<Seq<Object>, Row>) v -> broadcast.value().nearest(floats(v)), MATCH);
    Dataset<Row> ids = input.select(col(Columns.ID).as(Embeddings.CONTENT_ID)).distinct();
    return vectors.join(ids, Embeddings.CONTENT_ID)
        .select(col(Embeddings.CONTENT_ID).as(Columns.ID), nearest.apply(col(Embeddings.VECTOR)).as("_m"))
        .select(col(Columns.ID), col("_m.ref").as(NEAREST), col("_m.similarity").as(SIMILARITY));
  }

  private static float[] floats(Seq<Object> values) {
    float[] v = new float[values.size()];
    scala.collection.Iterator<Object> it = values.iterator();
    for (int i = 0; it.hasNext(); i++) {
      v[i] = (Float) it.next();
    }
    return v;
  }

  private NearestEvalItems() {}
}
