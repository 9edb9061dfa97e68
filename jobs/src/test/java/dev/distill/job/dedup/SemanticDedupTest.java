package dev.distill.job.dedup;

import org.apache.hadoop.conf.Configuration;

import dev.distill.job.run.Preflight;

import dev.distill.job.error.ConfigException;

import static org.junit.jupiter.api.Assertions.assertThrows;

import static dev.distill.job.SparkTestSession.candidate;
import static dev.distill.job.SparkTestSession.candidates;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.SparkTestSession;
import dev.distill.job.SparkTestSession.CandidateRow;
import dev.distill.job.api.StageContext;
import dev.distill.job.api.StageRunner;
import dev.distill.job.embed.EmbedStage;
import dev.distill.job.embed.Embeddings;
import dev.distill.job.embed.Vectors;
import dev.distill.job.io.StageResult;
import dev.distill.job.schema.Columns;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SemanticDedupTest {
  @TempDir
  Path tmp;

  // Same meaning, other words: MinHash's 5-word shingles share almost nothing.
  private static final CandidateRow SPEED = candidate("A train travels 120 miles in 2 hours. What is its average speed in miles per hour?").source("a", 0);
  private static final CandidateRow SPEED_REWORDED = candidate("What is the average speed, in miles per hour, of a train that travels 120 miles in 2 hours?")
      .source("b", 0).trace("120 / 2 = 60.");
  private static final CandidateRow AREA = candidate("Find the area of a circle with radius 5.").source("a", 1).solution("25 pi");
  private static final CandidateRow AREA_REWORDED = candidate("Compute the area of the circle whose radius is 5.").source("b", 1);
  // The same words with another number: another problem (kept by the threshold and by the numbers rule).
  private static final CandidateRow AREA_OTHER_RADIUS = candidate("Find the area of a circle with radius 7.").source("a", 2);
  private static final CandidateRow DIVISORS = candidate("What is the sum of all positive divisors of 36?").source("a", 3);
  private static final CandidateRow PRIMES = candidate("How many prime numbers are less than 50?").source("a", 4);
  private static final List<CandidateRow> POOL = List.of(SPEED, SPEED_REWORDED, AREA, AREA_REWORDED, AREA_OTHER_RADIUS, DIVISORS, PRIMES);

  private StageContext context(String... more) {
    String[] overrides = new String[more.length + 3];
    overrides[0] = "embeddings.enabled=true";
    overrides[1] = "run.output='" + tmp.resolve("out") + "'";
    overrides[2] = "dedup.semantic=true";
    System.arraycopy(more, 0, overrides, 3, more.length);
    return SparkTestSession.context(tmp.resolve("out").resolve("run"), overrides);
  }

  @Test
  void rewordedQuestionsAreRemovedWithTheRepresentativeAndDistinctOnesKept() {
    StageContext context = context("run.partitions=3");
    Dataset<Row> pool = candidates(POOL.stream().map(CandidateRow::row).toList());
    StageRunner.run(new EmbedStage(), context, pool);
    Map<String, float[]> encoder = new HashMap<>();
    for (Row r : Embeddings.read(context).collectAsList()) {
      encoder.put(r.getString(0), Embeddings.vector(r, 1));
    }
    double threshold = context.config().dedup().semanticThreshold();
    assertTrue(cosine(encoder, SPEED, SPEED_REWORDED) >= threshold, "the planted paraphrase is above the threshold");
    assertTrue(cosine(encoder, AREA, AREA_REWORDED) >= threshold, "the planted paraphrase is above the threshold");
    assertTrue(cosine(encoder, DIVISORS, PRIMES) < threshold, "unrelated questions are far apart");

    StageResult result = StageRunner.run(new DedupStage(), context, pool);

    assertEquals(Map.of(DedupStage.SEMANTIC_DUPLICATE, 2L), result.removed());
    assertTrue(result.reconciles());
    Map<String, Row> removed = new HashMap<>();
    for (Row r : context.spark().read().parquet(context.run().removed(DedupStage.NAME))
        .select(Columns.ID, Columns.REASON, Columns.DUP_OF, Columns.DETAIL).collectAsList()) {
      removed.put(r.getString(0), r);
    }
    // The representative rule of MinHash clusters: a trace first, then a solution.
    assertEquals(SPEED_REWORDED.id(), removed.get(SPEED.id()).getString(2));
    assertEquals("same meaning as " + SPEED_REWORDED.id(), removed.get(SPEED.id()).getString(3));
    assertEquals(AREA.id(), removed.get(AREA_REWORDED.id()).getString(2));
    assertEquals(DedupStage.SEMANTIC_DUPLICATE, removed.get(AREA_REWORDED.id()).getString(1));
    List<String> kept = context.spark().read().parquet(context.run().stage(DedupStage.NAME)).select(Columns.ID).as(org.apache.spark.sql.Encoders.STRING())
        .collectAsList().stream().sorted().toList();
    assertEquals(List.of(SPEED_REWORDED, AREA, AREA_OTHER_RADIUS, DIVISORS, PRIMES).stream().map(CandidateRow::id).sorted().toList(), kept);
    assertEquals(2, ((Number) result.extra().get("semantic_duplicate_pairs")).intValue());
  }

  @Test
  void offByDefaultNothingIsSemantic() {
    StageContext context = SparkTestSession.context(tmp.resolve("plain"));
    StageResult result = StageRunner.run(new DedupStage(), context, candidates(POOL.stream().map(CandidateRow::row).toList()));
    assertEquals(Map.of(), result.removed());
    assertEquals(POOL.size(), result.rowsOut());
  }

  @Test
  void semanticDedupWithoutEmbeddingsIsRefusedBeforeSpark() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> Preflight.check(SparkTestSession.config("dedup.semantic=true"), new Configuration()));
    assertTrue(e.getMessage().contains("dedup.semantic") && e.getMessage().contains("embeddings.enabled"), e.getMessage());
  }

  @Test
  void aClusterLargerThanTheCapIsComparedInChunks() {
    // One cluster cut into chunks of 4: the answer may only lose pairs across a cut, never invent one.
    StageContext context = context("dedup.semantic_clusters=1", "dedup.semantic_max_cluster=4");
    Dataset<Row> pool = candidates(POOL.stream().map(CandidateRow::row).toList());
    StageRunner.run(new EmbedStage(), context, pool);
    StageResult result = StageRunner.run(new DedupStage(), context, pool);
    assertEquals(1, ((Number) result.extra().get("semantic_clusters")).intValue());
    long removed = result.removed().getOrDefault(DedupStage.SEMANTIC_DUPLICATE, 0L);
    assertEquals(1, ((Number) result.extra().get("semantic_split_clusters")).intValue(), "the one cluster is over the cap: cut");
    assertTrue(removed <= 2, "at most the two planted paraphrases: " + result.removed());
  }

  private static double cosine(Map<String, float[]> vectors, CandidateRow a, CandidateRow b) {
    return Vectors.dot(vectors.get(a.id()), vectors.get(b.id()));
  }
}
