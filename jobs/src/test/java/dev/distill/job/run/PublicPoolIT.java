package dev.distill.job.run;

import dev.distill.job.SharedPaths;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.exists;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.api.StageContext;
import dev.distill.job.cli.Main;
import dev.distill.job.conf.ConfigLoader;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.error.ExitCode;
import dev.distill.job.filter.DecontamStage;
import dev.distill.job.filter.EvalSets;
import dev.distill.job.io.Json;
import dev.distill.job.io.RunDirectory;
import dev.distill.udf.answer.AnswerEquivalence;
import dev.distill.udf.answer.AnswerExtractor;
import dev.distill.udf.text.ContentId;
import dev.distill.udf.text.NGrams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** conf/public-pool.yaml on ../shared/data: the whole s1 selection on ~77,000 real candidates. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PublicPoolIT {
  Path out;
  Path run;
  Path rerun;
  Map<String, String> env;

  @BeforeAll
  void runTwice() throws java.io.IOException {
    out = Files.createTempDirectory("distill-public-it");
    Path data = SharedPaths.dataRoot();
    assumeTrue(Files.isDirectory(data.resolve("pool")), data + "/pool not found: skipping the public-pool end-to-end test (set DISTILL_DATA)");
    String config = SharedPaths.repoRoot().resolve("conf/public-pool.yaml").toString();
    for (String[] r : List.of(new String[] {"p3", "3"}, new String[] {"p8", "8"})) {
      int code = Main.run(new String[] {"run", "--config", config, "--output", out.toString(), "--run-id", r[0],
          "--set", "run.partitions=" + r[1], "--set", "spark.master=local[2]", "--set", "spark.conf={spark.ui.enabled: 'false'}"});
      assertEquals(ExitCode.OK, code, "run " + r[0]);
    }
    run = out.resolve("p3");
    rerun = out.resolve("p8");
  }

  @AfterAll
  void deleteRuns() throws java.io.IOException {
    if (out != null) {
      try (java.util.stream.Stream<Path> paths = Files.walk(out)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static SparkSession spark() {
    return SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
  }

  private Dataset<Row> stage(String name) {
    return spark().read().parquet(run.resolve("stages").resolve(name).toString());
  }

  private PipelineConfig config() {
    String config = SharedPaths.repoRoot().resolve("conf/public-pool.yaml").toString();
    return PipelineConfig.from(ConfigLoader.fromSystemEnv().load(Path.of(config), List.of()));
  }

  private List<EvalSets.EvalItem> evalItems() {
    return EvalSets.load(config().decontam().evalSets(), spark().sparkContext().hadoopConfiguration());
  }

  @Test
  void rowsReconcile() throws Exception {
    JsonNode json = RunAssertions.runJson(run);
    RunAssertions.assertReconciles(json);
    JsonNode ingest = json.get("stages").get(0);
    assertTrue(ingest.get("rows_read").asLong() > 70_000, "the whole pool is read: " + ingest);
    assertEquals("exact", json.get("stages").get(4).get("token_counting").asText());
  }

  @Test
  void handoffIsCountedWithTheQwenTokenizerAndVerifies() throws Exception {
    Path handoff = run.resolve("handoff");
    JsonNode manifest = Json.MAPPER.readTree(Files.readString(handoff.resolve("manifest.json")));
    JsonNode tokens = manifest.get("tokens");
    JsonNode export = RunAssertions.runJson(run).get("stages").get(7);
    System.out.printf("public pool handoff: %d rows, %d text tokens (%s, mean %d, p90 %d, max %d), %d over block size %d, %d dropped; "
        + "arrow write %.3fs%n", manifest.get("rows").asLong(), tokens.get("total_text_tokens").asLong(), tokens.get("counting").asText(),
        tokens.get("mean_text_tokens").asLong(), tokens.get("p90_text_tokens").asLong(), tokens.get("max_text_tokens").asLong(),
        tokens.get("rows_over_block_size").asLong(), tokens.get("block_size").asLong(), tokens.get("rows_dropped_too_long").asLong(),
        export.get("arrow_write_seconds").asDouble());
    assertEquals("exact", tokens.get("counting").asText());
    assertEquals(1000, manifest.get("rows").asLong() + tokens.get("rows_dropped_too_long").asLong());
    assertTrue(tokens.get("total_text_tokens").asLong() > 50_000, tokens.toString());
    assertEquals(ExitCode.OK, Main.run(new String[] {"verify-handoff", handoff.toString()}));
  }

  /**
   * The bytes of train.jsonl (the 1,000 selected rows in rank order) that `bin/distill run --config
   * conf/public-pool.yaml` wrote before dedup and select stopped collecting the pool to the driver:
   * the executors' joins, connected components and bounded selection pick the same ids in the same order.
   */
  static final String TRAIN_JSONL_SHA256 = "dd8d6055addb59e5813c73b2a7961800ee9d8af48b1637a0a44846cab2b5e8a1";

  @Test
  void theSelectionIsTheOneOfTheWholePoolOnTheDriver() throws Exception {
    for (Path r : List.of(run, rerun)) {
      try (java.io.InputStream in = Files.newInputStream(r.resolve("handoff/train.jsonl"))) {
        assertEquals(TRAIN_JSONL_SHA256, Json.sha256(in), r + "/handoff/train.jsonl");
      }
    }
  }

  @Test
  void everyMath500ProblemInThePoolIsFlaggedByMath500() {
    Set<String> math500 = new HashSet<>();
    for (EvalSets.EvalItem item : evalItems()) {
      if (item.set().equals("math500")) {
        math500.add(ContentId.of(item.question()));
      }
    }
    assertEquals(500, math500.size());
    Dataset<Row> ingested = stage("ingest");
    List<String> present = ingested.select("id").distinct().filter(col("id").isInCollection(math500)).as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    assertEquals(500, present.size(), "all 500 MATH500 problems are in the MATH test files of the pool");
    // The decontam stage applied to everything ingested flags every one of them, naming math500.
    PipelineConfig cfg = config();
    StageContext context = new StageContext(spark(), cfg, new RunDirectory(run.toString(), spark().sparkContext().hadoopConfiguration()));
    Dataset<Row> flagged = new DecontamStage().apply(context, ingested.filter(col("id").isInCollection(math500)));
    long byMath500 = flagged.filter(exists(col("contaminated_by"), c -> c.startsWith("math500:"))).select("id").distinct().count();
    assertEquals(500, byMath500);
    // And in the pipeline none of them survives decontamination.
    assertEquals(0, stage("decontam").filter(col("id").isInCollection(math500)).count());
  }

  @Test
  void theTwoMathTestFilesCollapseToOneCopyEach() {
    Dataset<Row> ingested = stage("ingest");
    List<String> testIds = ingested.filter(col("source").equalTo("math/test-answers")).select("id").distinct()
        .as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    // 4,999: the file itself holds one problem twice, formatted differently ($4^a = 5$ / $4^{a}=5$).
    assertEquals(4999, testIds.size());
    Dataset<Row> solutions = ingested.filter(col("source").equalTo("math/test-solutions")).select("id").distinct();
    assertEquals(testIds.size(), solutions.count());
    assertEquals(testIds.size(), solutions.filter(col("id").isInCollection(testIds)).count(), "the same problems in both files");
    Dataset<Row> deduped = stage("dedup").filter(col("id").isInCollection(testIds));
    assertEquals(deduped.select("id").distinct().count(), deduped.count(), "at most one copy of each MATH test problem");
    // Copies that reach dedup (both files' copies survive quality and decontamination, where s1's
    // cross-source rule may already remove a problem close to one in MATH train) collapse to one.
    Dataset<Row> reaching = stage("decontam").filter(col("id").isInCollection(testIds)).groupBy("id").count();
    long extraCopies = reaching.filter(col("count").gt(1)).selectExpr("sum(count - 1)").first().getLong(0);
    long exact = spark().read().parquet(run.resolve("removed/dedup").toString())
        .filter(col("reason").equalTo("exact_duplicate").and(col("id").isInCollection(testIds))).count();
    assertTrue(extraCopies > 2000, "MATH test problems reaching dedup twice: " + extraCopies);
    assertEquals(extraCopies, exact, "every extra copy is removed as an exact duplicate");
    assertEquals(stage("dedup").count(), stage("dedup").select("id").distinct().count(), "ids unique after dedup");
  }

  @Test
  void selectsOneThousandRowsOverAtLeastThirtyDomains() {
    Dataset<Row> selection = spark().read().parquet(run.resolve("selection").toString());
    assertEquals(1000, selection.count());
    long domains = selection.select("domain").distinct().count();
    assertTrue(domains >= 30, "domains covered: " + domains);
    assertEquals(1000, selection.select("rank").distinct().count());
    assertEquals(0, selection.filter(col("why").isNull().or(col("strategy").notEqual("s1"))).count());
  }

  @Test
  void noSelectedRowSharesAnEightGramWithAnyEvalSet() {
    Map<Long, String> evalGrams = new HashMap<>();
    for (EvalSets.EvalItem item : evalItems()) {
      for (long h : NGrams.hashes(item.question(), 8)) {
        evalGrams.putIfAbsent(h, item.set() + ":" + item.item());
      }
    }
    assertTrue(evalGrams.size() > 50_000, "eval n-grams: " + evalGrams.size());
    for (Row r : spark().read().parquet(run.resolve("selection").toString()).select("id", "question").collectAsList()) {
      for (long h : NGrams.hashes(r.getString(1), 8)) {
        assertTrue(!evalGrams.containsKey(h), r.getString(0) + " shares an 8-gram with " + evalGrams.get(h));
      }
    }
  }

  @Test
  void differentPartitionCountsSelectIdenticalIdsInIdenticalOrder() {
    List<String> a = RunAssertions.selectedIds(spark(), run.resolve("selection"));
    List<String> b = RunAssertions.selectedIds(spark(), rerun.resolve("selection"));
    assertEquals(1000, a.size());
    assertEquals(a, b);
  }

  @Test
  void boxedAnswersOfTheSolutionsFileAgreeWithTheAnswersFile() {
    Dataset<Row> ingested = stage("ingest");
    Map<String, String> answers = new HashMap<>();
    for (Row r : ingested.filter(col("source").equalTo("math/test-answers")).select("id", "answer").collectAsList()) {
      answers.put(r.getString(0), r.getString(1));
    }
    int pairs = 0;
    int agree = 0;
    for (Row r : ingested.filter(col("source").equalTo("math/test-solutions")).select("id", "solution").collectAsList()) {
      String reference = answers.get(r.getString(0));
      if (reference == null) {
        continue;
      }
      pairs++;
      if (AnswerEquivalence.equivalent(AnswerExtractor.lastBoxed(r.getString(1)), reference)) {
        agree++;
      }
    }
    System.out.printf("boxed answer agreement: %d / %d = %.2f%%%n", agree, pairs, 100.0 * agree / pairs);
    assertEquals(5000, pairs);
    assertTrue(agree >= 0.97 * pairs, "agreement " + agree + " / " + pairs);
  }
}
