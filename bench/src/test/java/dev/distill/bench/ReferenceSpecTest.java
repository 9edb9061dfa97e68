package dev.distill.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.distill.job.SharedPaths;
import dev.distill.job.conf.ConfigLoader;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.source.EvalSetSpec;
import dev.distill.job.source.SourceSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/** The Python reference's spec written from conf/public-pool.yaml: every source and eval set of the config, with its files. */
class ReferenceSpecTest {

  @Test
  @SuppressWarnings("unchecked")
  void namesEverySourceAndEvalSetOfThePublicPoolConfig() {
    Path data = SharedPaths.dataRoot();
    assumeTrue(Files.isDirectory(data.resolve("pool")), "no shared data at " + data + ": the public pool's reference spec is not checked");
    PipelineConfig config = PipelineConfig.from(new ConfigLoader(Map.of("DISTILL_DATA", data.toString()))
        .load(SharedPaths.repoRoot().resolve("conf/public-pool.yaml"), List.of()));
    Map<String, Object> spec = ReferenceSpec.of(config, new Configuration());

    List<Map<String, Object>> sources = (List<Map<String, Object>>) spec.get("sources");
    assertEquals(config.sources().stream().map(SourceSpec::name).toList(), sources.stream().map(s -> s.get("name")).toList());
    List<Map<String, Object>> evals = (List<Map<String, Object>>) spec.get("eval_sets");
    assertEquals(config.decontam().evalSets().stream().map(EvalSetSpec::name).toList(), evals.stream().map(s -> s.get("name")).toList());
    assertEquals(config.decontam().ngram(), spec.get("ngram"));
    List<String> approximated = new ArrayList<>();
    for (Map<String, Object> s : concat(sources, evals)) {
      List<String> files = (List<String>) s.get("files");
      assertFalse(files.isEmpty(), s.toString());
      files.forEach(f -> assertTrue(Path.of(f).isAbsolute() && Files.isRegularFile(Path.of(f)), f + " of " + s.get("name")));
      assertFalse(String.valueOf(s.get("question")).isBlank(), s.toString());
      if (s.containsKey("approximated")) {
        approximated.add((String) s.get("name"));
      }
    }
    // the two templates ("{body} {question}", "{Body} {Question}"); every other question is one plain field
    assertEquals(List.of("qwen_math_evals/asdiv", "qwen_math_evals/svamp"), approximated);
    Map<String, Object> scibench = sources.stream().filter(s -> s.get("name").equals("scibench/atkins")).findFirst().orElseThrow();
    assertEquals(2, ((List<String>) scibench.get("files")).size(), "both files of a source with a list of paths");
    Map<String, Object> agieval = sources.stream().filter(s -> s.get("name").equals("agieval/sat-en")).findFirst().orElseThrow();
    assertEquals(List.of("passage", "options"), agieval.get("distill_adds"));
  }

  private static List<Map<String, Object>> concat(List<Map<String, Object>> a, List<Map<String, Object>> b) {
    List<Map<String, Object>> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
