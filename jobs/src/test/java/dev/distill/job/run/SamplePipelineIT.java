package dev.distill.job.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.cli.Main;
import dev.distill.job.conf.ConfigLoader;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.error.ExitCode;
import dev.distill.job.io.Json;
import dev.distill.job.io.LiveProgress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The README's first command, end to end on the generated sample pool, through the real CLI. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SamplePipelineIT {
  Path out;
  Path runA;
  Path runB;

  @BeforeAll
  void runTwiceWithDifferentPartitioning() throws java.io.IOException {
    out = Files.createTempDirectory("distill-sample-it");
    String[] common = {"--output", "", "--set", "sample_pool.rows=4000", "--set", "select.size=300", "--set", "spark.master=local[2]",
        "--set", "spark.conf={spark.ui.enabled: 'false', spark.extraListeners: dev.distill.job.run.JobGroupRecorder}"};
    assertEquals(ExitCode.OK, Main.run(args(common, "a", "run.partitions=2")));
    assertEquals(ExitCode.OK, Main.run(args(common, "b", "run.partitions=7")));
    runA = out.resolve("a");
    runB = out.resolve("b");
  }

  private String[] args(String[] common, String runId, String partitions) {
    String[] a = new String[common.length + 6];
    a[0] = "run";
    System.arraycopy(common, 0, a, 1, common.length);
    a[2] = out.toString();
    a[common.length + 1] = "--run-id";
    a[common.length + 2] = runId;
    a[common.length + 3] = "--set";
    a[common.length + 4] = partitions;
    a[common.length + 5] = "--set=run.max_quarantine_fraction=0.01";
    return a;
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

  @Test
  void runDirectoryFollowsTheContract() {
    for (String dir : List.of("run.json", "stages/ingest/_SUCCESS", "stages/quality/_SUCCESS", "stages/decontam/_SUCCESS",
        "stages/dedup/_SUCCESS", "stages/difficulty/_SUCCESS", "stages/domains/_SUCCESS", "removed/quality/_SUCCESS",
        "quarantine/_SUCCESS", "selection/_SUCCESS", "handoff/train.jsonl", "handoff/train.parquet", "handoff/manifest.json",
        "handoff/arrow/data-00000-of-00001.arrow", "handoff/arrow/dataset_info.json", "handoff/arrow/state.json", "handoff/README.md",
        "handoff/train/recipe.json", "handoff/train/train.py", "handoff/train/launch.sh", "removed/export/_SUCCESS", "report/index.html")) {
      assertTrue(Files.exists(runA.resolve(dir)), dir);
    }
  }

  @Test
  void rowsReconcileAndEveryPlantedFlawIsCaught() throws Exception {
    JsonNode run = RunAssertions.runJson(runA);
    RunAssertions.assertReconciles(run);
    assertEquals(3, run.get("quarantined").asLong(), "the three broken JSON lines");
    for (String[] expected : List.of(new String[] {"quality", "asy_figure"}, new String[] {"quality", "image_reference"},
        new String[] {"quality", "numbered_subproblems"}, new String[] {"quality", "bold_numbered"}, new String[] {"quality", "api_error"},
        new String[] {"quality", "repetitive_trace"}, new String[] {"quality", "truncated_trace"},
        new String[] {"quality", "non_target_language"}, new String[] {"decontam", "contaminated"},
        new String[] {"dedup", "exact_duplicate"}, new String[] {"difficulty", "solved_by_student"})) {
      assertTrue(RunAssertions.removedCount(run, expected[0], expected[1]) > 0, expected[0] + "/" + expected[1]);
    }
    assertEquals("estimated", run.get("stages").get(4).get("token_counting").asText(), "no tokenizer configured: run.json says so");
    assertTrue(run.get("stages").get(5).get("classifier_holdout_accuracy").asDouble() > 0.5, "domain classifier accuracy");
  }

  @Test
  void everyStageRunsUnderItsOwnJobGroupAndDescription() {
    for (String stage : Plan.of(PipelineConfig.from(ConfigLoader.defaults()), null).names()) {
      String description = JobGroupRecorder.GROUPS.get(LiveProgress.jobGroup(stage));
      assertTrue(description != null && !description.isBlank(), stage + ": " + JobGroupRecorder.GROUPS);
    }
    assertTrue(JobGroupRecorder.GROUPS.containsKey(LiveProgress.jobGroup("report")), "the report too");
  }

  @Test
  void quarantineNamesFileLineAndError() {
    List<Row> rows = spark().read().parquet(runA.resolve("quarantine").toString()).orderBy("line").collectAsList();
    assertEquals(3, rows.size());
    for (Row r : rows) {
      assertTrue(r.getString(r.fieldIndex("file")).endsWith("pool-main.jsonl"), r.toString());
      assertTrue(r.getLong(r.fieldIndex("line")) > 0, r.toString());
      assertFalse(r.getString(r.fieldIndex("error")).isBlank(), r.toString());
    }
  }

  @Test
  void selectionIsIdenticalWhateverThePartitioning() {
    List<String> a = RunAssertions.selectedIds(spark(), runA.resolve("selection"));
    List<String> b = RunAssertions.selectedIds(spark(), runB.resolve("selection"));
    assertEquals(300, a.size());
    assertEquals(a, b);
  }

  @Test
  void handoffRowsUseTheS1ChatFormatAndTheManifestChecksumsMatch() throws Exception {
    List<String> lines = Files.readAllLines(runA.resolve("handoff/train.jsonl"), StandardCharsets.UTF_8);
    assertEquals(300, lines.size());
    for (String line : lines) {
      JsonNode row = Json.MAPPER.readTree(line);
      String text = row.get("text").asText();
      assertTrue(text.startsWith("<|im_start|>system\n") && text.contains("<|im_start|>think\n")
          && text.contains("<|im_start|>answer\n") && text.endsWith("<|im_end|>"), text);
      assertEquals(1, row.get("thinking_trajectories").size());
      assertTrue(row.get("cot").isNull());
    }
    JsonNode manifest = Json.MAPPER.readTree(Files.readString(runA.resolve("handoff/manifest.json")));
    assertEquals(300, manifest.get("rows").asInt());
    for (String file : List.of("train.jsonl", "train.parquet")) {
      byte[] bytes = Files.readAllBytes(runA.resolve("handoff").resolve(file));
      assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)),
          manifest.get("files").get(file).get("sha256").asText(), file);
    }
    assertEquals(RunAssertions.runJson(runA).get("config_sha256").asText(), manifest.get("config_sha256").asText());
    assertEquals(300, spark().read().parquet(runA.resolve("handoff/train.parquet").toString()).count());
  }

  @Test
  void selectCanBeRerunWithAnotherStrategyWithoutRecomputing() throws Exception {
    long before = Files.getLastModifiedTime(runA.resolve("stages/domains/_SUCCESS")).toMillis();
    assertEquals(ExitCode.OK, Main.run(new String[] {"select", "--run", runA.toString(), "--strategy", "random", "--seed", "3",
        "--set", "spark.master=local[2]"}));
    Path random = runA.resolve("selections/random-seed3");
    List<String> ids = RunAssertions.selectedIds(spark(), random);
    assertEquals(300, ids.size());
    assertNotEquals(RunAssertions.selectedIds(spark(), runA.resolve("selection")), ids);
    assertEquals(before, Files.getLastModifiedTime(runA.resolve("stages/domains/_SUCCESS")).toMillis(), "scored data untouched");
    assertTrue(RunAssertions.runJson(runA).get("selections").has("random-seed3"));
    Row first = spark().read().parquet(random.toString()).orderBy("rank").first();
    assertEquals("random", first.getString(first.fieldIndex("strategy")));
    assertTrue(first.getString(first.fieldIndex("why")).startsWith("random:"));
  }

  @Test
  void handoffVerifiesAndACorruptedCopyDoesNot() throws Exception {
    Path handoff = runA.resolve("handoff");
    assertEquals(ExitCode.OK, Main.run(new String[] {"verify-handoff", handoff.toString()}));
    JsonNode manifest = Json.MAPPER.readTree(Files.readString(handoff.resolve("manifest.json")));
    JsonNode tokens = manifest.get("tokens");
    System.out.printf("sample run: %d rows, %d text tokens (%s), max %d, %d over block size %d; arrow write %.3fs%n",
        manifest.get("rows").asLong(), tokens.get("total_text_tokens").asLong(), tokens.get("counting").asText(),
        tokens.get("max_text_tokens").asLong(), tokens.get("rows_over_block_size").asLong(), tokens.get("block_size").asLong(),
        RunAssertions.runJson(runA).get("stages").get(7).get("arrow_write_seconds").asDouble());
    assertEquals(32768, tokens.get("block_size").asInt());
    assertEquals("drop", tokens.get("too_long").asText());
    Path copy = out.resolve("corrupted-handoff");
    try (java.util.stream.Stream<Path> paths = Files.walk(handoff)) {
      for (Path p : (Iterable<Path>) paths::iterator) {
        Path target = copy.resolve(handoff.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
    Path arrow = copy.resolve("arrow/data-00000-of-00001.arrow");
    byte[] bytes = Files.readAllBytes(arrow);
    bytes[bytes.length - 100] ^= 0x01;
    Files.write(arrow, bytes);
    assertEquals(ExitCode.BAD_INPUT, Main.run(new String[] {"verify-handoff", copy.toString()}));
  }

  @Test
  void badConfigFailsBeforeSparkWithTheKeyNamed() {
    assertEquals(ExitCode.BAD_CONFIG, Main.run(new String[] {"run", "--set", "select.strategy=best"}));
    assertEquals(ExitCode.BAD_CONFIG, Main.run(new String[] {"run", "--set", "select.nope=1"}));
    assertEquals(ExitCode.BAD_CONFIG, Main.run(new String[] {"run", "--frobnicate", "x"}));
    assertEquals(ExitCode.BAD_CONFIG, Main.run(new String[] {"run", "--set", "export.too_long=shorten"}));
  }
}
