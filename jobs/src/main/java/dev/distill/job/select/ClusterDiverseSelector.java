package dev.distill.job.select;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sha2;

import dev.distill.job.api.StageContext;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.embed.Embeddings;
import dev.distill.job.schema.Columns;
import dev.distill.job.score.MscCodes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.spark.ml.clustering.KMeans;
import org.apache.spark.ml.clustering.KMeansModel;
import org.apache.spark.ml.functions;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.storage.StorageLevel;

/**
 * "diverse" by meaning: a domain uniformly at random, then one of that domain's embedding clusters
 * (KMeans on the sentence vectors, select.clusters) uniformly among those not yet drawn in the
 * domain's current round, then a question uniformly within the cluster. Cluster-uniform rather than k-center: it keeps diverse's random draw (the s1 ablation it
 * extends) while spreading the picks over regions of meaning, and it needs only counts: the draw
 * sequence is simulated on the driver from the (domain, cluster) sizes, then the n-th draw of a
 * cluster takes its n-th question in a seeded hash order, in Spark. The driver holds one count per
 * (domain, cluster) and the selection's rows, never the pool.
 */
public final class ClusterDiverseSelector implements TableSelector {
  public static final String NAME = "diverse_clusters";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<String> options() {
    return List.of("select.clusters", "embeddings.enabled");
  }

