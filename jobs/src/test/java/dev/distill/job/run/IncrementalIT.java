package dev.distill.job.run;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.cli.Main;
import dev.distill.job.conf.ConfigLoader;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.error.ExitCode;
import dev.distill.job.io.Json;
import dev.distill.job.io.RunDirectory;
import dev.distill.job.sample.SamplePool;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Incremental runs: a base run over a pool, then a batch appended to a source file (and one line
 * edited in place), then a run with --base-run that scores only the new rows, carries every other
 * row's verdict over unchanged, loses and duplicates nothing, re-selects over the whole pool, and
 * agrees with a full run over the grown pool.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IncrementalIT {
  static final List<String> SCORING = List.of("quality", "decontam", "dedup", "difficulty", "domains");
  static final List<String> STAGES = Plan.of(PipelineConfig.from(ConfigLoader.defaults()), null).names();
  static final int POOL = 4000;
  Path out;
  Path config;
  Path main;
  int appended;
  double fullSeconds;
  double incrementalSeconds;

  @BeforeAll
  void baseRunThenANewBatch() throws Exception {
    out = Files.createTempDirectory("distill-incremental-it");
    Path pool = out.resolve("pool");
    PipelineConfig sample = PipelineConfig.from(new ConfigLoader(Map.of()).load(null, List.of("sample_pool.rows=" + POOL)));
    PipelineConfig withFiles = SamplePool.write(sample, new RunDirectory(pool.toString(), new Configuration()));
    Map<String, Object> tree = new LinkedHashMap<>();
    tree.put("sources", SamplePool.sourceEntries(pool + "/sample-pool"));
    tree.put("decontam", Map.of("eval_sets", List.of(SamplePool.evalSetEntry(pool + "/sample-pool"))));
    config = out.resolve("pipeline.yaml");
    Files.writeString(config, Json.pretty(tree)); // JSON is YAML
    main = Path.of(withFiles.sources().get(0).paths().get(0));
    // Hadoop's local file system wrote .crc checksums beside the files; the batch is appended with plain Java I/O.
    try (java.util.stream.Stream<Path> files = Files.list(main.getParent())) {
      for (Path crc : files.filter(p -> p.getFileName().toString().endsWith(".crc")).toList()) {
        Files.delete(crc);
      }
    }

    List<String> lines = Files.readAllLines(main);
    int keep = lines.size() * 4 / 5;
    List<String> batch = new ArrayList<>(lines.subList(keep, lines.size()));
    Files.write(main, lines.subList(0, keep));
    assertEquals(ExitCode.OK, Main.run(args("base")));

    List<String> grown = new ArrayList<>(lines.subList(0, keep));
    grown.set(10, grown.get(10).replace("\"problem\":\"", "\"problem\":\"Edited in place: "));
    grown.addAll(batch);
    Files.write(main, grown);
    appended = batch.size();
    long start = System.nanoTime();
    assertEquals(ExitCode.OK, Main.run(args("full")));
    fullSeconds = (System.nanoTime() - start) / 1e9;
  }

  @AfterAll
  void deleteRuns() throws IOException {
    if (System.getenv("KEEP_IT") != null) { System.out.println("kept " + out); return; }
    try (java.util.stream.Stream<Path> paths = Files.walk(out)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private String[] args(String runId, String... more) {
    List<String> a = new ArrayList<>(List.of("run", "--config", config.toString(), "--output", out.toString(), "--run-id", runId,
        "--set", "select.size=300", "--set", "spark.master=local[2]", "--set", "spark.conf={spark.ui.enabled: 'false'}"));
    a.addAll(List.of(more));
    return a.toArray(new String[0]);
  }

  @Test
  @Order(1)
  void onlyTheNewRowsAreScoredAndTheBaseRunsVerdictsAreCarriedOver() throws Exception {
    long start = System.nanoTime();
    assertEquals(ExitCode.OK, Main.run(args("inc", "--base-run", "base")));
    incrementalSeconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("[IncrementalIT] %d appended rows + 1 edited over a %d-row pool: incremental run %.1fs, full run %.1fs%n",
        appended, POOL, incrementalSeconds, fullSeconds);
    JsonNode inc = RunAssertions.runJson(out.resolve("inc"));
    JsonNode base = RunAssertions.runJson(out.resolve("base"));
    assertEquals("completed", inc.get("status").asText());
    RunAssertions.assertReconciles(inc);
    JsonNode split = inc.get("incremental");
    long baseRows = stage(base, "ingest").get("rows_out").asLong();
    // The appended lines that are readable rows (the pool plants a few unreadable ones), plus the edited line.
    long newRows = stage(inc, "ingest").get("rows_out").asLong() - baseRows + 1;
    assertTrue(newRows > appended * 0.9, "about " + appended + " new rows, got " + newRows);
    assertEquals(newRows, split.get("new_rows").asLong());
    assertEquals(baseRows - 1, split.get("unchanged_rows").asLong(), "every base row but the edited one is unchanged");
    assertEquals(1, split.get("retired_rows").asLong(), "the edited line's old version is retired");

    SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
    long reaching = newRows;
    Dataset<Row> displaced = unchangedKeys(spark).limit(0);
    for (String stage : SCORING) {
      JsonNode s = stage(inc, stage);
      JsonNode figures = s.get("incremental");
      assertEquals(reaching, figures.get("new_rows_in").asLong(), stage + " saw only the new rows that reached it");
      assertEquals(s.get("rows_in").asLong() - reaching, figures.get("carried_rows_in").asLong(), stage);
      reaching = figures.get("new_rows_out").asLong();
      Path displacedHere = out.resolve("inc/incremental/displaced/" + stage);
      if (Files.exists(displacedHere)) {
        displaced = displaced.unionByName(keyed(spark, displacedHere).select("_key"));
      }
      assertEquals(figures.get("displaced_rows").asLong(0), Files.exists(displacedHere) ? keyed(spark, displacedHere).count() : 0, stage);
      Dataset<Row> carried = keyed(spark, out.resolve("inc/stages/" + stage)).join(unchangedKeys(spark), "_key");
      Dataset<Row> before = keyed(spark, out.resolve("base/stages/" + stage)).join(unchangedKeys(spark), "_key")
          .join(displaced, new String[] {"_key"}, "left_anti");
      carried = asJson(carried);
      before = asJson(before);
      assertEquals(0, carried.exceptAll(before).count() + before.exceptAll(carried).count(),
          stage + ": the base run's rows are carried over exactly as it judged them, less the displaced ones");
    }
    // The batch is appended to the first source: its rows overlap rows of later sources the base run kept.
    assertTrue(stage(inc, "decontam").get("incremental").get("displaced_rows").asLong() > 0, "base rows displaced by new earlier-source rows");
    assertNothingLostOrDuplicated(spark, out.resolve("inc"));
    JsonNode select = stage(inc, "select");
    assertEquals(stage(inc, "domains").get("rows_out").asLong(), select.get("rows_in").asLong(), "selection runs over the whole pool");
    assertEquals(300, select.get("rows_out").asLong());
  }

  @Test
  @Order(2)
  void theIncrementalRunAgreesWithAFullRunOverTheGrownPool() throws Exception {
    SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
    Map<String, String> incremental = verdicts(spark, out.resolve("inc"));
    Map<String, String> full = verdicts(spark, out.resolve("full"));
    assertEquals(full.keySet(), incremental.keySet(), "the same rows");
    long differ = full.entrySet().stream().filter(e -> !e.getValue().equals(incremental.get(e.getKey()))).count();
    System.out.printf("[IncrementalIT] verdicts differing from the full run: %d of %d rows%n", differ, full.size());
    assertEquals(0, differ, "rows judged otherwise than by the full run");
  }

  @Test
  @Order(3)
  void aRerunOfTheIncrementalRunReusesEveryStage() throws Exception {
    assertEquals(ExitCode.OK, Main.run(args("inc", "--base-run", "base")));
    JsonNode inc = RunAssertions.runJson(out.resolve("inc"));
    for (JsonNode s : inc.get("stages")) {
      assertTrue(s.get("reused").asBoolean(), s.get("name").asText() + " reused");
    }
    assertEquals(STAGES.size(), inc.get("stages").size());
  }

  @Test
  @Order(4)
  void aBaseRunWithOtherScoringRulesIsRefusedBeforeAnyStageRuns() {
    PrintStream original = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = Main.run(args("inc2", "--base-run", "base", "--set", "dedup.threshold=0.7"));
    } finally {
      System.setErr(original);
    }
    String message = err.toString(StandardCharsets.UTF_8);
    assertEquals(ExitCode.BAD_CONFIG, code, message);
    assertTrue(message.contains("dedup") && message.contains("without --base-run"), message);
    assertTrue(!Files.exists(out.resolve("inc2/stages")), "no stage ran");

    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      code = Main.run(args("inc3", "--base-run", "no-such-run"));
    } finally {
      System.setErr(original);
    }
    assertEquals(ExitCode.BAD_CONFIG, code);
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("no run.json"), err.toString(StandardCharsets.UTF_8));
  }

  private static JsonNode stage(JsonNode run, String name) {
    for (JsonNode s : run.get("stages")) {
      if (s.get("name").asText().equals(name)) {
        return s;
      }
    }
    throw new AssertionError("no stage " + name + " in run.json");
  }

  private static Dataset<Row> keyed(SparkSession spark, Path dir) {
    return spark.read().parquet(dir.toString()).withColumn("_key", concat_ws("#", col("source"), col("origin")));
  }

  /** _key and the row as JSON (columns by name): set operations cannot compare map columns. */
  private static Dataset<Row> asJson(Dataset<Row> rows) {
    String[] names = java.util.Arrays.stream(rows.columns()).filter(c -> !c.equals("_key")).sorted().toArray(String[]::new);
    return rows.select(col("_key"), org.apache.spark.sql.functions.to_json(org.apache.spark.sql.functions.struct(
        java.util.Arrays.stream(names).map(org.apache.spark.sql.functions::col).toArray(org.apache.spark.sql.Column[]::new))).as("row"));
  }

  private Dataset<Row> unchangedKeys(SparkSession spark) {
    return keyed(spark, out.resolve("inc/incremental/unchanged")).select("_key");
  }

  /** Every ingested row is in exactly one place: the scored table or one stage's removed rows. */
  private static void assertNothingLostOrDuplicated(SparkSession spark, Path run) {
    Dataset<Row> placed = keyed(spark, run.resolve("stages/domains")).select("_key");
    for (String stage : SCORING) {
      placed = placed.unionByName(keyed(spark, run.resolve("removed/" + stage)).select("_key"));
    }
    long ingested = spark.read().parquet(run.resolve("stages/ingest").toString()).count();
    assertEquals(ingested, placed.count(), "every ingested row placed once");
    assertEquals(ingested, placed.distinct().count(), "no row placed twice");
  }

  /** source#origin -> "kept" or "<stage>:<reason>". */
  private static Map<String, String> verdicts(SparkSession spark, Path run) {
    Map<String, String> verdicts = new HashMap<>();
    for (Row r : keyed(spark, run.resolve("stages/domains")).select("_key").collectAsList()) {
      verdicts.put(r.getString(0), "kept");
    }
    for (String stage : SCORING) {
      for (Row r : keyed(spark, run.resolve("removed/" + stage)).select(col("_key"), concat_ws(":", lit(stage), col("reason")))
          .collectAsList()) {
        verdicts.put(r.getString(0), r.getString(1));
      }
    }
    return verdicts;
  }
}
