package dev.distill.job.run;

import dev.distill.job.ChildCli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.LeaseExpiry;
import dev.distill.job.cli.Main;
import dev.distill.job.conf.ConfigLoader;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.error.ExitCode;
import dev.distill.job.io.Console;
import dev.distill.job.io.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Scheduled runs: a driver SIGKILLed in the middle of dedup resumes with the same run id from the
 * last committed stage, and its output is the uninterrupted run's; a rerun of a completed run
 * recomputes nothing; a stage whose output is not complete is recomputed, with every later one.
 * One process per run: a second one on a run being written is refused (exit 2) naming the holder,
 * and the holder completes with the uninterrupted run's output; a killed holder's lease is taken
 * over with --force-takeover only once it has expired.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ResumeIT {
  static final List<String> STAGES = Plan.of(PipelineConfig.from(ConfigLoader.defaults()), null).names();
  static final String[] COMMON = {"--set", "sample_pool.rows=3000", "--set", "select.size=300", "--set", "spark.master=local[2]",
      "--set", "spark.conf={spark.ui.enabled: 'false'}", "--set", "run.lease_ttl_seconds=5"};
  Path out;
  final StringBuilder childOutput = new StringBuilder();

  @BeforeAll
  void uninterruptedRun() throws IOException {
    out = Files.createTempDirectory("distill-resume-it");
    assertEquals(ExitCode.OK, Main.run(args("reference")));
  }

  @AfterAll
  void deleteRuns() throws IOException {
    try (java.util.stream.Stream<Path> paths = Files.walk(out)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private String[] args(String runId, String... more) {
    List<String> a = new ArrayList<>(List.of("run", "--output", out.toString(), "--run-id", runId));
    a.addAll(List.of(COMMON));
    a.addAll(List.of(more));
    return a.toArray(new String[0]);
  }

  /** A second process on a run another holds: refused (exit 2) before it writes anything; what it printed on stderr. */
  private String refused(String runId, String... more) {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int exit;
    try {
      exit = Main.run(args(runId, more));
    } finally {
      System.setErr(original);
    }
    String err = captured.toString(StandardCharsets.UTF_8);
    assertEquals(ExitCode.BAD_CONFIG, exit, err);
    return err;
  }

  /** Waits until the child holds the lease of {@code run} (lease.json names its pid). */
  private void awaitLease(Path run, Process child) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!(Files.exists(run.resolve("lease.json")) && Files.readString(run.resolve("lease.json")).contains("\"pid\" : " + child.pid() + ","))
        && child.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(child.isAlive(), "the child run ended before it was seen holding the lease:\n" + childOutput);
  }

  @Test
  @Order(1)
  void aDriverKilledInDedupResumesFromTheLastCommittedStage() throws Exception {
    Path run = out.resolve("k");
    Process child = startChild("k");
    awaitLease(run, child);
    String second = refused("k");
    assertTrue(second.contains("Cannot start run " + run + ": it is held by ") && second.contains(", pid " + child.pid() + ", run started ")
        && second.contains("--force-takeover"), second);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(400);
    while (!childSaid("stage 4/8 dedup") && child.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    // In dedup: wait until Spark has started writing its output (or a moment), then SIGKILL.
    long inStage = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    while (!Files.exists(run.resolve("stages/dedup")) && System.nanoTime() < inStage) {
      Thread.sleep(20);
    }
    assertTrue(child.isAlive(), "the child run ended before it could be killed:\n" + childOutput);
    child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    assertTrue(childSaid("stage 4/8 dedup"), childOutput.toString());

    assertTrue(Files.exists(run.resolve("commits/decontam.json")), "decontam was committed before the kill");
    assertFalse(Files.exists(run.resolve("commits/dedup.json")), "the kill came before dedup committed:\n" + childOutput);
    assertEquals("running", RunAssertions.runJson(run).get("status").asText(), "a killed run never says it completed");
    List<JsonNode> metrics = metrics(childOutput.toString());
    assertEquals(List.of("ingest", "quality", "decontam"), metrics.stream().map(m -> m.get("stage").asText()).toList());
    for (JsonNode m : metrics) {
      assertEquals("computed", m.get("status").asText());
      assertTrue(m.get("rows_in").asLong() >= m.get("rows_out").asLong() && m.get("rows_out").asLong() > 0, m.toString());
      assertTrue(m.get("seconds").asDouble() > 0);
    }

    // The killed holder's lease stays until it expires (5 s after its last renewal); then --force-takeover resumes the run.
    String leftBehind = Files.readString(run.resolve("lease.json"));
    assertTrue(refused("k").contains(", pid " + child.pid() + ", run started "), "the dead holder's lease is still there");
    LeaseExpiry.await(leftBehind);
    String expired = refused("k");
    assertTrue(expired.contains("stopped renewing its lease (host ") && expired.contains("pid " + child.pid())
        && expired.contains("rerun with --force-takeover"), expired);
    long start = System.nanoTime();
    String console = runCapturing("k", "--force-takeover");
    double resumeSeconds = (System.nanoTime() - start) / 1e9;
    assertTrue(console.contains("took over the expired lease of " + run + " (--force-takeover): host ")
        && console.contains("pid " + child.pid()), console);
    assertFalse(Files.exists(run.resolve("lease.json")), "released when the run ended");
    System.out.printf("[ResumeIT] resume after a kill in dedup: %.1fs%n", resumeSeconds);
    assertReused(run, List.of("ingest", "quality", "decontam"));
    assertTrue(console.contains("3 of 8 stages reused"), console);
    assertEquals(STAGES, metrics(console).stream().map(m -> m.get("stage").asText()).toList());
    assertSameOutputAsTheReference(run);
  }

  @Test
  @Order(2)
  void aRerunOfACompletedRunRecomputesNothing() throws Exception {
    Path run = out.resolve("k");
    long trainModified = Files.getLastModifiedTime(run.resolve("handoff/train.jsonl")).toMillis();
    long start = System.nanoTime();
    String console = runCapturing("k");
    System.out.printf("[ResumeIT] fully reused rerun: %.1fs%n", (System.nanoTime() - start) / 1e9);
    assertReused(run, STAGES);
    for (JsonNode m : metrics(console)) {
      assertTrue(m.get("reused").asBoolean(), m.toString());
    }
    assertEquals(trainModified, Files.getLastModifiedTime(run.resolve("handoff/train.jsonl")).toMillis(), "the bundle was not rewritten");
    assertSameOutputAsTheReference(run);
  }

  @Test
  @Order(3)
  void aStageWithoutItsSuccessMarkerIsRecomputedWithEveryLaterStage() throws Exception {
    Path run = out.resolve("k");
    // A half-written stage: its commit record survived, Spark's _SUCCESS did not.
    Files.delete(run.resolve("stages/domains/_SUCCESS"));
    runCapturing("k");
    assertReused(run, List.of("ingest", "quality", "decontam", "dedup", "difficulty"));
    assertSameOutputAsTheReference(run);
  }

  @Test
  @Order(4)
  void aStageThatFailsWritingItsSecondOutputIsNotCommittedAndRunsAgain() throws Exception {
    Path run = out.resolve("w");
    // Quality writes its removed rows first, then its kept rows to stages/quality/. A link there to
    // a path under a regular file, which no directory can be created at: the first output is
    // written and complete, then the second cannot even be started.
    Files.createDirectories(run.resolve("stages"));
    Path inTheWay = Files.writeString(run.resolve("in-the-way"), "in the way");
    Files.createSymbolicLink(run.resolve("stages/quality"), inTheWay.resolve("quality"));
    int exit = Main.run(args("w"));
    assertEquals(ExitCode.UPSTREAM, exit, "a storage failure while writing an output");
    assertTrue(Files.exists(run.resolve("commits/ingest.json")));
    assertTrue(Files.exists(run.resolve("removed/quality/_SUCCESS")), "the first output was complete");
    assertTrue(Files.isSymbolicLink(run.resolve("stages/quality")), "the second output was not written");
    assertFalse(Files.exists(run.resolve("commits/quality.json")), "a stage missing an output has no commit record");
    assertEquals("failed", RunAssertions.runJson(run).get("status").asText());

    Files.delete(run.resolve("stages/quality"));
    Files.delete(inTheWay);
    // The rerun in a child JVM; a second process started on the same run while it runs is refused, naming it.
    synchronized (childOutput) {
      childOutput.setLength(0);
    }
    Process child = startChild("w");
    awaitLease(run, child);
    String second = refused("w");
    assertTrue(second.contains("Cannot start run " + run + ": it is held by ") && second.contains(", pid " + child.pid() + ", run started "), second);
    assertTrue(child.waitFor(400, TimeUnit.SECONDS), "the child run did not end:\n" + childOutput);
    assertEquals(ExitCode.OK, child.exitValue(), childOutput.toString());
    assertTrue(childSaid("1 of 8 stages reused"), childOutput.toString());
    assertReused(run, List.of("ingest"));
    assertSameOutputAsTheReference(run);
  }

  private void assertReused(Path run, List<String> reused) throws Exception {
    JsonNode doc = RunAssertions.runJson(run);
    RunAssertions.assertReconciles(doc);
    List<String> names = new ArrayList<>();
    for (JsonNode s : doc.get("stages")) {
      names.add(s.get("name").asText());
      assertEquals(reused.contains(s.get("name").asText()), s.get("reused").asBoolean(), s.get("name").asText() + " reused");
      assertEquals(64, s.get("fingerprint").asText().length());
    }
    assertEquals(STAGES, names);
  }

  private void assertSameOutputAsTheReference(Path run) throws Exception {
    Path reference = out.resolve("reference");
    SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
    List<String> ids = RunAssertions.selectedIds(spark, run.resolve("selection"));
    assertEquals(300, ids.size());
    assertEquals(ids.size(), new HashSet<>(ids).size(), "no id selected twice");
    assertEquals(RunAssertions.selectedIds(spark, reference.resolve("selection")), ids, "same ids in the same order");
    assertEquals(Json.sha256(Files.readAllBytes(reference.resolve("handoff/train.jsonl"))), Json.sha256(Files.readAllBytes(run.resolve("handoff/train.jsonl"))));
    for (String stage : List.of("quality", "decontam", "dedup", "difficulty")) {
      assertEquals(spark.read().parquet(reference.resolve("stages/" + stage).toString()).count(),
          spark.read().parquet(run.resolve("stages/" + stage).toString()).count(), stage + ": nothing lost, nothing duplicated");
      assertEquals(spark.read().parquet(reference.resolve("removed/" + stage).toString()).count(),
          spark.read().parquet(run.resolve("removed/" + stage).toString()).count(), "removed/" + stage);
    }
    Map<String, Long> funnel = new LinkedHashMap<>();
    RunAssertions.runJson(reference).get("funnel").fields().forEachRemaining(e -> funnel.put(e.getKey(), e.getValue().asLong()));
    Map<String, Long> resumed = new LinkedHashMap<>();
    RunAssertions.runJson(run).get("funnel").fields().forEachRemaining(e -> resumed.put(e.getKey(), e.getValue().asLong()));
    assertEquals(funnel, resumed);
  }

  private String runCapturing(String runId, String... more) {
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(new TeeStream(original, captured), true, StandardCharsets.UTF_8));
    try {
      assertEquals(ExitCode.OK, Main.run(args(runId, more)));
    } finally {
      System.setOut(original);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }

  private static List<JsonNode> metrics(String console) throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    for (String line : console.split("\n")) {
      if (line.startsWith(Console.METRICS + " ")) {
        lines.add(Json.MAPPER.readTree(line.substring(Console.METRICS.length() + 1)));
      }
    }
    return lines;
  }

  private boolean childSaid(String text) {
    synchronized (childOutput) {
      return childOutput.indexOf(text) >= 0;
    }
  }

  private Process startChild(String runId) throws IOException {
    return ChildCli.start(List.of(args(runId)), childOutput);
  }

  /** Writes to the console and keeps a copy. */
  private static final class TeeStream extends java.io.OutputStream {
    private final java.io.OutputStream a;
    private final java.io.OutputStream b;

    TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public void write(int c) throws IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public void write(byte[] bytes, int off, int len) throws IOException {
      a.write(bytes, off, len);
      b.write(bytes, off, len);
    }

    @Override
    public void flush() throws IOException {
      a.flush();
      b.flush();
    }
  }
}
