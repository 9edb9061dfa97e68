package dev.distill.job.select;

import static dev.distill.job.SparkTestSession.candidate;
import static dev.distill.job.SparkTestSession.candidates;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.SparkTestSession;
import dev.distill.job.api.StageContext;
import dev.distill.job.api.StageRunner;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.embed.EmbedStage;
import dev.distill.job.error.ConfigException;
import dev.distill.job.io.StageResult;
import dev.distill.job.run.Preflight;
import dev.distill.job.schema.Columns;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterDiverseSelectorTest {
  @TempDir
  Path tmp;

  /** Three topics of one domain, four questions each: far apart in meaning, close within. */
  private static final Map<String, List<String>> TOPICS = Map.of(
      "dice", List.of("Two fair dice are rolled. What is the probability that the sum is 8?",
          "A fair die is rolled three times. What is the probability of rolling at least one six?",
          "Two dice are thrown; what is the chance that both show the same number?",
          "What is the probability that the product of two fair dice rolls is even?"),
      "circles", List.of("Find the area of a circle whose circumference is 10 pi.",
          "A circle has diameter 14. What is its circumference?",
          "Two concentric circles have radii 3 and 5. Find the area of the ring between them.",
          "What is the radius of a circle with area 49 pi?"),
      "primes", List.of("How many prime numbers are there between 1 and 60?",
          "What is the largest prime factor of 1001?",
          "Find the sum of all primes less than 30.",
          "Is 97 a prime number? Explain."));

  @Test
  void picksSpanTheClustersOfADomainAndSayWhichCluster() {
    StageContext context = SparkTestSession.context(tmp.resolve("out").resolve("run"), "embeddings.enabled=true",
        "run.output='" + tmp.resolve("out") + "'", "select.strategy=diverse_clusters", "select.clusters=3", "select.size=3", "run.partitions=4");
    List<Row> rows = new ArrayList<>();
    Map<String, String> topicOf = new HashMap<>();
    TOPICS.forEach((topic, questions) -> questions.forEach(q -> {
      rows.add(candidate(q).row());
      topicOf.put(candidate(q).id(), topic);
    }));
    Dataset<Row> pool = candidates(rows);
    StageRunner.run(new EmbedStage(), context, pool);
    Dataset<Row> scored = pool.withColumn(Columns.DOMAIN, lit("60")).withColumn(Columns.LENGTH_TOKENS, lit(100))
        .withColumn(Columns.LENGTH_BASIS, lit("solution")).withColumn(Columns.TRACE_TOKENS, lit(null).cast(DataTypes.IntegerType))
        .withColumn(Columns.TEACHER_CORRECT, lit(null).cast(DataTypes.BooleanType)).withColumn(Columns.DIFFICULTY, lit(0.5));

    StageResult result = SelectStage.run(context, scored, tmp.resolve("selection").toString());

    assertEquals(3, result.rowsOut());
    assertEquals(Map.of(SelectStage.NOT_SELECTED, 9L), result.removed(), "the 9 not chosen are counted");
    List<Row> picks = context.spark().read().parquet(tmp.resolve("selection").toString())
        .select(Columns.ID, Columns.RANK, Columns.WHY).orderBy(Columns.RANK).collectAsList();
    Set<String> clusters = new HashSet<>();
    Set<String> topics = new HashSet<>();
    Pattern cluster = Pattern.compile("embedding cluster (\\d+) uniformly from (\\d+) of its 3");
    for (Row r : picks) {
      Matcher m = cluster.matcher(r.getString(2));
      assertTrue(m.find(), r.getString(2));
      clusters.add(m.group(1));
      topics.add(topicOf.get(r.getString(0)));
    }
    assertEquals(3, clusters.size(), "one pick per cluster before any cluster twice: " + picks);
    assertEquals(Set.of("dice", "circles", "primes"), topics, "KMeans on the embeddings separates the topics, so the picks span them");

    SelectStage.run(context, scored.repartition(1), tmp.resolve("again").toString());
    List<Row> again = context.spark().read().parquet(tmp.resolve("again").toString()).select(Columns.ID, Columns.RANK, Columns.WHY).orderBy(Columns.RANK).collectAsList();
    assertEquals(picks, again, "the same picks in the same order whatever the partitioning");
  }

  @Test
  void eachClusterIsDrawnOnceARoundAndAnEmptyOneDropsOut() {
    TreeMap<String, TreeMap<Integer, Long>> sizes = new TreeMap<>();
    sizes.put("11", new TreeMap<>(Map.of(0, 1L, 1, 5L, 2, 5L)));
    PipelineConfig.Select select = SparkTestSession.config("select.size=7").select();
    List<ClusterDiverseSelector.Draw> draws = ClusterDiverseSelector.draws(sizes, select);
    assertEquals(7, draws.size());
    assertEquals(Set.of(0, 1, 2), Set.copyOf(draws.subList(0, 3).stream().map(ClusterDiverseSelector.Draw::cluster).toList()), "round one: each cluster once");
    assertEquals(Set.of(1, 2), Set.copyOf(draws.subList(3, 5).stream().map(ClusterDiverseSelector.Draw::cluster).toList()),
        "round two: cluster 0 has run out");
    for (ClusterDiverseSelector.Draw d : draws) {
      assertTrue(d.nth() <= sizes.get("11").get(d.cluster()), "never more draws of a cluster than it has questions: " + d);
    }
  }

  @Test
  void withoutEmbeddingsTheStrategyIsAConfigError() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> Preflight.check(SparkTestSession.config("select.strategy=diverse_clusters"), new Configuration()));
    assertTrue(e.getMessage().contains("select.strategy") && e.getMessage().contains("embeddings.enabled"), e.getMessage());
  }
}
