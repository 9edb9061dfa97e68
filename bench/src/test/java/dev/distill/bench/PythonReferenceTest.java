package dev.distill.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.distill.job.conf.ConfigLoader;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.io.Console;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bench/python/s1_reference.py on a tiny pool written here, through the spec the bench writes from a pipeline config. */
class PythonReferenceTest {
  private static final String EVAL = "Find the number of ordered pairs of positive integers whose product is exactly two thousand";

  @Test
  void removesThePlantedOverlapAndDuplicateAndCountsEveryPhase(@TempDir Path dir) throws Exception {
    assumeTrue(python3(), "python3 is not on PATH: the s1-style reference is not tested (install Python 3.9 or later)");
    Files.writeString(dir.resolve("a.jsonl"), String.join("\n",
        "{\"problem\": \"What is the sum of the first ten positive odd integers, written in base ten?\"}",
        "{\"problem\": \"what is  the SUM of the first ten positive odd integers,\\nwritten in base ten?\"}",
        // shares the 8-gram "number of ordered pairs of positive integers whose product" with the eval question; U+2028 inside
        // a JSON string does not end its line
        "{\"problem\": \"Compute the number of ordered pairs of positive integers whose product is 720.\u2028Show why.\"}",
        "{\"answer\": \"7\"}",
        ""));
    Files.writeString(dir.resolve("b.json"), "{\"keywords\": [\"x\"], \"example\": [{\"question\": \"Solve x + 1 = 2.\"}, "
        + "{\"question\": \"How many primes are below one hundred and how many of them are odd?\"}]}");
    Files.writeString(dir.resolve("eval.jsonl"), "{\"problem\": \"" + EVAL + "\"}\n");
    Path config = dir.resolve("pool.yaml");
    Files.writeString(config, String.join("\n",
        "sources:",
        "  - {name: a, path: " + dir.resolve("a.jsonl") + ", fields: {question: problem}}",
        "  - {name: b, path: " + dir.resolve("b.json") + ", records: example, fields: {question: \"{question} {hint}\"}}",
        "decontam:",
        "  eval_sets:",
        "    - {name: tiny-eval, path: " + dir.resolve("eval.jsonl") + ", question: problem}",
        ""));
    PipelineConfig pipeline = PipelineConfig.from(new ConfigLoader(Map.of()).load(config, List.of()));
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    Map<String, Object> f = PythonReference.onConfig("python3", pipeline, new Configuration(), dir.resolve("spec.json"),
        new Console(new PrintStream(printed, true, StandardCharsets.UTF_8)));

    assertEquals(true, f.get("ran"), f.toString());
    assertEquals(6, ((Number) f.get("rows_read")).intValue(), f.toString());
    assertEquals(3, ((Number) f.get("rows_out")).intValue(), f.toString());
    long[] removed = new long[3];
    List<String> phases = List.of("read", "decontam", "dedup");
    for (int i = 0; i < phases.size(); i++) {
      Map<String, Object> p = PythonReference.phase(f, phases.get(i));
      assertNotNull(p, phases.get(i) + " in " + f);
      assertTrue(((Number) p.get("seconds")).doubleValue() >= 0, p.toString());
      removed[i] = ((Number) p.get("removed")).longValue();
    }
    // the row without a question, the eval overlap, the exact duplicate (case and spacing differ)
    assertEquals(List.of(1L, 1L, 1L), List.of(removed[0], removed[1], removed[2]), f.toString());
    assertEquals(1, ((Number) PythonReference.phase(f, "decontam").get("eval_questions")).intValue());
    assertTrue(((Number) f.get("total_seconds")).doubleValue() <= ((Number) f.get("wall_seconds")).doubleValue(), f.toString());
    assertTrue(String.valueOf(f.get("python")).startsWith("3."), f.toString());
    String spec = Files.readString(dir.resolve("spec.json"));
    assertTrue(spec.contains("\"approximated\" : \"template '{question} {hint}': its first field 'question' only\""), spec);
    assertTrue(printed.toString(StandardCharsets.UTF_8).contains("reference: 6 rows read, 3 out"), printed.toString(StandardCharsets.UTF_8));
  }

  @Test
  void aMissingInterpreterIsReportedNotThrown(@TempDir Path dir) throws Exception {
    Path spec = ReferenceSpec.write(Map.of("sources", List.of(), "eval_sets", List.of()), dir.resolve("spec.json"));
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    Map<String, Object> f = PythonReference.run(dir.resolve("no-such-python").toString(), spec,
        new Console(new PrintStream(printed, true, StandardCharsets.UTF_8)));
    assertEquals(false, f.get("ran"));
    String why = String.valueOf(f.get("why"));
    assertTrue(why.startsWith("not run: cannot start " + dir.resolve("no-such-python")) && why.contains("--python PATH"), why);
    assertTrue(printed.toString(StandardCharsets.UTF_8).contains("reference: " + why), printed.toString(StandardCharsets.UTF_8));
    assertTrue(ReferenceComparison.of(List.of(), "x", 1, f, "total_seconds").isEmpty());
  }

  @Test
  void comparesStagesWithPhasesAndStatesTheTarget() {
    Map<String, Object> ref = Map.of("ran", true, "total_seconds", 4.0, "wall_seconds", 4.0, "phases", List.of(
        Map.of("phase", "read", "seconds", 1.0, "removed", 0), Map.of("phase", "decontam", "seconds", 2.0, "removed", 500),
        Map.of("phase", "dedup", "seconds", 0.5, "removed", 5000)));
    List<Map<String, Object>> stages = List.of(Map.of("stage", "ingest", "seconds", 20.0, "rows_in", 100, "rows_out", 100),
        Map.of("stage", "decontam", "seconds", 10.0, "rows_in", 100, "rows_out", 40),
        Map.of("stage", "dedup", "seconds", 5.0, "rows_in", 40, "rows_out", 30));
    List<Map<String, Object>> rows = ReferenceComparison.of(stages, "run + report", 36.0, ref, "wall_seconds");
    assertEquals(List.of("ingest", "decontam", "dedup", "run + report"), rows.stream().map(r -> r.get("distill")).toList());
    assertEquals(List.of(20.0, 5.0, 10.0, 9.0), rows.stream().map(r -> ((Number) r.get("ratio")).doubleValue()).toList());
    assertEquals(60L, rows.get(1).get("distill_removed"));
    assertEquals(500L, rows.get(1).get("reference_removed"));
    assertEquals("MISS", ReferenceComparison.verdict(9.0));
    assertEquals("PASS", ReferenceComparison.verdict(8.0));
  }

  private static boolean python3() {
    try {
      Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
      return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (Exception e) {
      return false;
    }
  }
}
