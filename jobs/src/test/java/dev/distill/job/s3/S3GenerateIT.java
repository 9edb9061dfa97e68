package dev.distill.job.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.SharedPaths;
import dev.distill.job.cli.Main;
import dev.distill.job.error.ExitCode;
import dev.distill.job.generate.FakeChatServer;
import dev.distill.job.generate.Ledger;
import dev.distill.job.io.Json;
import dev.distill.job.run.RunAssertions;
import dev.distill.udf.tokens.HfTokenCounter;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A run whose every file is in the bucket (S3Mock, a separate process): the pool, the target
 * model's tokenizer (the real Qwen tokenizer.json) and the generate ledger under the s3a output,
 * with a real chat-completions server on 127.0.0.1. Token counts are exactly those of the local
 * tokenizer; the ledger's segments (written by the executors) are compacted in the bucket and
 * answer every call of later runs; a re-uploaded tokenizer recomputes the stages that count
 * tokens; a tokenizer missing from the bucket fails before Spark starts.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class S3GenerateIT {
  static final String BUCKET = "distill-generate";
  static final String OUTPUT = "s3a://" + BUCKET + "/runs";
  static final String LEDGER = OUTPUT + "/ledger";
  static final String TOKENIZER = "s3a://" + BUCKET + "/models/qwen/tokenizer.json";
  static final int QUESTIONS = 24;
  /** Each question: the teacher's trace and attempt, then the judge's verdict on it. */
  static final int CALLS = 2 * QUESTIONS;
  static final String[] WORDS = {"amber", "basil", "cedar", "delta", "ember", "fjord", "garnet", "harbor", "indigo", "juniper", "kestrel",
      "lagoon", "meadow", "nectar", "orchid", "pepper", "quartz", "raven", "saffron", "tundra"};

  Path dir;
  Path qwen;
  S3Mock s3;
  FakeChatServer server;
  Path config;
  /** The local tokenizer cache of this JVM (driver and local executors), and what it held before. */
  final Path cache = Path.of(System.getProperty("java.io.tmpdir"), "distill-tokenizers");
  List<Path> cachedBefore;

  @BeforeAll
  void start() throws Exception {
    qwen = SharedPaths.qwenTokenizer();
    Assumptions.assumeTrue(Files.isRegularFile(qwen), "S3GenerateIT skipped: the Qwen tokenizer " + qwen
        + " is absent (../shared/tokenizers/qwen/tokenizer.json beside the repository)");
    cachedBefore = cacheEntries();
    dir = Files.createTempDirectory("distill-s3-generate-it");
    s3 = new S3Mock(dir.resolve("s3mock"), BUCKET);
    s3.start();
    Map<String, String> answers = new LinkedHashMap<>();
    StringBuilder pool = new StringBuilder();
    for (int i = 0; i < QUESTIONS; i++) {
      String q = "Compute " + (i * 13 + 7) + " times " + (i % 9 + 2) + " for the " + WORDS[i % WORDS.length] + " " + WORDS[(i * 7 + 3) % WORDS.length]
          + " riddle, variant " + i + ", then report the " + WORDS[(i * 3 + 1) % WORDS.length] + " total.";
      answers.put(q, String.valueOf((i * 13 + 7) * (i % 9 + 2)));
      pool.append(Json.compact(Map.of("problem", q, "answer", answers.get(q)))).append('\n');
    }
    server = new FakeChatServer(answers);
    Path local = dir.resolve("part-1.jsonl");
    Files.writeString(local, pool);
    Path keyFile = dir.resolve("api-key.txt");
    Files.writeString(keyFile, FakeChatServer.KEY + "\n");
    try (FileSystem fs = fs()) {
      fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(local.toUri()), new org.apache.hadoop.fs.Path("s3a://" + BUCKET + "/pool/part-1.jsonl"));
      fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(qwen.toUri()), new org.apache.hadoop.fs.Path(TOKENIZER));
    }
    StringBuilder yaml = new StringBuilder();
    yaml.append("sources:\n  - {name: test/s3, path: 's3a://").append(BUCKET).append("/pool/*.jsonl', format: jsonl, cot_type: math, ")
        .append("fields: {question: problem, answer: answer}}\n");
    yaml.append("spark:\n  master: 'local[2]'\n  conf:\n    spark.ui.enabled: 'false'\n");
    s3.hadoopConf().forEach((k, v) -> yaml.append("    'spark.hadoop.").append(k).append("': '").append(v).append("'\n"));
    yaml.append("select: {size: 10}\n");
    yaml.append("difficulty: {tokenizer: '").append(TOKENIZER).append("'}\n");
    yaml.append("generate:\n  base_url: '").append(server.baseUrl()).append("'\n  api_key_file: '").append(keyFile).append("'\n");
    yaml.append("  teacher: {model: teacher-r, max_tokens: 200}\n  judge: {model: judge, max_tokens: 100}\n");
    yaml.append("  concurrency: 4\n  ledger_flush_rows: 4\n  ledger_flush_seconds: 1\n");
    config = dir.resolve("s3.yaml");
    Files.writeString(config, yaml.toString());
  }

  private List<Path> cacheEntries() throws IOException {
    if (!Files.isDirectory(cache)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(cache)) {
      return entries.sorted().toList();
    }
  }

  /** Cache entries this class added: local copies of the bucket's tokenizer. */
  private List<Path> copiesMadeHere() throws IOException {
    List<Path> made = new ArrayList<>();
    for (Path entry : cacheEntries()) {
      Path file = entry.resolve("tokenizer.json");
      if (!cachedBefore.contains(entry) && Files.isRegularFile(file) && Files.mismatch(file, qwen) == -1) {
        made.add(entry);
      }
    }
    return made;
  }

  @AfterAll
  void stop() throws Exception {
    if (qwen != null && cachedBefore != null) {
      for (Path entry : copiesMadeHere()) {
        try (Stream<Path> files = Files.walk(entry)) {
          files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
    if (server != null) {
      server.close();
    }
    if (s3 != null) {
      s3.close();
    }
    if (dir != null) {
      try (Stream<Path> paths = Files.walk(dir)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private FileSystem fs() throws IOException {
    Configuration conf = new Configuration();
    s3.hadoopConf().forEach(conf::set);
    return FileSystem.newInstance(URI.create("s3a://" + BUCKET), conf);
  }

  private String read(String path) throws IOException {
    try (FileSystem fs = fs(); InputStream in = fs.open(new org.apache.hadoop.fs.Path(path))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** Files directly under {@code path} whose name ends with {@code suffix}, hidden ones excluded. */
  private List<String> list(String path, String suffix) throws IOException {
    List<String> names = new ArrayList<>();
    try (FileSystem fs = fs()) {
      org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
      if (!fs.exists(p)) {
        return names;
      }
      for (FileStatus s : fs.listStatus(p)) {
        String name = s.getPath().getName();
        if (name.endsWith(suffix) && !name.startsWith(".")) {
          names.add(name);
        }
      }
    }
    return names;
  }

  private int run(String output, String runId, String... sets) {
    List<String> args = new ArrayList<>(List.of("run", "--config", config.toString(), "--output", output, "--run-id", runId));
    for (String set : sets) {
      args.addAll(List.of("--set", set));
    }
    return Main.run(args.toArray(new String[0]));
  }

  private SparkSession spark() {
    SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
    s3.hadoopConf().forEach((k, v) -> spark.sparkContext().hadoopConfiguration().set(k, v));
    return spark;
  }

  /** id -> [trace_tokens, length_tokens] of a run's difficulty stage. */
  private Map<String, List<Integer>> tokens(String runDir) {
    Map<String, List<Integer>> out = new TreeMap<>();
    for (Row r : spark().read().parquet(runDir + "/stages/difficulty").select("id", "trace_tokens", "length_tokens").collectAsList()) {
      out.put(r.getString(0), List.of(r.getInt(1), r.getInt(2)));
    }
    return out;
  }

  private static JsonNode stage(JsonNode run, String name) {
    for (JsonNode s : run.get("stages")) {
      if (s.get("name").asText().equals(name)) {
        return s;
      }
    }
    throw new AssertionError("no stage " + name + " in run.json");
  }

  @Test
  @Order(1)
  void aRunCountsWithTheTokenizerInTheBucketAndKeepsItsLedgerThere() throws Exception {
    assertEquals(ExitCode.OK, run(OUTPUT, "a"));
    assertEquals(CALLS, server.totalAnswered(), "every call made once");
    JsonNode doc = Json.MAPPER.readTree(read(OUTPUT + "/a/run.json"));
    assertEquals("completed", doc.get("status").asText());
    RunAssertions.assertReconciles(doc);
    JsonNode difficulty = stage(doc, "difficulty");
    assertEquals("exact", difficulty.get("token_counting").asText());
    assertEquals(TOKENIZER, difficulty.get("tokenizer").asText());
    assertEquals(LEDGER, stage(doc, "generate").get("ledger").asText(), "the default ledger: <output>/ledger, in the bucket");
    assertEquals(1, copiesMadeHere().size(), "one local copy of the bucket's tokenizer, byte for byte, in " + cache);

    // The executors' segments are in the bucket, with every reply.
    long ok = 0;
    for (String segment : list(LEDGER + "/segments", ".jsonl")) {
      ok += read(LEDGER + "/segments/" + segment).lines().filter(l -> l.contains("\"status\":\"ok\"")).count();
    }
    assertEquals(CALLS, ok, "every reply is in a ledger segment in the bucket");

    // Exact counts: every trace counted as the local tokenizer counts it.
    List<Row> rows = spark().read().parquet(OUTPUT + "/a/stages/difficulty").select("trace", "trace_tokens").collectAsList();
    assertEquals(QUESTIONS, rows.size());
    try (HfTokenCounter local = new HfTokenCounter(qwen.toString())) {
      for (Row r : rows) {
        assertTrue(r.getString(0).startsWith("Let me think about"), r.getString(0));
        assertEquals(local.count(r.getString(0)), r.getInt(1), r.getString(0));
      }
    }
    JsonNode manifest = Json.MAPPER.readTree(read(OUTPUT + "/a/handoff/manifest.json"));
    assertEquals("exact", manifest.get("tokens").get("counting").asText(), manifest.get("tokens").toString());
    assertEquals(TOKENIZER, manifest.get("tokens").get("tokenizer").asText());
  }

  @Test
  @Order(2)
  void aSecondRunCompactsTheLedgerInTheBucketAndCallsNothing() throws Exception {
    server.resetCounts();
    assertEquals(ExitCode.OK, run(OUTPUT, "b"));
    assertEquals(0, server.totalHits(), "every call answered from the ledger in the bucket");
    JsonNode generate = stage(Json.MAPPER.readTree(read(OUTPUT + "/b/run.json")), "generate");
    assertEquals(CALLS, generate.get("calls_cached").asLong(), generate.toString());
    assertTrue(generate.get("ledger_segments_compacted").asLong() > 0, generate.toString());
    assertEquals(List.of(), list(LEDGER + "/segments", ".jsonl"), "the segments were folded into a table");
    List<String> batches = new ArrayList<>();
    try (FileSystem fs = fs()) {
      for (FileStatus s : fs.listStatus(new org.apache.hadoop.fs.Path(LEDGER + "/tables"))) {
        if (fs.exists(new org.apache.hadoop.fs.Path(s.getPath(), "_SUCCESS"))) {
          batches.add(s.getPath().getName());
        }
      }
    }
    assertEquals(1, batches.size(), batches.toString());
    long entries = spark().read().schema(Ledger.SCHEMA).parquet(LEDGER + "/tables/" + batches.get(0)).filter("status = 'ok'").count();
    assertEquals(CALLS, entries, "the compacted table holds every reply");
    assertEquals(tokens(OUTPUT + "/a"), tokens(OUTPUT + "/b"));
  }

  @Test
  @Order(3)
  void aLocalRunWithTheLocalTokenizerCountsTheSameAndReadsTheLedgerFromTheBucket() throws Exception {
    server.resetCounts();
    Path out = dir.resolve("local-out");
    assertEquals(ExitCode.OK, run(out.toString(), "c", "difficulty.tokenizer=" + qwen, "generate.ledger=" + LEDGER));
    assertEquals(0, server.totalHits(), "generate.ledger on s3a answers a run with a local output");
    Map<String, List<Integer>> local = tokens(out.resolve("c").toString());
    assertEquals(QUESTIONS, local.size());
    assertEquals(local, tokens(OUTPUT + "/a"), "trace and length tokens per id: the bucket's tokenizer counts as the local one");
    JsonNode s3Tokens = Json.MAPPER.readTree(read(OUTPUT + "/a/handoff/manifest.json")).get("tokens");
    JsonNode localTokens = Json.MAPPER.readTree(out.resolve("c/handoff/manifest.json").toFile()).get("tokens");
    assertEquals(qwen.toString(), localTokens.get("tokenizer").asText());
    Map<String, Object> a = Json.MAPPER.convertValue(s3Tokens, Map.class);
    Map<String, Object> c = Json.MAPPER.convertValue(localTokens, Map.class);
    a.remove("tokenizer");
    c.remove("tokenizer");
    assertEquals(c, a, "the handoff's token statistics");
    assertTrue(((Number) a.get("total_text_tokens")).longValue() > 0, a.toString());
    assertEquals(Json.sha256(Files.readAllBytes(out.resolve("c/handoff/train.jsonl"))),
        Json.sha256(read(OUTPUT + "/a/handoff/train.jsonl").getBytes(StandardCharsets.UTF_8)), "the same bundle");
  }

  @Test
  @Order(4)
  void aReuploadedTokenizerRecomputesTheStagesThatCountTokens() throws Exception {
    Thread.sleep(1100); // a later modification time than the first upload's
    try (FileSystem fs = fs()) {
      fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(qwen.toUri()), new org.apache.hadoop.fs.Path(TOKENIZER));
    }
    server.resetCounts();
    assertEquals(ExitCode.OK, run(OUTPUT, "a"));
    assertEquals(0, server.totalHits());
    List<String> reused = new ArrayList<>();
    for (JsonNode s : Json.MAPPER.readTree(read(OUTPUT + "/a/run.json")).get("stages")) {
      if (s.get("reused").asBoolean()) {
        reused.add(s.get("name").asText());
      }
    }
    assertEquals(List.of("ingest", "generate", "quality", "decontam", "dedup"), reused,
        "the tokenizer's size and modification time in the bucket are part of difficulty's fingerprint");
    assertEquals(2, copiesMadeHere().size(), "the new upload has a cache entry of its own");
  }

  @Test
  @Order(5)
  void aTokenizerMissingFromTheBucketFailsBeforeSparkStarts() throws Exception {
    String missing = "s3a://" + BUCKET + "/models/missing/tokenizer.json";
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    java.io.PrintStream original = System.err;
    System.setErr(new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
    int exit;
    try {
      exit = run(OUTPUT, "m", "difficulty.tokenizer=" + missing);
    } finally {
      System.setErr(original);
    }
    String message = err.toString(StandardCharsets.UTF_8);
    assertEquals(ExitCode.BAD_CONFIG, exit, message);
    assertTrue(message.contains("Cannot read config key difficulty.tokenizer: no tokenizer file at " + missing), message);
    try (FileSystem fs = fs()) {
      assertFalse(fs.exists(new org.apache.hadoop.fs.Path(OUTPUT + "/m")), "nothing of run m was written");
    }
  }

  @Test
  @Order(6)
  void noKeyIsInAnyObject() throws Exception {
    List<String> leaked = new ArrayList<>();
    int files = 0;
    try (Stream<Path> paths = Files.walk(dir.resolve("s3mock"))) {
      for (Path p : (Iterable<Path>) paths.filter(Files::isRegularFile)::iterator) {
        files++;
        String content = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
        if (content.contains(S3Mock.SECRET_KEY) || content.contains(FakeChatServer.KEY)) {
          leaked.add(p.toString());
        }
      }
    }
    assertTrue(files > 50, "looked at " + files + " stored objects");
    assertEquals(List.of(), leaked);
  }
}
