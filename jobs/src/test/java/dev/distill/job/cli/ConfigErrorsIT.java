package dev.distill.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.ChildCli;
import dev.distill.job.error.ExitCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A bad configuration fails through the real command line, in a fresh JVM, before any Spark job:
 * exit code 2, the key or file named with the fix, and no Spark. Each run is given a master URL
 * Spark cannot parse, so a run that starts Spark at all ends with exit 1 and Spark's "Could not
 * parse Master URL" (the control case shows it does); and the run directory is never created.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConfigErrorsIT {
  /** Any attempt to start a SparkContext with this master fails at once. */
  static final String NO_SPARK_MASTER = "no-spark-should-start";
  static final String SPARK_STARTED = "Could not parse Master URL";

  Path dir;
  Path pool;

  @BeforeAll
  void files() throws IOException {
    dir = Files.createTempDirectory("distill-config-errors-it");
    pool = dir.resolve("pool/part-1.jsonl");
    Files.createDirectories(pool.getParent());
    Files.writeString(pool, "{\"problem\": \"What is 2 + 3? Give the sum as a whole number.\", \"answer\": \"5\"}\n");
  }

  @AfterAll
  void delete() throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private String source() {
    return "sources:\n  - {name: test/pool, path: '" + pool + "', format: jsonl, fields: {question: problem, answer: answer}}\n";
  }

  /** Exit code and console of `run --config <yaml>` in a child JVM. */
  private Result run(String name, String yaml, String... more) throws Exception {
    Path config = dir.resolve(name + ".yaml");
    Files.writeString(config, yaml);
    Path output = dir.resolve("out-" + name);
    List<String> args = new ArrayList<>(List.of("run", "--config", config.toString(), "--output", output.toString(), "--run-id", name,
        "--set", "spark.master=" + NO_SPARK_MASTER, "--set", "spark.conf={spark.ui.enabled: 'false'}"));
    args.addAll(List.of(more));
    StringBuilder console = new StringBuilder();
    long start = System.nanoTime();
    Process child = ChildCli.start(args, console);
    assertTrue(child.waitFor(180, TimeUnit.SECONDS), "the run did not end:\n" + console);
    Thread.sleep(200); // the drain thread appends the last lines
    synchronized (console) {
      System.out.printf("[ConfigErrorsIT] %s: exit %d in %.1fs%n", name, child.exitValue(), (System.nanoTime() - start) / 1e9);
      return new Result(child.exitValue(), console.toString(), config, output);
    }
  }

  record Result(int exit, String console, Path config, Path output) {
    void assertFailedBeforeSpark() {
      assertEquals(ExitCode.BAD_CONFIG, exit, console);
      assertFalse(console.contains(SPARK_STARTED), "Spark was started:\n" + console);
      assertFalse(Files.exists(output), "the run wrote " + output);
    }

    void assertSays(String expected) {
      assertTrue(console.contains(expected), "expected \"" + expected + "\" in:\n" + console);
    }
  }

  @Test
  void controlARunThatGetsAsFarAsSparkFailsToStartIt() throws Exception {
    Result r = run("control", source());
    assertEquals(ExitCode.FAILED, r.exit(), r.console());
    r.assertSays(SPARK_STARTED);
  }

  @Test
  void anUnknownKeyNamesTheKeyTheFileAndTheClosestValidKey() throws Exception {
    Result r = run("unknown-key", source() + "dedup:\n  treshold: 0.7\n");
    r.assertFailedBeforeSpark();
    r.assertSays("distill: Cannot read config key dedup.treshold in " + r.config() + ": unknown key; did you mean dedup.threshold? "
        + "valid keys under dedup are [exact, near, threshold,");
    Result set = run("unknown-set", source(), "--set", "dedup.treshold=0.7");
    set.assertFailedBeforeSpark();
    set.assertSays("distill: Cannot apply --set dedup.treshold: unknown key dedup.treshold; did you mean dedup.threshold?");
  }

  @Test
  void aWrongTypeNamesTheKeyTheExpectedTypeAndTheValue() throws Exception {
    Result r = run("wrong-type", source() + "select:\n  size: many\n");
    r.assertFailedBeforeSpark();
    r.assertSays("distill: Cannot read config key select.size: expected a whole number but found \"many\"; write e.g. select.size: ");
  }

  @Test
  void aMissingSourceFileNamesThePathAndTheKey() throws Exception {
    Path missing = dir.resolve("pool/missing.jsonl");
    Result r = run("missing-source", "sources:\n  - {name: test/missing, path: '" + missing + "', fields: {question: problem}}\n");
    r.assertFailedBeforeSpark();
    r.assertSays("distill: Cannot read source test/missing (sources[0].path): no file matches " + missing
        + "; fix the path in the config or put the file there");
  }

  @Test
  void aMissingEvalSetFileNamesThePathAndTheKey() throws Exception {
    Path missing = dir.resolve("eval/math500.jsonl");
    Result r = run("missing-eval", source() + "decontam:\n  eval_sets:\n    - {name: math500, path: '" + missing + "', question: problem}\n");
    r.assertFailedBeforeSpark();
    r.assertSays("distill: Cannot read eval set math500 (decontam.eval_sets[0].path): no file matches " + missing
        + "; fix the path in the config or put the file there");
  }

  @Test
  void aMissingTokenizerFileNamesThePathAndTheKey() throws Exception {
    Path missing = dir.resolve("tokenizers/qwen/tokenizer.json");
    Result r = run("missing-tokenizer", source() + "difficulty:\n  tokenizer: '" + missing + "'\n");
    r.assertFailedBeforeSpark();
    r.assertSays("distill: Cannot read config key difficulty.tokenizer: no tokenizer file at " + missing
        + "; set it to a Hugging Face tokenizer.json");
  }
}
