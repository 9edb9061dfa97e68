package dev.distill.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.SharedPaths;
import dev.distill.job.conf.ConfigLoader;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.error.ExitCode;
import dev.distill.job.io.Json;
import dev.distill.job.run.Plan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A small {@code bin/distill bench} through its command line ({@link BenchMain}): every stage's figures and both peers' figures are there and sane. */
class BenchIT {

  @Test
  void smallBenchReportsEveryStageAndBothPeers(@TempDir Path out) throws Exception {
    Path tokenizer = SharedPaths.qwenTokenizer();
    List<String> args = new ArrayList<>(List.of("--size", "1500", "--output", out.toString(), "--token-sample-mb", "2",
        "--tokenizer", Files.isRegularFile(tokenizer) ? tokenizer.toString() : "",
        "--set", "spark.master=local[2]", "--set", "run.partitions=2", "--set", "spark.conf={spark.ui.enabled: 'false'}"));
    assertEquals(ExitCode.OK, BenchMain.run(args.toArray(new String[0])));

    Path json;
    try (Stream<Path> files = Files.list(out.resolve("results"))) {
      json = files.filter(p -> p.toString().endsWith(".json")).findFirst().orElseThrow();
    }
    JsonNode f = Json.MAPPER.readTree(json.toFile());
    assertEquals(1500, f.path("size").asInt());
    List<String> stages = new ArrayList<>();
    for (JsonNode s : f.path("stages")) {
      stages.add(s.path("stage").asText());
      assertTrue(s.path("seconds").asDouble() > 0, s.toString());
      assertTrue(s.path("rows_in").asLong() >= s.path("rows_out").asLong() && s.path("rows_out").asLong() > 0, s.toString());
      assertTrue(s.path("rows_per_s").asLong() > 0 && s.path("mb_per_s").asDouble() > 0, s.toString());
      assertTrue(s.path("peak_heap_used_bytes").asLong() > 1 << 20, s.toString());
      if (Files.isReadable(Path.of("/proc/self/status"))) {
        assertTrue(s.path("peak_rss_bytes").asLong() >= s.path("peak_heap_after_gc_bytes").asLong(), s.toString());
        assertTrue(s.path("peak_rss_bytes").asLong() > 50 << 20, s.toString());
      }
    }
    assertEquals(Plan.of(PipelineConfig.from(ConfigLoader.defaults()), null).names(), stages, "every step of the plan, timed");
    assertEquals(1500, f.path("stages").get(0).path("rows_in").asLong());
    // the planted contaminated items and duplicates are removed where they should be
    JsonNode planted = f.path("pool").path("planted");
    assertTrue(planted.path("near").asInt() > 20, planted.toString());
    // Difficulty tokenises the traces of the rows the hard filter keeps (about 40%), ~3,600 tokens each.
    long unsolved = f.path("stages").get(4).path("rows_out").asLong();
    assertTrue(unsolved > 300 && f.path("trace_tokens").asLong() > unsolved * 2500, "~3,600 tokens a trace: " + f.path("trace_tokens")
        + " over " + unsolved + " rows kept by difficulty");

    JsonNode near = f.path("near_duplicates");
    assertTrue(near.path("distill").path("seconds").asDouble() > 0 && near.path("mllib").path("seconds").asDouble() > 0, near.toString());
    assertEquals(near.path("distill").path("planted_pairs").asInt(), near.path("mllib").path("planted_pairs").asInt());
    assertTrue(near.path("distill").path("recall").asDouble() >= 0.9, near.toString());
    assertTrue(near.path("mllib").path("recall").asDouble() >= 0.9, near.toString());

    if (Files.isRegularFile(tokenizer)) {
      JsonNode tokens = f.path("tokens");
      assertTrue(tokens.path("sample_tokens").asLong() > 100_000, tokens.toString());
      assertTrue(tokens.path("native_djl_encode_1_thread_tokens_per_s").asLong() > 0, tokens.toString());
      assertTrue(tokens.path("spark_per_core_vs_native").asDouble() > 0, tokens.toString());
      assertTrue(tokens.path("difficulty_stage_trace_tokens_per_s").asLong() > 0, tokens.toString());
    } else {
      System.out.println("BenchIT: no Qwen tokenizer at " + tokenizer + ": token peer not checked");
    }
    JsonNode reference = f.path("python_reference");
    if (reference.path("ran").asBoolean()) {
      // the reference reads the same 1,500 rows and removes the planted eval copies and exact copies too
      assertEquals(1500, reference.path("rows_read").asLong(), reference.toString());
      assertTrue(reference.path("phases").get(1).path("removed").asLong() > 0 && reference.path("phases").get(2).path("removed").asLong() > 0,
          reference.toString());
      List<String> compared = new ArrayList<>();
      f.path("reference_comparison").forEach(r -> compared.add(r.path("distill").asText() + "/" + r.path("reference").asText()));
      assertEquals(List.of("ingest/read", "decontam/decontam", "dedup/dedup", "pipeline (in this JVM)/whole script"), compared);
    } else {
      System.out.println("BenchIT: the Python reference did not run (" + reference.path("why").asText() + "): not checked");
    }
    String md = Files.readString(out.resolve("RESULTS.md"));
    assertTrue(md.contains("## 1,500 candidates") && md.contains("| difficulty |") && md.contains("MLlib MinHashLSH"), md);
    assertTrue(Files.readString(out.resolve("RESULTS.md")).contains("Summary: bench 1,500 candidates"), md);
  }
}
