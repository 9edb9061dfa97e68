package dev.distill.job.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.ChildCli;
import dev.distill.job.SharedPaths;
import dev.distill.job.error.ExitCode;
import dev.distill.job.io.Json;
import dev.distill.job.select.SelectStage;
import dev.distill.udf.text.ContentId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * Executes every notebook of notebooks/ headless, as CI does ({@code jupyter nbconvert --to notebook
 * --execute}, a per-cell time limit), on a small sample run, with the kernel notebooks/setup.sh
 * installs under jobs/target/notebooks-it/ (nothing goes to the user's Jupyter directories). Fails on
 * any cell error, naming the notebook and the cell, and checks what each notebook shows against the
 * run: explore-pool's funnel and removal reasons, tune-selection's re-selections, compare-with-s1k's
 * overlap counts. A kernel start that does not answer within {@link #STARTUP_TIMEOUT_S} seconds is
 * retried, up to {@link #STARTS} starts, each logged. Skipped, with the install command, where
 * jupyter is missing; compare-with-s1k is skipped where ../shared/data has no s1K.
 *
 * <p>The executed notebooks and every nbconvert log (kernel log included) stay in
 * jobs/target/notebooks-it/ for a look after a failure.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NotebooksIT {
  static final List<String> NOTEBOOKS = List.of("explore-pool", "tune-selection", "compare-with-s1k");
  /** Kernel starts per notebook: the first and up to two retries of a start that does not answer. */
  static final int STARTS = 3;
  static final int STARTUP_TIMEOUT_S = 30;
  static final int CELL_TIMEOUT_S = 300;
  /** Watchdog on one nbconvert: the per-cell limit ends a stuck cell long before. */
  static final int NBCONVERT_TIMEOUT_S = 540;
  /** What nbclient says when a kernel does not answer kernel_info (or heartbeats) at start-up. */
  static final String NO_ANSWER = "Kernel didn't respond";
  /** JVM option of the sample run and the kernel: C1 only (about half the CPU of a default JVM for these short runs). */
  static final String QUICK_JVM = "-XX:TieredStopAtLevel=1";
  static final String INSTALL = "apt-get install -y jupyter-nbconvert jupyter-client python3-ipykernel python3-nbclient";

  Path root;
  Path work;
  Path run;
  JsonNode runJson;

  @BeforeAll
  void sampleRunAndKernel() throws Exception {
    Assumptions.assumeTrue(works("jupyter", "nbconvert", "--version") && works("jupyter", "kernelspec", "--version"),
        "NotebooksIT skipped: jupyter nbconvert / jupyter kernelspec not found; install them with: " + INSTALL);
    root = SharedPaths.repoRoot();
    work = root.resolve("jobs/target/notebooks-it");
    deleteTree(work);
    Files.createDirectories(work.resolve("logs"));
    // The sample run in a child JVM with the client compiler only: half the CPU of a default JVM for a run this short.
    StringBuilder runOutput = new StringBuilder();
    Process child = ChildCli.start(List.of(QUICK_JVM), List.of("run", "--output", work.resolve("out").toString(), "--run-id", "nb",
        "--set", "sample_pool.rows=3000", "--set", "select.size=300", "--set", "spark.master=local[2]",
        "--set", "spark.conf={spark.ui.enabled: 'false'}"), runOutput);
    boolean ended = child.waitFor(600, TimeUnit.SECONDS);
    if (!ended) {
      child.descendants().forEach(ProcessHandle::destroyForcibly);
      child.destroyForcibly();
    }
    String runLog;
    synchronized (runOutput) {
      runLog = runOutput.toString();
    }
    Files.writeString(work.resolve("logs/run.log"), runLog, StandardCharsets.UTF_8);
    assertTrue(ended && child.exitValue() == ExitCode.OK, "the sample run " + (ended ? "failed (exit " + child.exitValue() + ")" : "ran over 600s")
        + ":\n" + tail(runLog, 6000));
    runLog.lines().filter(l -> l.contains("completed in")).forEach(l -> System.out.println("[NotebooksIT] " + l));
    run = work.resolve("out/nb").toAbsolutePath();
    runJson = Json.MAPPER.readTree(Files.readString(run.resolve("run.json"), StandardCharsets.UTF_8));
    Result setup = exec(List.of("bash", "notebooks/setup.sh", "--prefix", work.resolve("jupyter").toString()), 600, work.resolve("logs/setup.log"));
    assertEquals(0, setup.exit(), "notebooks/setup.sh failed:\n" + setup.output());
    assertTrue(!setup.output().contains("without distill's start-up fix") && !setup.output().contains("no longer has the API"),
        "notebooks/setup.sh installed the kernel without its start-up fix:\n" + setup.output());
  }

  @TestFactory
  Stream<DynamicTest> everyNotebookRunsHeadless() throws IOException {
    List<String> found;
    try (Stream<Path> files = Files.list(root.resolve("notebooks"))) {
      found = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".ipynb")).map(n -> n.substring(0, n.length() - 6))
          .sorted().toList();
    }
    assertTrue(found.containsAll(NOTEBOOKS), "notebooks/ should hold " + NOTEBOOKS + "; found " + found);
    return found.stream().map(name -> DynamicTest.dynamicTest(name, () -> {
      if (name.equals("compare-with-s1k")) {
        Assumptions.assumeTrue(Files.exists(s1k()), "compare-with-s1k skipped: " + s1k() + " not found (../shared/data, or set DISTILL_DATA)");
      }
      Executed nb = execute(name);
      switch (name) {
        case "explore-pool" -> checkExplorePool(nb);
        case "tune-selection" -> checkTuneSelection(nb);
        case "compare-with-s1k" -> checkCompareWithS1k(nb);
        default -> assertTrue(nb.html().size() + nb.stdout().length() > 0, name + ": shows nothing");
      }
    }));
  }

  /** The funnel printed with the run's own row counts, and one table row per (stage, reason) with run.json's count. */
  void checkExplorePool(Executed nb) {
    Map<String, long[]> expected = new LinkedHashMap<>();
    Map<String, Long> reasons = new TreeMap<>();
    for (JsonNode s : runJson.path("stages")) {
      String stage = s.path("name").asText();
      expected.put(stage, new long[] {s.path("rows_in").asLong(), s.path("rows_out").asLong()});
      // select's not_selected candidates stay in the scored table: they are counted, never written to removed/.
      s.path("removed").properties().stream().filter(e -> !e.getKey().equals(SelectStage.NOT_SELECTED))
          .forEach(e -> reasons.put(stage + " / " + e.getKey(), e.getValue().asLong()));
    }
    assertTrue(expected.size() >= 6 && !reasons.isEmpty(), "the sample run lists its stages and removals in run.json: " + expected.keySet());
    Map<String, long[]> printed = new LinkedHashMap<>();
    Matcher m = Pattern.compile("(?m)^(\\w+)\\s+(\\S+)\\s+->\\s+(\\S+)\\s+removed").matcher(nb.stdout());
    while (m.find()) {
      printed.put(m.group(1), new long[] {digits(m.group(2)), digits(m.group(3))});
    }
    assertEquals(expected.keySet(), printed.keySet(), "explore-pool prints one funnel line per stage of run.json:\n" + nb.stdout());
    expected.forEach((stage, rows) -> assertEquals(List.of(rows[0], rows[1]), List.of(printed.get(stage)[0], printed.get(stage)[1]),
        "explore-pool: rows in -> out of " + stage));
    String table = nb.html().stream().filter(h -> h.contains("<th>stage</th><th>reason</th><th>count</th>")).findFirst()
        .orElseThrow(() -> new AssertionError("explore-pool shows no removed-rows table (stage, reason, count)"));
    Map<String, Long> shown = new TreeMap<>();
    for (List<String> row : tableRows(table)) {
      shown.put(row.get(0) + " / " + row.get(1), Long.parseLong(row.get(2)));
    }
    assertEquals(reasons, shown, "explore-pool: removed rows per stage and reason (read from removed/) vs run.json");
    assertTrue(nb.html().stream().anyMatch(h -> h.contains("<svg") && h.contains("Rows after each stage")), "explore-pool shows the funnel chart inline");
  }

  /**
   * The run's selection as run.json has it, a re-selection of select.size rows from the scored table, two seeds that differ,
   * and the scratch directory gone at the end.
   */
  void checkTuneSelection(Executed nb) {
    long size = runJson.path("config").path("select").path("size").asLong();
    String strategy = runJson.path("config").path("select").path("strategy").asText();
    long candidates = stage("domains").path("rows_out").asLong();
    long selected = stage("select").path("rows_out").asLong();
    assertEquals(Math.min(size, candidates), selected, "the sample run selects select.size rows");
    Matcher base = find(nb, "the run's selection: (\\d+) rows, strategy (\\w+)");
    assertEquals(List.of(String.valueOf(selected), strategy), List.of(base.group(1), base.group(2)), "tune-selection: the run's selection");
    Matcher alt = find(nb, "(\\w+): (\\d+) of (\\d+) candidates in [\\d.,]+s; (\\d+) rows shared with the run's selection");
    assertEquals(List.of(selected, candidates), List.of(Long.parseLong(alt.group(2)), Long.parseLong(alt.group(3))),
        "tune-selection: the " + alt.group(1) + " re-selection picks select.size rows of the scored table (stages/domains)");
    long shared = Long.parseLong(alt.group(4));
    assertTrue(shared >= 0 && shared <= selected, "tune-selection: overlap with the run's selection within [0, " + selected + "]: " + shared);
    Matcher seeds = find(nb, "random seed 1 vs seed 2: (\\d+) of (\\d+) rows shared; seed 1 vs the run's selection: (\\d+)");
    long seedShared = Long.parseLong(seeds.group(1));
    assertEquals(selected, Long.parseLong(seeds.group(2)), "tune-selection: each random re-selection has select.size rows");
    assertTrue(seedShared < selected, "tune-selection: random selections with seeds 1 and 2 differ (" + seedShared + " of " + selected + " shared)");
    assertTrue(nb.html().stream().anyMatch(h -> h.contains("<svg") && h.contains("Rows per domain")), "tune-selection shows the domain chart inline");
    assertTrue(Files.notExists(Path.of(find(nb, "deleted (\\S+): (true|false)").group(1))), "tune-selection deletes its scratch re-selections");
  }

  /** s1K's size and its overlap with the run's pool, scored table and selection, recomputed here by content id. */
  void checkCompareWithS1k(Executed nb) throws IOException {
    Set<String> s1kIds = new HashSet<>();
    List<String> s1kList = new ArrayList<>();
    for (JsonNode q : Json.MAPPER.readTree(s1k().toFile())) {
      s1kList.add(ContentId.of(q.path("problem").asText()));
    }
    s1kIds.addAll(s1kList);
    Map<String, Long> expected = new LinkedHashMap<>();
    expected.put("s1K questions", (long) s1kList.size());
    withSpark(spark -> {
      expected.put("in our pool", matches(s1kList, ids(spark, run.resolve("stages/ingest"))));
      expected.put("survived filters", matches(s1kList, ids(spark, run.resolve("stages/domains"))));
      expected.put("selected", matches(s1kList, ids(spark, run.resolve("selection"))));
    });
    Map<String, Long> printed = new LinkedHashMap<>();
    for (String label : expected.keySet()) {
      printed.put(label, digits(find(nb, "(?m)^" + Pattern.quote(label) + "\\s+(\\S+)$").group(1)));
    }
    assertEquals(expected, printed, "compare-with-s1k: s1K along the run's funnel (" + s1kIds.size() + " distinct s1K ids)");
    assertTrue(nb.html().stream().anyMatch(h -> h.contains("<svg") && h.contains("s1K questions along our funnel")),
        "compare-with-s1k shows its chart inline");
  }

  // ---------------------------------------------------------------------------------------------
  // Running nbconvert

  /** One executed notebook: its code cells' stdout and HTML outputs. */
  record Executed(String stdout, List<String> html) {}

  record Result(int exit, String output, Path log) {}

  Executed execute(String name) throws Exception {
    Path executed = work.resolve("executed");
    List<String> command = List.of("jupyter", "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=" + CELL_TIMEOUT_S,
        "--ExecutePreprocessor.startup_timeout=" + STARTUP_TIMEOUT_S, "--output-dir", executed.toString(), "notebooks/" + name + ".ipynb");
    Result r = null;
    for (int start = 1; start <= STARTS; start++) {
      long t0 = System.nanoTime();
      r = exec(command, NBCONVERT_TIMEOUT_S, work.resolve("logs/" + name + "-" + start + ".log"));
      System.out.printf("[NotebooksIT] %s: start %d, nbconvert exit %d in %.0fs (log %s)%n", name, start, r.exit(), (System.nanoTime() - t0) / 1e9,
          r.log());
      if (r.exit() == 0 || !r.output().contains(NO_ANSWER)) {
        break;
      }
      System.out.printf("[NotebooksIT] %s: the kernel did not answer within %ds of its start (start %d of %d)%s%n", name, STARTUP_TIMEOUT_S, start,
          STARTS, start < STARTS ? "; starting it again" : "");
    }
    if (r.exit() != 0) {
      fail(failure(name, r));
    }
    JsonNode nb = Json.MAPPER.readTree(executed.resolve(name + ".ipynb").toFile());
    StringBuilder stdout = new StringBuilder();
    List<String> html = new ArrayList<>();
    int index = 0;
    for (JsonNode cell : nb.path("cells")) {
      if (cell.path("cell_type").asText().equals("code")) {
        assertTrue(cell.path("execution_count").isNumber(), name + ".ipynb cell " + index + " did not run");
        for (JsonNode output : cell.path("outputs")) {
          assertTrue(!output.path("output_type").asText().equals("error"), name + ".ipynb cell " + index + " failed: " + output);
          if (output.path("name").asText().equals("stdout")) {
            stdout.append(text(output.path("text")));
          }
          if (output.path("data").has("text/html")) {
            html.add(text(output.path("data").path("text/html")));
          }
        }
      }
      index++;
    }
    return new Executed(stdout.toString(), html);
  }

  /** Which cell failed and how, from nbclient's message (it quotes the cell's source), else the end of the log. */
  String failure(String name, Result r) throws IOException {
    String out = r.output();
    if (r.exit() == -1) {
      return name + ".ipynb: nbconvert still running after " + NBCONVERT_TIMEOUT_S + "s, killed (log " + r.log() + "):\n" + tail(out, 4000);
    }
    if (out.contains(NO_ANSWER)) {
      return name + ".ipynb: the kernel did not answer at start-up in " + STARTS + " starts (" + STARTUP_TIMEOUT_S + "s each); logs "
          + work.resolve("logs") + ":\n" + tail(out, 4000);
    }
    int at = Math.max(out.indexOf("An error occurred while executing the following cell:"), out.indexOf("A cell timed out while it was being executed"));
    if (at < 0) {
      return name + ".ipynb: nbconvert failed (exit " + r.exit() + ", log " + r.log() + "):\n" + tail(out, 6000);
    }
    String report = out.substring(at);
    JsonNode cells = Json.MAPPER.readTree(root.resolve("notebooks/" + name + ".ipynb").toFile()).path("cells");
    String cell = "a cell";
    for (int i = 0; i < cells.size(); i++) {
      String source = text(cells.get(i).path("source")).strip();
      String firstLine = source.lines().findFirst().orElse("");
      if (cells.get(i).path("cell_type").asText().equals("code") && !firstLine.isBlank() && report.contains(firstLine)) {
        cell = "cell " + i;
        if (report.contains(source)) {
          break;
        }
      }
    }
    return name + ".ipynb: " + cell + " failed (log " + r.log() + "):\n" + (report.length() > 6000 ? report.substring(0, 6000) + "\n..." : report);
  }

  Result exec(List<String> command, long seconds, Path log) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
    Path jupyter = work.resolve("jupyter");
    pb.environment().put("JUPYTER_PATH", jupyter.resolve("share/jupyter").toString());
    pb.environment().put("JUPYTER_DATA_DIR", jupyter.resolve("data").toString());
    pb.environment().put("JUPYTER_RUNTIME_DIR", jupyter.resolve("runtime").toString());
    pb.environment().put("JUPYTER_CONFIG_DIR", jupyter.resolve("config").toString());
    pb.environment().put("IPYTHONDIR", jupyter.resolve("ipython").toString());
    pb.environment().put("DISTILL_RUN", run == null ? "" : run.toString());
    pb.environment().put("DISTILL_DATA", SharedPaths.dataRoot().toString());
    pb.environment().put("DISTILL_NOTEBOOK_XMX", "2g");
    pb.environment().put("DISTILL_NOTEBOOK_JAVA_OPTS", QUICK_JVM);
    Process p = pb.start();
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
      return new Result(-1, Files.readString(log, StandardCharsets.UTF_8), log);
    }
    return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8), log);
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  Path s1k() {
    return SharedPaths.dataRoot().resolve("reference/s1k_questions_solutions.json");
  }

  JsonNode stage(String name) {
    for (JsonNode s : runJson.path("stages")) {
      if (s.path("name").asText().equals(name)) {
        return s;
      }
    }
    throw new AssertionError("run.json has no stage " + name);
  }

  static Matcher find(Executed nb, String regex) {
    Matcher m = Pattern.compile(regex).matcher(nb.stdout());
    assertTrue(m.find(), "the notebook printed no line matching " + regex + "; it printed:\n" + nb.stdout());
    return m;
  }

  /** The body rows of a {@link Notebooks#table} as lists of cell texts. */
  static List<List<String>> tableRows(String html) {
    List<List<String>> rows = new ArrayList<>();
    String body = html.substring(html.indexOf("<tbody>"));
    Matcher row = Pattern.compile("<tr>(.*?)</tr>").matcher(body);
    while (row.find()) {
      List<String> cells = new ArrayList<>();
      Matcher cell = Pattern.compile("<td[^>]*>(.*?)</td>").matcher(row.group(1));
      while (cell.find()) {
        cells.add(cell.group(1));
      }
      rows.add(cells);
    }
    return rows;
  }

  /** A number as printed with grouping (3,000 or 3.000 or 3 000): its digits. */
  static long digits(String s) {
    String d = s.replaceAll("\\D", "");
    assertTrue(!d.isEmpty(), "not a number: " + s);
    return Long.parseLong(d);
  }

  /** A notebook text field: one string or a list of lines. */
  static String text(JsonNode node) {
    if (node.isArray()) {
      StringBuilder b = new StringBuilder();
      node.forEach(line -> b.append(line.asText()));
      return b.toString();
    }
    return node.asText();
  }

  static long matches(List<String> s1kIds, Set<String> runIds) {
    return s1kIds.stream().filter(runIds::contains).count();
  }

  static Set<String> ids(SparkSession spark, Path parquet) {
    Set<String> out = new HashSet<>();
    for (Row r : spark.read().parquet(parquet.toString()).select("id").collectAsList()) {
      out.add(r.getString(0));
    }
    return out;
  }

  interface SparkWork {
    void run(SparkSession spark) throws IOException;
  }

  /** Runs {@code work} on the session already open in this JVM, else on a new one, stopped after. */
  static void withSpark(SparkWork work) throws IOException {
    boolean own = SparkSession.getDefaultSession().isEmpty() && SparkSession.getActiveSession().isEmpty();
    SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
    assertNotNull(spark);
    try {
      work.run(spark);
    } finally {
      if (own) {
        spark.stop();
      }
    }
  }

  static boolean works(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
      return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (Stream<Path> paths = Files.walk(dir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  static String tail(String s, int chars) {
    return s.length() <= chars ? s : "..." + s.substring(s.length() - chars);
  }
}
