package dev.distill.job.score;

import static dev.distill.job.SparkTestSession.candidate;
import static dev.distill.job.SparkTestSession.candidates;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.SparkTestSession;
import dev.distill.job.SparkTestSession.CandidateRow;
import dev.distill.job.api.StageContext;
import dev.distill.job.api.StageRunner;
import dev.distill.job.embed.EmbedStage;
import dev.distill.job.schema.Columns;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingClassifierTest {
  @TempDir
  Path tmp;

  /** Questions of three subjects worded many ways (few words shared within a subject), and unlabelled ones of each. */
  private static final List<String> NUMBER_THEORY = List.of(
      "What is the remainder when 7^{100} is divided by 13?", "Find the greatest common divisor of 84 and 126.",
      "How many positive divisors does 360 have?", "Is 221 a prime number? Justify.", "Find the last digit of 3^{2024}.",
      "Determine all integers n such that n^2 + 1 is divisible by n + 1.", "What is the least common multiple of 18, 24 and 40?",
      "Show that the sum of two odd squares is never a perfect square.", "Compute 17^{-1} modulo 43.",
      "How many primes lie between 100 and 150?", "Find the smallest positive integer congruent to 3 mod 7 and 4 mod 9.",
      "Which integers are sums of two consecutive cubes and also prime?");
  private static final List<String> GEOMETRY = List.of(
      "A right triangle has legs 6 and 8. How long is its hypotenuse?", "Find the area of a circle of radius 9.",
      "Two chords of a circle intersect at right angles; find the radius given their segments 2, 6 and 3.",
      "What is the volume of a cube whose diagonal is 12?", "In a regular hexagon of side 4, find the length of the longest diagonal.",
      "The angles of a triangle are in ratio 2:3:4. Find the largest angle.", "A square is inscribed in a circle of radius 5. Find its area.",
      "Find the distance between the points (1, 2) and (7, 10) in the plane.", "A cone has height 12 and base radius 5; find its slant height.",
      "How many diagonals does a convex decagon have?", "The parallelogram ABCD has AB = 5, BC = 7 and angle B = 60 degrees. Find AC.",
      "A sphere is tangent to all faces of a cube of edge 6. What is its surface area?");
  private static final List<String> PROBABILITY = List.of(
      "Two fair dice are rolled. What is the probability their sum is 7?", "A coin is tossed 10 times. What is the chance of exactly 4 heads?",
      "An urn holds 3 red and 5 blue balls; two are drawn without replacement. Find the probability both are red.",
      "What is the expected number of rolls of a die until a six appears?", "A card is drawn from a standard deck. How likely is it a heart or a king?",
      "If events A and B are independent with P(A) = 0.3 and P(B) = 0.5, find P(A or B).",
      "A random variable is uniform on [0, 2]. What is its variance?", "Three people pick a random seat among five; what is the chance two sit together?",
      "A test is 99% accurate for a disease with prevalence 1%. Given a positive result, how likely is the disease?",
      "What is the probability of drawing two aces in a row from a shuffled deck?", "Find the expected value of the maximum of two fair dice.",
      "A biased coin lands heads with probability 0.6. What is the chance of at least one head in three tosses?");
  private static final Map<String, String> UNLABELLED = Map.of(
      "Find the remainder of 2^{50} upon division by 11.", "11",
      "A rectangle has sides 5 and 12. How long is its diagonal?", "51",
      "Four fair coins are flipped. What is the probability that exactly two show tails?", "60");

  @Test
  void bothModelsAreScoredOnTheSameSplitAndTheMoreAccurateLabelsTheRest() {
    StageContext context = SparkTestSession.context(tmp.resolve("out").resolve("run"), "embeddings.enabled=true",
        "run.output='" + tmp.resolve("out") + "'", "domains.holdout_fraction=0.4");
    List<Row> rows = new ArrayList<>();
    NUMBER_THEORY.forEach(q -> rows.add(candidate(q).subject("Number Theory").row()));
    GEOMETRY.forEach(q -> rows.add(candidate(q).subject("Geometry").row()));
    PROBABILITY.forEach(q -> rows.add(candidate(q).subject("Probability").row()));
    Map<String, String> expected = new HashMap<>();
    UNLABELLED.forEach((q, code) -> {
      CandidateRow c = candidate(q);
      rows.add(c.row());
      expected.put(c.id(), code);
    });
    Dataset<Row> pool = candidates(rows);
    StageRunner.run(new EmbedStage(), context, pool);
    context.drainStats();

    Dataset<Row> out = new DomainStage().apply(context, pool);
    Map<String, String> domain = new HashMap<>();
    for (Row r : out.select(Columns.ID, Columns.DOMAIN, Columns.DOMAIN_BASIS).collectAsList()) {
      domain.put(r.getString(0), r.getString(1) + "/" + r.getString(2));
    }
    Map<String, Object> stats = context.drainStats();
    Double nb = (Double) stats.get("classifier_holdout_accuracy");
    Double lr = (Double) stats.get("embedding_classifier_holdout_accuracy");
    assertNotNull(nb, "naive Bayes is scored: " + stats);
    assertNotNull(lr, "the logistic regression is scored on the same held-out rows: " + stats);
    System.out.println("held-out accuracy: naive Bayes " + nb + ", embeddings " + lr + " on " + stats.get("classifier_holdout_rows") + " rows");
    String used = String.valueOf(stats.get("classifier"));
    assertEquals(lr > nb, used.startsWith("multinomial logistic regression"), "the more accurate model labels the rest: " + used);
    assertTrue(lr > nb, "meaning beats shared words on questions worded many ways: naive Bayes " + nb + ", embeddings " + lr);
    for (Map.Entry<String, String> e : expected.entrySet()) {
      assertEquals(e.getValue() + "/classifier", domain.get(e.getKey()));
    }
    assertEquals(rows.size(), domain.size(), "every row comes out once");
  }
}
