package dev.distill.job.run;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.SharedPaths;
import dev.distill.job.cli.Main;
import dev.distill.job.embed.Paraphraser;
import dev.distill.job.error.ExitCode;
import dev.distill.job.filter.DecontamStage;
import dev.distill.job.filter.QualityStage;
import dev.distill.job.io.Json;
import dev.distill.job.schema.Columns;
import dev.distill.job.score.DomainStage;
import dev.distill.udf.text.ContentId;
import dev.distill.udf.text.NGrams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * conf/public-pool.yaml with embeddings on (the quantised bundled model: the full one takes about
 * twice as long to embed the pool's 57,000 questions on two cores), plus one source the test
 * writes: paraphrases of MATH500 items (reworded and reordered by {@link Paraphraser}, numbers
 * kept) that share no 8-gram with their item, so only meaning can find them. One run through the
 * CLI; the assertions read its run.json and tables.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PublicPoolEmbeddingsIT {
  private static final int PLANTED = 40;
  /** Share of the planted paraphrases removed as paraphrased_eval (README: 0.848 of 500 with this model at 0.85, numbers rule aside). */
  private static final double MIN_RECALL = 0.7;
  /** Held-out accuracy of the logistic regression on the embeddings (README: 0.739 full model, naive Bayes 0.706 on the same split). */
  private static final double MIN_EMBEDDING_ACCURACY = 0.72;

  /** Pool rows (not planted) removed by meaning: few, nearly all true paraphrases (README's hand count). */
  private static final long MAX_POOL_PARAPHRASES = 15;

  Path out;
  Path run;
  final Map<String, String> planted = new LinkedHashMap<>();

  @BeforeAll
  void runWithEmbeddings() throws IOException {
    Path data = SharedPaths.dataRoot();
    assumeTrue(Files.isDirectory(data.resolve("pool")), data + "/pool not found: skipping the public pool with embeddings (set DISTILL_DATA)");
    out = Files.createTempDirectory("distill-public-embeddings-it");
    Path plantedFile = out.resolve("planted.jsonl");
    List<String> lines = new ArrayList<>();
    List<String> items = Files.readAllLines(data.resolve("eval/math500.jsonl"));
    for (int i = 0; i < items.size(); i++) {
      JsonNode item = Json.MAPPER.readTree(items.get(i));
      String problem = item.get("problem").asText();
      String paraphrase = Paraphraser.paraphrase(problem);
      if (planted.size() < PLANTED && !sharesNgram(paraphrase, problem)) {
        // conf/public-pool.yaml names math500's items by file and line (no id_field)
        planted.put(ContentId.of(paraphrase), "math500.jsonl:" + (i + 1));
        lines.add(Json.MAPPER.writeValueAsString(Map.of("problem", paraphrase, "answer", item.get("answer").asText())));
      }
    }
    Files.write(plantedFile, lines);
    String source = """
        sources:
          - name: planted/math500-paraphrases
            path: %s
            cot_type: math
            fields: {question: problem, answer: answer}
        """.formatted(plantedFile);
    String publicPool = Files.readString(SharedPaths.repoRoot().resolve("conf/public-pool.yaml")).replace("${DISTILL_DATA}", data.toString());
    Path config = out.resolve("public-pool-planted.yaml");
    Files.writeString(config, publicPool.replaceFirst("(?m)^sources:\\n", java.util.regex.Matcher.quoteReplacement(source)));
    int code = Main.run(new String[] {"run", "--config", config.toString(), "--output", out.toString(), "--run-id", "emb",
        "--set", "embeddings.enabled=true", "--set", "embeddings.model=all-minilm-l6-v2-q", "--set", "spark.master=local[2]",
        "--set", "spark.conf={spark.ui.enabled: 'false'}"});
    assertEquals(ExitCode.OK, code, "the public pool with embeddings");
    run = out.resolve("emb");
  }

  @AfterAll
  void deleteRun() throws IOException {
    if (out != null) {
      try (java.util.stream.Stream<Path> paths = Files.walk(out)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static SparkSession spark() {
    return SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
  }

  private Dataset<Row> table(String dir) {
    return spark().read().parquet(run.resolve(dir).toString());
  }

  private JsonNode stage(String name) throws Exception {
    for (JsonNode s : RunAssertions.runJson(run).get("stages")) {
      if (s.get("name").asText().equals(name)) {
        return s;
      }
    }
    throw new AssertionError("no stage " + name + " in run.json");
  }

  @Test
  void theEmbeddingClassifierBeatsNaiveBayesOnTheSameSplitAndLabelsTheRows() throws Exception {
    JsonNode domains = stage(DomainStage.NAME);
    double nb = domains.get("classifier_holdout_accuracy").asDouble();
    double lr = domains.get("embedding_classifier_holdout_accuracy").asDouble();
    System.out.printf("public pool, %d rows held out: naive Bayes %.4f, embeddings %.4f%n", domains.get("classifier_holdout_rows").asLong(), nb, lr);
    assertTrue(lr > nb, "embeddings " + lr + " vs naive Bayes " + nb);
    assertTrue(lr >= MIN_EMBEDDING_ACCURACY, "the embeddings' held-out accuracy " + lr);
    assertTrue(domains.get("classifier").asText().startsWith("multinomial logistic regression"), domains.get("classifier").asText());
  }

  /**
   * The selection spans every MSC code that has a labelled question in the pool (30 on this data:
   * README "Domains" lists the ones the pool cannot supply); the classifier adds none the labels lack.
   */
  @Test
  void theSelectionSpansEveryDomainThePoolHasLabelsFor() {
    Dataset<Row> labelled = table("stages/" + DomainStage.NAME).filter(col(Columns.DOMAIN_BASIS).equalTo("subject"));
    Set<String> supplied = new HashSet<>(labelled.select(Columns.DOMAIN).distinct().as(Encoders.STRING()).collectAsList());
    Set<String> selected = new HashSet<>(table("selection").select(Columns.DOMAIN).distinct().as(Encoders.STRING()).collectAsList());
    System.out.printf("public pool with embeddings: the selection spans %d domains; the labels supply %d%n", selected.size(), supplied.size());
    assertTrue(supplied.size() >= 30, "codes with a labelled question: " + supplied);
    assertTrue(selected.containsAll(supplied), "selected " + selected + " lacks some of " + supplied);
  }

  @Test
  void everyMath500ProblemIsRemovedAndPlantedParaphrasesAreRemovedByMeaning() throws IOException {
    Map<String, String> removed = new HashMap<>();
    for (Row r : table("removed/" + DecontamStage.NAME).select(Columns.ID, Columns.REASON, Columns.DETAIL).collectAsList()) {
      removed.put(r.getString(0), r.getString(1) + " " + r.getString(2));
    }
    Set<String> math500 = new HashSet<>();
    for (String line : Files.readAllLines(SharedPaths.dataRoot().resolve("eval/math500.jsonl"))) {
      math500.add(ContentId.of(Json.MAPPER.readTree(line).get("problem").asText()));
    }
    assertEquals(500, math500.size());
    assertEquals(0, table("stages/" + DecontamStage.NAME).filter(col(Columns.ID).isInCollection(math500)).count(),
        "no MATH500 problem survives decontamination");
    List<String> reaching = table("stages/" + QualityStage.NAME).filter(col(Columns.ID).isInCollection(math500)).select(Columns.ID).distinct()
        .as(Encoders.STRING()).collectAsList();
    assertTrue(reaching.size() > 400, reaching.size() + " MATH500 problems pass quality (asy figures and images do not)");
    for (String id : reaching) {
      assertTrue(removed.containsKey(id), "MATH500 " + id + " passed quality and is removed by decontam");
    }
    long flagged = reaching.size();
    int byMeaning = 0;
    for (Map.Entry<String, String> p : planted.entrySet()) {
      String verdict = removed.get(p.getKey());
      if (verdict != null && verdict.startsWith(DecontamStage.PARAPHRASED_EVAL + " ")) {
        assertTrue(verdict.contains("math500:" + p.getValue() + " cosine "), "the detail names the planted item: " + verdict);
        byMeaning++;
      }
    }
    long others = removed.entrySet().stream()
        .filter(e -> !planted.containsKey(e.getKey()) && e.getValue().startsWith(DecontamStage.PARAPHRASED_EVAL + " ")).count();
    System.out.printf("MATH500 removed by decontam: %d; planted paraphrases removed as paraphrased_eval: %d of %d; pool rows removed as "
        + "paraphrased_eval: %d%n", flagged, byMeaning, PLANTED, others);
    assertTrue(byMeaning >= MIN_RECALL * PLANTED, byMeaning + " of " + PLANTED + " planted paraphrases removed as paraphrased_eval");
    // README's hand count: 7 pool rows removed by meaning with the full model, 6 of them an eval item reworded.
    assertTrue(others <= MAX_POOL_PARAPHRASES, others + " pool rows removed as paraphrased_eval");
  }

  private static boolean sharesNgram(String a, String b) {
    long[] ga = NGrams.sortedDistinct(NGrams.hashes(a, 8));
    long[] gb = NGrams.sortedDistinct(NGrams.hashes(b, 8));
    return NGrams.intersectionSize(ga, gb) > 0;
  }
}
