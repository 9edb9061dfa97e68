package dev.distill.job.filter;

import static dev.distill.job.SparkTestSession.candidate;
import static dev.distill.job.SparkTestSession.candidates;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.SparkTestSession;
import dev.distill.job.SparkTestSession.CandidateRow;
import dev.distill.job.api.StageContext;
import dev.distill.job.api.StageRunner;
import dev.distill.job.embed.ModelRef;
import dev.distill.job.embed.SentenceEncoder;
import dev.distill.job.embed.Vectors;
import dev.distill.job.io.StageResult;
import dev.distill.job.schema.Columns;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SemanticDecontamTest {
  private static final String CIRCLE = "A circle has a radius of 7 centimeters. What is the area of the circle? Express your answer in terms of $\\pi$.";
  private static final String TRAINS =
      "Two trains leave the same station at noon, one heading north at 60 km/h and one heading east at 80 km/h. How far apart are they at 3 pm?";
  private static final String DIVISORS = "Find the smallest positive integer that has exactly 12 positive divisors.";

  @TempDir
  Path tmp;

  // Written by hand: the n-grams share nothing with CIRCLE, the numbers are kept.
  private static final String PARAPHRASE = "Express in terms of $\\pi$ the area enclosed by a circle whose radius measures 7 centimeters.";
  private static final String SAME_TOPIC = "Two cars set off together from one town at 9 am; the first drives due north at 50 km/h, "
      + "the second due east at 120 km/h. What distance separates them two hours later?";
  private static final String UNRELATED = "Which enzyme in human saliva begins the digestion of starch?";
  private final CandidateRow paraphrase = candidate(PARAPHRASE).source("pool/a", 0);
  private final CandidateRow copy = candidate("find the smallest positive integer that has exactly 12 positive divisors").source("pool/a", 0);
  private final CandidateRow sameTopic = candidate(SAME_TOPIC).source("pool/a", 0);
  private final CandidateRow unrelated = candidate(UNRELATED).source("pool/a", 0);

  private StageContext context(String... more) throws IOException {
    Path eval = tmp.resolve("eval.jsonl");
    Files.writeString(eval, line("c1", CIRCLE) + line("t1", TRAINS) + line("d1", DIVISORS), StandardCharsets.UTF_8);
    String[] overrides = new String[more.length + 3];
    overrides[0] = "decontam.eval_sets=[{name: evalx, path: '" + eval + "', question: problem, id_field: uid}]";
    overrides[1] = "embeddings.enabled=true";
    overrides[2] = "run.output='" + tmp.resolve("out") + "'";
    System.arraycopy(more, 0, overrides, 3, more.length);
    return SparkTestSession.context(tmp.resolve("out/run"), overrides);
  }

  private static String line(String id, String problem) {
    return "{\"uid\": \"" + id + "\", \"problem\": \"" + problem.replace("\\", "\\\\") + "\"}\n";
  }

  /** The cosine of a candidate's question and an eval question, by the model the stage uses. */
  private static SentenceEncoder encoder;

  private static double cosine(String question, String evalQuestion) {
    if (encoder == null) {
      encoder = SentenceEncoder.open(ModelRef.of(SparkTestSession.config().embeddings(), new Configuration()), 1);
    }
    return Vectors.dot(encoder.embed(question), encoder.embed(evalQuestion));
  }

  @Test
  void removesParaphrasesOfEvalItemsAndListsTheNearOnesForReview() throws IOException {
    // Thresholds between the measured cosines: the paraphrase above the removal threshold, the same-topic question
    // (another problem) between the two, the unrelated one below both.
    double para = cosine(PARAPHRASE, CIRCLE);
    double topic = cosine(SAME_TOPIC, TRAINS);
    double unrelatedMax = Math.max(cosine(UNRELATED, CIRCLE), Math.max(cosine(UNRELATED, TRAINS), cosine(UNRELATED, DIVISORS)));
    assertTrue(para > topic && topic > unrelatedMax, "paraphrase " + para + " > same topic " + topic + " > unrelated " + unrelatedMax);
    double removeAt = (para + topic) / 2;
    double reviewAt = (topic + unrelatedMax) / 2;
    StageContext context = context("decontam.semantic_threshold=" + removeAt, "decontam.review_threshold=" + reviewAt);
    StageResult result = StageRunner.run(new DecontamStage(), context,
        candidates(List.of(paraphrase.row(), copy.row(), sameTopic.row(), unrelated.row())));

    assertEquals(Map.of("contaminated", 1L, "paraphrased_eval", 1L), result.removed());
    Map<String, String[]> removed = new HashMap<>();
    for (Row r : context.spark().read().parquet(context.run().removed(DecontamStage.NAME))
        .select(Columns.ORIGIN, Columns.REASON, Columns.DETAIL).collectAsList()) {
      removed.put(r.getString(0), new String[] {r.getString(1), r.getString(2)});
    }
    assertEquals("paraphrased_eval", removed.get(paraphrase.origin())[0], "the n-grams miss it: " + paraphrase.row());
    String detail = removed.get(paraphrase.origin())[1];
    assertEquals(String.format("evalx:c1 cosine %.3f", para), detail, "detail names the set, the item and the similarity");
    assertEquals("contaminated", removed.get(copy.origin())[0], "an n-gram match keeps its own reason");
    assertEquals("evalx:d1", removed.get(copy.origin())[1]);

    List<Row> review = context.spark().read().parquet(context.run().review(DecontamStage.REVIEW)).collectAsList();
    assertEquals(1, review.size(), "the same-topic question is kept, for review: " + review);
    assertEquals(sameTopic.id(), review.get(0).getAs(Columns.ID));
    assertEquals("evalx:t1", review.get(0).getAs("nearest_eval"));
    assertEquals(TRAINS, review.get(0).getAs("eval_question"));
    double similarity = review.get(0).getAs("similarity");
    assertEquals(topic, similarity, 1e-4, "the similarity, rounded to 4 places");
    assertEquals(1L, result.extra().get("semantic_review"));
    assertEquals(3L, result.extra().get("eval_items_embedded"));

    List<String> kept = context.spark().read().parquet(context.run().stage(DecontamStage.NAME)).select(Columns.ORIGIN)
        .as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    assertEquals(List.of(sameTopic.origin(), unrelated.origin()).stream().sorted().toList(), kept.stream().sorted().toList());
    assertFalse(List.of(context.spark().read().parquet(context.run().stage(DecontamStage.NAME)).columns()).contains("_eval_similarity"),
        "the kept rows have the candidate columns only");
  }

  @Test
  void aCloseVariantWithOtherNumbersIsAnotherProblemKeptForReview() throws IOException {
    // The paraphrase with another radius: as close in meaning, but another problem (MATH's train set holds many such
    // variants of MATH500 items; on the public pool they were most of what cosine alone flagged).
    String variant = PARAPHRASE.replace("7 centimeters", "9 centimeters");
    CandidateRow other = candidate(variant).source("pool/a", 0);
    double para = cosine(PARAPHRASE, CIRCLE);
    double close = cosine(variant, CIRCLE);
    double removeAt = Math.min(para, close) - 0.01;
    StageContext context = context("decontam.semantic_threshold=" + removeAt, "decontam.review_threshold=" + (removeAt - 0.1));
    StageResult result = StageRunner.run(new DecontamStage(), context, candidates(List.of(paraphrase.row(), other.row())));

    assertEquals(Map.of("paraphrased_eval", 1L), result.removed(), "only the paraphrase stating the item's numbers");
    List<Row> review = context.spark().read().parquet(context.run().review(DecontamStage.REVIEW)).collectAsList();
    assertEquals(1, review.size(), "the variant, kept, for review: " + review);
    assertEquals(other.id(), review.get(0).getAs(Columns.ID));
    assertEquals(Boolean.FALSE, review.get(0).getAs("same_numbers"));
    assertTrue((double) review.get(0).getAs("similarity") >= removeAt, "above the removal threshold, kept for its numbers");
  }

  @Test
  void embeddingsOffIsTheNgramStageAlone() throws IOException {
    StageContext context = context("embeddings.enabled=false");
    StageResult result = StageRunner.run(new DecontamStage(), context,
        candidates(List.of(paraphrase.row(), copy.row(), sameTopic.row(), unrelated.row())));
    List<Row> removed = context.spark().read().parquet(context.run().removed(DecontamStage.NAME)).select(Columns.ORIGIN, Columns.DETAIL).collectAsList();
    assertEquals(Map.of("contaminated", 1L), result.removed(), "removed: " + removed);
    assertEquals(3, result.rowsOut(), "the paraphrase is kept without embeddings");
    assertFalse(Files.exists(tmp.resolve("out/_embeddings")), "nothing embedded");
  }
}
