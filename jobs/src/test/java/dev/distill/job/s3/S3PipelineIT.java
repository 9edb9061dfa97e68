package dev.distill.job.s3;

import dev.distill.job.ChildCli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.LeaseExpiry;
import dev.distill.job.cli.Main;
import dev.distill.job.error.ExitCode;
import dev.distill.job.error.RunHeldException;
import dev.distill.job.io.Json;
import dev.distill.job.io.RunDirectory;
import dev.distill.job.io.RunLease;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
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
 * The pipeline on s3a:// against S3Mock (a separate process): the sample pool, eval set, every
 * stage, run.json and the handoff live in the bucket; the keys, passed as Spark config, appear in
 * no file and no console line; an object store killed in the middle of a stage leaves that stage
 * uncommitted, and the rerun with the same id resumes once it is back. One process per run on S3
 * too: a second one is refused naming the holder, the lease is created by a conditional PUT (the
 * store refuses one over an existing lease), and the dead holder's lease is taken over once it
 * expired, by a run whose --config is read from the bucket.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class S3PipelineIT {
  static final String OUTPUT = "s3a://" + S3Mock.BUCKET + "/runs";
  static final String POOL_CONFIG = "s3a://" + S3Mock.BUCKET + "/conf/pool.yaml";
  Path dir;
  S3Mock s3;
  final StringBuilder childOutput = new StringBuilder();

  @BeforeAll
  void startS3() throws Exception {
    dir = Files.createTempDirectory("distill-s3-it");
    s3 = new S3Mock(dir.resolve("s3mock"));
    s3.start();
  }

  @AfterAll
  void stopS3() throws Exception {
    if (s3 != null) {
      s3.close();
    }
    if (dir != null) {
      try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private List<String> args(String runId) {
    List<String> args = withoutPool(runId);
    args.addAll(List.of("--set", "sample_pool.rows=3000", "--set", "select.size=300"));
    return args;
  }

  /** The run's arguments but the pool's size and the selection's, which {@link #POOL_CONFIG} in the bucket holds. */
  private List<String> withoutPool(String runId) {
    StringBuilder conf = new StringBuilder("spark.conf={spark.ui.enabled: 'false'");
    for (Map.Entry<String, String> e : s3.hadoopConf().entrySet()) {
      conf.append(", 'spark.hadoop.").append(e.getKey()).append("': '").append(e.getValue()).append("'");
    }
    conf.append('}');
    return new ArrayList<>(List.of("run", "--output", OUTPUT, "--run-id", runId, "--set", "spark.master=local[2]", "--set", conf.toString(),
        "--set", "run.lease_ttl_seconds=5"));
  }

  /** Main.run in this JVM; its exit code and what it printed on stderr. */
  private record Ran(int exit, String err) {}

  private Ran runHere(List<String> args) {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      return new Ran(Main.run(args.toArray(new String[0])), captured.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(original);
    }
  }

  private void write(String path, String content) throws IOException {
    try (FileSystem fs = fs(); OutputStream out = fs.create(new org.apache.hadoop.fs.Path(path), true)) {
      out.write(content.getBytes(StandardCharsets.UTF_8));
    }
  }

  private FileSystem fs() throws IOException {
    Configuration conf = new Configuration();
    s3.hadoopConf().forEach(conf::set);
    return FileSystem.newInstance(URI.create(OUTPUT), conf);
  }

  private String read(String path) throws IOException {
    try (FileSystem fs = fs(); InputStream in = fs.open(new org.apache.hadoop.fs.Path(path))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private boolean exists(String path) throws IOException {
    try (FileSystem fs = fs()) {
      return fs.exists(new org.apache.hadoop.fs.Path(path));
    }
  }

  @Test
  @Order(1)
  void anObjectStoreKilledMidStageLeavesTheStageUncommittedAndTheRerunResumes() throws Exception {
    String run = OUTPUT + "/s1";
    Process child = startChild(args("s1"));
    // A second process on the run the child writes is refused, naming it; the lease was created by a conditional PUT.
    long leased = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!(exists(run + "/lease.json") && read(run + "/lease.json").contains("\"pid\" : " + child.pid() + ","))
        && child.isAlive() && System.nanoTime() < leased) {
      Thread.sleep(100);
    }
    assertTrue(child.isAlive(), "the child run ended before it was seen holding the lease:\n" + childOutput);
    assertTrue(read(run + "/lease.json").contains("\"atomicity\" : \"s3a: conditional writes (If-None-Match: *, If-Match: etag)\""),
        read(run + "/lease.json"));
    Ran second = runHere(args("s1"));
    assertEquals(ExitCode.BAD_CONFIG, second.exit(), second.err());
    assertTrue(second.err().contains("Cannot start run " + run + ": it is held by ")
        && second.err().contains(", pid " + child.pid() + ", run started "), second.err());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(400);
    while (!childSaid("stage 4/8 dedup") && child.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    // Wait until dedup writes into the bucket (its keys appear in S3Mock's store), then kill the store.
    long writing = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    boolean began = false;
    while (!(began = s3.holdsKeyContaining("runs/s1/stages/dedup/")) && System.nanoTime() < writing && child.isAlive()) {
      Thread.sleep(100);
    }
    assertTrue(child.isAlive(), "the child run ended before the store could be killed:\n" + childOutput);
    s3.kill();
    System.out.println("[S3PipelineIT] store killed " + (began ? "while dedup was writing" : "20s into dedup"));
    assertTrue(child.waitFor(300, TimeUnit.SECONDS), "the run did not fail once the store was gone:\n" + childOutput);
    assertEquals(ExitCode.UPSTREAM, child.exitValue(), "an unreachable object store is an upstream failure:\n" + childOutput);

    s3.start();
    assertTrue(exists(run + "/commits/decontam.json"), "decontam was committed before the store went away");
    assertFalse(exists(run + "/commits/dedup.json"), "the stage being written when the store died is not marked complete");

    // The dead holder could not release its lease: once it expires, --force-takeover resumes the run, its config read from the bucket.
    LeaseExpiry.await(read(run + "/lease.json"));
    write(POOL_CONFIG, "sample_pool: {rows: 3000}\nselect: {size: 300}\n");
    List<String> resume = withoutPool("s1");
    resume.addAll(List.of("--config", POOL_CONFIG, "--force-takeover"));
    assertEquals(ExitCode.OK, Main.run(resume.toArray(new String[0])));
    assertFalse(exists(run + "/lease.json"), "released at the end");
    JsonNode doc = Json.MAPPER.readTree(read(run + "/run.json"));
    assertEquals("completed", doc.get("status").asText());
    assertEquals(300, doc.get("config").get("select").get("size").asInt(), "the config read from " + POOL_CONFIG);
    List<String> reused = new ArrayList<>();
    for (JsonNode s : doc.get("stages")) {
      if (s.get("reused").asBoolean()) {
        reused.add(s.get("name").asText());
      }
    }
    assertEquals(List.of("ingest", "quality", "decontam"), reused);
  }

  @Test
  @Order(2)
  void theRunDirectoryAndTheHandoffAreInTheBucket() throws Exception {
    String run = OUTPUT + "/s1";
    JsonNode doc = Json.MAPPER.readTree(read(run + "/run.json"));
    dev.distill.job.run.RunAssertions.assertReconciles(doc);
    assertTrue(doc.get("inputs").get(0).get("files").get(0).get("path").asText().startsWith("s3a://"), doc.get("inputs").toString());
    JsonNode manifest = Json.MAPPER.readTree(read(run + "/handoff/manifest.json"));
    assertEquals(300, manifest.get("rows").asLong());
    String jsonl = read(run + "/handoff/train.jsonl");
    assertEquals(manifest.get("files").get("train.jsonl").get("sha256").asText(), Json.sha256(jsonl.getBytes(StandardCharsets.UTF_8)));
    SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
    s3.hadoopConf().forEach((k, v) -> spark.sparkContext().hadoopConfiguration().set(k, v));
    List<String> ids = new ArrayList<>();
    List<String> questions = new ArrayList<>();
    for (Row r : spark.read().parquet(run + "/selection").orderBy("rank").select("id", "question").collectAsList()) {
      ids.add(r.getString(0));
      questions.add(r.getString(1));
    }
    assertEquals(300, ids.size());
    assertEquals(300, new HashSet<>(ids).size(), "no id twice");
    List<String> lines = jsonl.lines().toList();
    assertEquals(300, lines.size());
    for (int i : new int[] {0, 149, 299}) {
      assertEquals(questions.get(i), Json.MAPPER.readTree(lines.get(i)).get("question").asText(), "train.jsonl in rank order");
    }
  }

  @Test
  @Order(3)
  void theKeysAreInNoObjectAndNoConsoleLine() throws Exception {
    List<String> leaked = new ArrayList<>();
    int files = 0;
    try (java.util.stream.Stream<Path> paths = Files.walk(dir.resolve("s3mock"))) {
      for (Path p : (Iterable<Path>) paths.filter(Files::isRegularFile)::iterator) {
        files++;
        String content = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
        if (content.contains(S3Mock.SECRET_KEY) || content.contains(S3Mock.ACCESS_KEY)) {
          leaked.add(p.toString());
        }
      }
    }
    assertTrue(files > 50, "looked at " + files + " stored objects");
    assertEquals(List.of(), leaked);
    assertTrue(read(OUTPUT + "/s1/run.json").contains(dev.distill.job.conf.Secrets.REDACTED));
    assertFalse(childOutput.toString().contains(S3Mock.SECRET_KEY), "the console output holds the secret key");
  }

  /**
   * The lease on S3 rests on the store refusing a conditional PUT ({@code If-None-Match: *}) over an
   * existing object: S3 serialises concurrent ones (one wins). S3Mock checks the precondition and
   * then stores in two steps, so a true race against it can let several through: the test checks
   * the refusal itself, in order, and that a second process is refused naming the holder.
   */
  @Test
  @Order(4)
  void aConditionalCreateOverTheLeaseInTheBucketIsRefusedByTheStore() throws Exception {
    Configuration conf = new Configuration();
    s3.hadoopConf().forEach(conf::set);
    RunDirectory race = new RunDirectory(OUTPUT + "/race", conf);
    RunLease winner = RunLease.acquire(race, "race", "run", new RunLease.Settings(60, 0, false));
    org.apache.hadoop.fs.Path lease = new org.apache.hadoop.fs.Path(race.lease());
    FileSystem fs = lease.getFileSystem(conf);
    assertTrue(fs.hasPathCapability(lease, "fs.option.create.conditional.overwrite"), "S3A offers conditional creates here");
    // overwrite(true): without the condition this PUT would replace the lease; with it the store must refuse it (412).
    org.apache.hadoop.fs.FSDataOutputStreamBuilder<?, ?> create = fs.createFile(lease).overwrite(true);
    create.must("fs.option.create.conditional.overwrite", true);
    assertThrows(IOException.class, () -> {
      try (org.apache.hadoop.fs.FSDataOutputStream out = create.build()) {
        out.write("{\"token\": \"intruder\"}".getBytes(StandardCharsets.UTF_8));
      }
    }, "If-None-Match: * over the existing lease is refused");
    assertTrue(read(race.lease()).contains(winner.holder().token()), "the holder's lease is untouched");
    RunHeldException refused = assertThrows(RunHeldException.class,
        () -> RunLease.acquire(race, "race", "run", new RunLease.Settings(60, 0, false)));
    assertTrue(refused.getMessage().contains(winner.holder().host()), refused.getMessage());
    winner.close();
    assertFalse(exists(race.lease()));
  }

  @Test
  @Order(5)
  void aConfigMissingFromTheBucketExitsTwoNamingIt() {
    List<String> args = withoutPool("missing");
    args.addAll(List.of("--config", "s3a://" + S3Mock.BUCKET + "/conf/missing.yaml"));
    Ran ran = runHere(args);
    assertEquals(ExitCode.BAD_CONFIG, ran.exit(), ran.err());
    assertTrue(ran.err().contains("distill: Cannot read config file s3a://" + S3Mock.BUCKET + "/conf/missing.yaml: no such file or object; "
        + "pass an existing YAML file to --config"), ran.err());
  }

  private boolean childSaid(String text) {
    synchronized (childOutput) {
      return childOutput.indexOf(text) >= 0;
    }
  }

  private Process startChild(List<String> cliArgs) throws IOException {
    return ChildCli.start(cliArgs, childOutput);
  }
}
