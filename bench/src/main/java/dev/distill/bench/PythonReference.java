package dev.distill.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.error.ConfigException;
import dev.distill.job.io.Console;
import dev.distill.job.io.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/**
 * Runs {@code bench/python/s1_reference.py} (the single-threaded, standard-library, s1-style
 * read / 8-gram decontamination / exact dedup) as a child process on a {@link ReferenceSpec} and
 * returns its figures: the script's JSON line, plus {@code wall_seconds} of the whole child
 * (interpreter start included). Where the interpreter is missing or the script fails, the figures
 * say so ({@code ran: false, why}) and a line is printed: the bench goes on without the reference.
 */
final class PythonReference {
  static final String SCRIPT = "bench/python/s1_reference.py";

  private PythonReference() {}

  /**
   * The reference on {@code pipeline}'s sources and eval sets: the {@link ReferenceSpec} written to
   * {@code specFile}, then {@link #run}. A config the reference cannot read (Parquet, zip, s3a) gives figures saying why.
   */
  static Map<String, Object> onConfig(String python, PipelineConfig pipeline, Configuration hadoop, Path specFile, Console console) {
    if (python == null || python.isBlank()) {
      return run(python, specFile, console);
    }
    try {
      return run(python, ReferenceSpec.write(ReferenceSpec.of(pipeline, hadoop), specFile), console);
    } catch (ConfigException e) {
      return notRun("not run: " + e.getMessage(), console);
    }
  }

  /** The reference's figures on {@code spec}; {@code python} blank: not run. */
  static Map<String, Object> run(String python, Path spec, Console console) {
    if (python == null || python.isBlank()) {
      return notRun("not run (--python '')", console);
    }
    Path script = BenchHome.root().resolve(SCRIPT);
    if (!Files.isRegularFile(script)) {
      return notRun("not run: " + script + " is missing (the bench looks for it under the repository root, " + BenchHome.root()
          + "; set -Ddistill.home=DIR to the checkout)", console);
    }
    console.info("reference: " + python + " " + SCRIPT + " (s1-style, one thread) on " + spec);
    Path err = spec.resolveSibling(spec.getFileName() + ".stderr");
    Process child;
    long start = System.nanoTime();
    try {
      child = new ProcessBuilder(python, script.toString(), spec.toString()).redirectError(err.toFile()).start();
    } catch (IOException e) {
      return notRun("not run: cannot start " + python + " (" + e.getMessage() + "); install Python 3.9 or later, or pass "
          + "--python PATH to its interpreter (--python '' skips the reference)", console);
    }
    try {
      child.getOutputStream().close();
      String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int rc = child.waitFor();
      double wall = (System.nanoTime() - start) / 1e9;
      String line = lastJsonLine(out);
      if (rc != 0 || line == null) {
        return notRun(String.format(Locale.ROOT, "failed: %s exited %d: %s", python, rc, tail(err)), console);
      }
      Map<String, Object> figures = new LinkedHashMap<>(Json.MAPPER.readValue(line, new TypeReference<Map<String, Object>>() {}));
      figures.put("ran", true);
      figures.put("interpreter", python);
      figures.put("wall_seconds", Peers.round(wall, 3));
      console.info(String.format(Locale.ROOT, "reference: %,d rows read, %,d out, %.2fs (%.2fs with the interpreter's start)",
          ((Number) figures.get("rows_read")).longValue(), ((Number) figures.get("rows_out")).longValue(),
          ((Number) figures.get("total_seconds")).doubleValue(), wall));
      return figures;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the output of " + python + " " + script + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      child.destroy();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while the Python reference ran", e);
    }
  }

  /** The reference's phase {@code name} ({@code read}, {@code decontam}, {@code dedup}), or null. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> phase(Map<String, Object> reference, String name) {
    Object phases = reference.get("phases");
    if (phases instanceof List<?> list) {
      for (Object p : list) {
        if (p instanceof Map<?, ?> m && name.equals(m.get("phase"))) {
          return (Map<String, Object>) m;
        }
      }
    }
    return null;
  }

  private static Map<String, Object> notRun(String why, Console console) {
    console.info("reference: " + why);
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("ran", false);
    figures.put("why", why);
    return figures;
  }

  private static String lastJsonLine(String out) {
    String last = null;
    for (String line : out.split("\n")) {
      if (line.startsWith("{")) {
        last = line;
      }
    }
    return last;
  }

  private static String tail(Path err) {
    try {
      String text = Files.readString(err, StandardCharsets.UTF_8).strip();
      return text.isEmpty() ? "(nothing on standard error)" : text.substring(Math.max(0, text.length() - 2000));
    } catch (IOException e) {
      return "(standard error unreadable: " + e.getMessage() + ")";
    }
  }
}
