package dev.distill.job.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.SharedPaths;
import dev.distill.job.cli.Main;
import dev.distill.job.run.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Executes every notebook of notebooks/ headless ({@code jupyter nbconvert --to notebook --execute})
 * on a small sample run, with the kernel notebooks/setup.sh installs, and fails on any cell error.
 * The Java kernel occasionally does not answer at start-up: such a start is retried. Skipped, with
 * the install command, where jupyter is missing. Opt-in for now: {@code -Ddistill.notebooks.it=true}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NotebooksIT {
  static final int ATTEMPTS = 5;
  static final String STARTUP_HANG = "Kernel didn't respond";

  Path root;
  Path tmp;
  Path run;

  @BeforeAll
  void sampleRunAndKernel() throws Exception {
    Assumptions.assumeTrue(Boolean.getBoolean("distill.notebooks.it"), "NotebooksIT skipped: opt-in (-Ddistill.notebooks.it=true) "
        + "until the kernel's start-up hang is understood (it can miss several starts in a row on a loaded machine)");
    Assumptions.assumeTrue(jupyterWorks(), "NotebooksIT skipped: jupyter nbconvert is not installed; "
        + "apt-get install -y jupyter-nbconvert jupyter-client python3-ipykernel python3-nbclient");
    root = SharedPaths.repoRoot();
    tmp = Files.createTempDirectory("distill-notebooks-it");
    assertEquals(Main.OK, Main.run(new String[] {"run", "--output", tmp.resolve("out").toString(), "--run-id", "nb", "--set",
        "sample_pool.rows=3000", "--set", "select.size=300", "--set", "spark.master=local[2]", "--set", "spark.conf={spark.ui.enabled: 'false'}"}));
    run = tmp.resolve("out/nb");
    Result setup = exec(List.of("bash", "notebooks/setup.sh", "--prefix", tmp.resolve("jupyter").toString()), 600);
    assertEquals(0, setup.exit(), "notebooks/setup.sh failed:\n" + setup.output());
  }

  @AfterAll
  void delete() throws IOException {
    if (tmp != null) {
      try (java.util.stream.Stream<Path> paths = Files.walk(tmp)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"explore-pool", "tune-selection", "compare-with-s1k"})
  void notebookRunsWithoutACellError(String name) throws Exception {
    Path outDir = tmp.resolve("executed");
    List<String> command = List.of("jupyter", "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=500",
        "--ExecutePreprocessor.startup_timeout=45", "--output-dir", outDir.toString(), "notebooks/" + name + ".ipynb");
    Result r = null;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      r = exec(command, 600);
      if (r.exit() == 0 || !r.output().contains(STARTUP_HANG)) {
        break;
      }
      System.out.println("[NotebooksIT] " + name + ": the kernel did not answer at start-up (attempt " + attempt + "), starting it again");
    }
    if (r.exit() != 0) {
      fail(name + ".ipynb failed (exit " + r.exit() + "):\n" + tail(r.output(), 6000));
    }
    JsonNode executed = Json.MAPPER.readTree(Files.readString(outDir.resolve(name + ".ipynb"), StandardCharsets.UTF_8));
    int html = 0;
    for (JsonNode cell : executed.path("cells")) {
      for (JsonNode output : cell.path("outputs")) {
        assertTrue(!"error".equals(output.path("output_type").asText()), name + ": cell error " + output);
        if (output.path("data").has("text/html")) {
          html++;
        }
      }
    }
    assertTrue(html >= 2, name + ": tables and charts are displayed inline (" + html + " HTML outputs)");
  }

  record Result(int exit, String output) {}

  Result exec(List<String> command, long seconds) throws Exception {
    Path log = Files.createTempFile("distill-nb", ".log");
    ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("JUPYTER_PATH", tmp.resolve("jupyter/share/jupyter").toString());
    pb.environment().put("DISTILL_RUN", run == null ? "" : run.toString());
    pb.environment().put("DISTILL_NOTEBOOK_XMX", "2g");
    Process p = pb.start();
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      return new Result(-1, "timed out after " + seconds + "s\n" + Files.readString(log));
    }
    String output = Files.readString(log);
    Files.delete(log);
    return new Result(p.exitValue(), output);
  }

  static boolean jupyterWorks() {
    try {
      Process p = new ProcessBuilder("jupyter", "nbconvert", "--version").redirectErrorStream(true).start();
      return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  static String tail(String s, int chars) {
    return s.length() <= chars ? s : s.substring(s.length() - chars);
  }

}