  @Override
  public List<Pick> select(StageContext context, Dataset<Row> scored, PipelineConfig.Select config, MscCodes codes) {
    Dataset<Row> rows = clustered(context, scored.dropDuplicates(Columns.ID).select(col(Columns.ID), col(Columns.DOMAIN)), config)
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      TreeMap<String, TreeMap<Integer, Long>> sizes = new TreeMap<>();
      for (Row r : rows.groupBy(Columns.DOMAIN, "_cluster").count().collectAsList()) {
        sizes.computeIfAbsent(r.getString(0), d -> new TreeMap<>()).put(r.getInt(1), r.getLong(2));
      }
      List<Draw> draws = draws(sizes, config);
      Map<String, Integer> taken = new HashMap<>();
      for (Draw d : draws) {
        taken.merge(d.domain() + "\u0000" + d.cluster(), d.nth(), Math::max);
      }
      // The n-th question of each (domain, cluster) in the seeded order, for n up to what the draws took there.
      Dataset<Row> ordered = rows.withColumn("_order", sha2(concat_ws(":", lit(Long.toString(config.seed())), col(Columns.ID)), 256))
          .withColumn("_nth", row_number().over(Window.partitionBy(Columns.DOMAIN, "_cluster").orderBy("_order", Columns.ID)));
      Map<String, Integer> limits = taken;
      Map<String, String> idAt = new HashMap<>();
      for (Row r : ordered.filter((org.apache.spark.api.java.function.FilterFunction<Row>) r -> r.getInt(r.fieldIndex("_nth"))
              <= limits.getOrDefault(r.getString(r.fieldIndex(Columns.DOMAIN)) + "\u0000" + r.getInt(r.fieldIndex("_cluster")), 0))
          .select(col(Columns.DOMAIN), col("_cluster"), col("_nth"), col(Columns.ID)).collectAsList()) {
        idAt.put(r.getString(0) + "\u0000" + r.getInt(1) + "\u0000" + r.getInt(2), r.getString(3));
      }
      Map<String, Candidate> byId = new HashMap<>();
      for (Candidate c : SelectStage.candidates(scored.filter(col(Columns.ID).isin(idAt.values().toArray())))) {
        byId.put(c.id(), c);
      }
      List<Pick> picks = new ArrayList<>();
      for (Draw d : draws) {
        Candidate c = byId.get(idAt.get(d.domain() + "\u0000" + d.cluster() + "\u0000" + d.nth()));
        picks.add(new Pick(c, String.format(Locale.ROOT,
            "diverse_clusters: domain %s (%s) drawn uniformly from %d domains, embedding cluster %d uniformly from %d of its %d not yet drawn this round, question uniform among %d",
            d.domain(), codes.title(d.domain()), d.domains(), d.cluster(), d.choices(), d.clusters(), d.left())));
      }
      return picks;
    } finally {
      rows.unpersist();
    }
  }

  /** The {@code nth} question (1-based) of {@code cluster} within {@code domain}, and how many choices the draw had. */
  record Draw(String domain, int cluster, int nth, int domains, int choices, int clusters, long left) {}

  /**
   * diverse's draw on counts alone: a domain uniformly, then a cluster uniformly among the domain's
   * clusters not yet drawn in its current round (a round ends when each has been drawn once), until
   * the size is reached or the pool runs out.
   */
  static List<Draw> draws(TreeMap<String, TreeMap<Integer, Long>> sizes, PipelineConfig.Select config) {
    TreeMap<String, TreeMap<Integer, Long>> left = new TreeMap<>();
    sizes.forEach((d, clusters) -> left.put(d, new TreeMap<>(clusters)));
    Map<String, Integer> drawn = new HashMap<>();
    // The clusters of each domain not yet drawn in its current round: every cluster once before any twice.
    Map<String, List<Integer>> round = new HashMap<>();
    SplittableRandom random = new SplittableRandom(config.seed());
    List<Draw> draws = new ArrayList<>();
    while (draws.size() < config.size() && !left.isEmpty()) {
      List<String> domains = new ArrayList<>(left.keySet());
      String domain = domains.get(random.nextInt(domains.size()));
      TreeMap<Integer, Long> clusters = left.get(domain);
      List<Integer> open = round.computeIfAbsent(domain, d -> new ArrayList<>());
      if (open.isEmpty()) {
        open.addAll(clusters.keySet());
      }
      int choices = open.size();
      int cluster = open.remove(random.nextInt(open.size()));
      long remaining = clusters.get(cluster);
      int nth = drawn.merge(domain + "\u0000" + cluster, 1, Integer::sum);
      draws.add(new Draw(domain, cluster, nth, domains.size(), choices, clusters.size(), remaining));
      if (remaining == 1) {
        clusters.remove(cluster);
        if (clusters.isEmpty()) {
          left.remove(domain);
        }
      } else {
        clusters.put(cluster, remaining - 1);
      }
    }
    return draws;
  }

  /** (id, domain, _cluster): KMeans fitted in one partition sorted by id, so clusters do not depend on partitioning. */
  private static Dataset<Row> clustered(StageContext context, Dataset<Row> rows, PipelineConfig.Select config) {
    Dataset<Row> vectors = Embeddings.read(context);
    Dataset<Row> joined = rows.join(vectors, rows.col(Columns.ID).equalTo(vectors.col(Embeddings.CONTENT_ID)), "left")
        .select(col(Columns.ID), col(Columns.DOMAIN), col(Embeddings.VECTOR));
    long missing = joined.filter(col(Embeddings.VECTOR).isNull()).count();
    if (missing > 0) {
      throw new IllegalStateException(missing + " candidates have no embedding in the model's cache: " + NAME
          + " needs the embed step (embeddings.enabled: true) in the run it selects from");
    }
    Dataset<Row> features = joined.withColumn("_features", functions.array_to_vector(col(Embeddings.VECTOR))).sort(Columns.ID);
    long n = features.count();
    if (n < 2) {
      context.stat("embedding_clusters", (int) n);
      return features.select(col(Columns.ID), col(Columns.DOMAIN), lit(0).as("_cluster"));
    }
    int k = (int) Math.max(2, Math.min(n, config.clusters() > 0 ? config.clusters() : Math.max(2, config.size() / 10)));
    context.stat("embedding_clusters", k);
    KMeansModel kmeans = new KMeans().setK(k).setSeed(config.seed()).setMaxIter(20).setFeaturesCol("_features")
        .setPredictionCol("_cluster").fit(features.coalesce(1));
    return kmeans.transform(features).select(col(Columns.ID), col(Columns.DOMAIN), col("_cluster"));
  }
}
