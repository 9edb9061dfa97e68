package dev.distill.job.dedup;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_if;
import static org.apache.spark.sql.functions.lit;

import dev.distill.udf.text.StatedNumbers;
import dev.distill.job.api.StageContext;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.embed.Embeddings;
import dev.distill.job.embed.Vectors;
import dev.distill.job.schema.Columns;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapGroupsFunction;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.ml.clustering.KMeans;
import org.apache.spark.ml.clustering.KMeansModel;
import org.apache.spark.ml.functions;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * SemDeDup: questions that say the same thing in other words. KMeans (Spark MLlib, seeded) puts
 * the sentence vectors into clusters; within a cluster every pair at or above
 * dedup.semantic_threshold cosine whose questions hold the same numbers is an edge, and the edges
 * are grouped into components and resolved on the executors as MinHash's are (DedupStage). A
 * cluster larger than dedup.semantic_max_cluster is cut, in the order of its members' projection
 * on the cluster's centroid, into chunks of at most that size, so the pairwise work stays bounded
 * (a pair that straddles a cut is missed; {@code semantic_split_clusters} counts the clusters cut).
 */
final class SemanticDuplicates {
  /** Members per cluster KMeans aims at when dedup.semantic_clusters is 0. */
  static final int TARGET_CLUSTER_SIZE = 1000;
  private static final StructType EDGE = new StructType().add("a", DataTypes.StringType).add("b", DataTypes.StringType);

  private SemanticDuplicates() {}

  /**
   * The semantic-duplicate edges (a, b) among {@code rows} (one row per content id, columns id,
   * question), checkpointed: what {@link ConnectedComponents} groups.
   */
  static Dataset<Row> edges(StageContext context, Dataset<Row> rows, PipelineConfig.Dedup cfg) {
    Dataset<Row> vectors = Embeddings.read(context);
    Dataset<Row> withVectors = rows.join(vectors, rows.col(Columns.ID).equalTo(vectors.col(Embeddings.CONTENT_ID)), "left")
        .select(col(Columns.ID), col(Columns.QUESTION), col(Embeddings.VECTOR))
        .withColumn("_features", functions.array_to_vector(col(Embeddings.VECTOR)))
        .sort(Columns.ID)
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Row counts = withVectors.agg(count(lit(1)), count_if(col(Embeddings.VECTOR).isNull())).first();
      long n = counts.getLong(0);
      if (counts.getLong(1) > 0) {
        throw new IllegalStateException(counts.getLong(1) + " of " + n + " questions have no embedding in the cache of model "
            + Embeddings.model(context).name() + ": the embed step must run before dedup (is it enabled in the plan?)");
      }
      int k = (int) Math.max(1, Math.min(n, cfg.semanticClusters() > 0 ? cfg.semanticClusters() : (n + TARGET_CLUSTER_SIZE - 1) / TARGET_CLUSTER_SIZE));
      context.stat("semantic_clusters", k);
      Dataset<Row> members = n < 2 ? withVectors.withColumn("_cluster", lit(0)) : clustered(withVectors, k, cfg.seed());
      Dataset<Row> sizes = members.groupBy("_cluster").count();
      context.stat("semantic_split_clusters", Math.toIntExact(sizes.filter(col("count").gt(cfg.semanticMaxCluster())).count()));
      Dataset<Row> edges = members
          .groupByKey((MapFunction<Row, Integer>) r -> r.getInt(r.fieldIndex("_cluster")), Encoders.INT())
          .flatMapGroups(new Pairs(cfg.semanticThreshold(), cfg.semanticMaxCluster()), Encoders.row(EDGE))
          .localCheckpoint();
      context.stat("semantic_duplicate_pairs", Math.toIntExact(edges.count()));
      return edges;
    } finally {
      withVectors.unpersist();
    }
  }

  /** The rows with their cluster as {@code _cluster}: KMeans fitted in one partition, so its result does not depend on partitioning. */
  private static Dataset<Row> clustered(Dataset<Row> rows, int k, long seed) {
    if (k == 1) {
      return rows.withColumn("_cluster", lit(0));
    }
    KMeansModel kmeans = new KMeans().setK(k).setSeed(seed).setMaxIter(20).setFeaturesCol("_features")
        .setPredictionCol("_cluster").fit(rows.coalesce(1));
    return kmeans.transform(rows);
  }

  /** Every pair of a cluster (or of one chunk of a large one) at or above the threshold with the same numbers. */
  private record Pairs(double threshold, int maxCluster) implements FlatMapGroupsFunction<Integer, Row, Row> {
    @Override
    public Iterator<Row> call(Integer cluster, Iterator<Row> rows) {
      List<Row> members = new ArrayList<>();
      rows.forEachRemaining(members::add);
      members.sort(Comparator.comparing((Row r) -> r.getString(0)));
      int vi = members.isEmpty() ? 0 : members.get(0).fieldIndex(Embeddings.VECTOR);
      List<float[]> vectors = new ArrayList<>();
      for (Row r : members) {
        vectors.add(Embeddings.vector(r, vi));
      }
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < members.size(); i++) {
        order.add(i);
      }
      if (members.size() > maxCluster) {
        float[] centroid = centroid(vectors);
        order.sort(Comparator.comparingDouble((Integer i) -> Vectors.dot(vectors.get(i), centroid)).thenComparing(i -> i));
      }
      List<Row> edges = new ArrayList<>();
      for (int from = 0; from < order.size(); from += maxCluster) {
        List<Integer> chunk = order.subList(from, Math.min(order.size(), from + maxCluster));
        List<List<String>> numbers = chunk.stream().map(i -> StatedNumbers.of(members.get(i).getString(1))).toList();
        for (int x = 0; x < chunk.size(); x++) {
          for (int y = x + 1; y < chunk.size(); y++) {
            int a = chunk.get(x);
            int b = chunk.get(y);
            if (Vectors.dot(vectors.get(a), vectors.get(b)) >= threshold && numbers.get(x).equals(numbers.get(y))) {
              edges.add(edge(members.get(a), members.get(b)));
            }
          }
        }
      }
      return edges.iterator();
    }

    private static Row edge(Row a, Row b) {
      return RowFactory.create(a.getString(0), b.getString(0));
    }

    private static float[] centroid(List<float[]> vectors) {
      float[] sum = new float[vectors.get(0).length];
      for (float[] v : vectors) {
        for (int i = 0; i < sum.length; i++) {
          sum[i] += v[i];
        }
      }
      return sum;
    }
  }
}
