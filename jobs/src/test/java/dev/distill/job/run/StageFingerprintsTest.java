package dev.distill.job.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.io.StageResult;
import dev.distill.job.conf.ConfigLoader;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.io.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StageFingerprintsTest {
  static final List<String> STAGES = Plan.of(PipelineConfig.from(ConfigLoader.defaults()), null).names();
  @TempDir Path tmp;

  private StageFingerprints fingerprints(String... sets) throws Exception {
    Path source = tmp.resolve("pool.jsonl");
    if (!Files.exists(source)) {
      Files.writeString(source, "{\"problem\": \"1+1?\", \"answer\": \"2\"}\n");
    }
    List<String> all = new ArrayList<>(List.of("sources=[{name: p, path: '" + source + "', format: jsonl, fields: {question: problem, answer: answer}}]"));
    all.addAll(List.of(sets));
    PipelineConfig config = PipelineConfig.from(new ConfigLoader(Map.of()).load(null, all));
    return new StageFingerprints(config.tree(), config, Plan.of(config, null), new Configuration());
  }

  private Map<String, String> chain(String... sets) throws Exception {
    StageFingerprints fingerprints = fingerprints(sets);
    Map<String, String> chain = new LinkedHashMap<>();
    String previous = null;
    for (String stage : STAGES) {
      previous = fingerprints.of(stage, previous);
      chain.put(stage, previous);
    }
    return chain;
  }

  @Test
  void sameConfigAndInputsGiveTheSameFingerprints() throws Exception {
    assertEquals(chain(), chain());
    assertEquals(8, chain().values().stream().distinct().count());
  }

  @Test
  void whereAndHowARunGoesChangesNothing() throws Exception {
    assertEquals(chain(), chain("run.output=/elsewhere", "run.partitions=13", "spark.master=spark://h:7077", "run.run_id=x"));
  }

  @Test
  void aLaterSectionChangesOnlyItsStageAndTheOnesAfter() throws Exception {
    Map<String, String> before = chain();
    Map<String, String> after = chain("select.seed=7");
    for (String stage : STAGES) {
      boolean changed = stage.equals("select") || stage.equals("export");
      assertEquals(changed, !before.get(stage).equals(after.get(stage)), stage);
    }
    Map<String, String> dedup = chain("dedup.threshold=0.7");
    assertEquals(before.get("decontam"), dedup.get("decontam"));
    assertNotEquals(before.get("dedup"), dedup.get("dedup"));
    assertNotEquals(before.get("export"), dedup.get("export"), "later stages chain to the changed one");
  }

  @Test
  void aChangedInputFileChangesEveryStage() throws Exception {
    Map<String, String> before = chain();
    Path source = tmp.resolve("pool.jsonl");
    Files.setLastModifiedTime(source, FileTime.fromMillis(Files.getLastModifiedTime(source).toMillis() - 60_000));
    Map<String, String> touched = chain();
    for (String stage : STAGES) {
      assertNotEquals(before.get(stage), touched.get(stage), stage);
    }
  }

  @Test
  void aCommitIsReusedOnlyWithItsFingerprintAndEveryOutput() throws Exception {
    RunDirectory run = new RunDirectory(tmp.resolve("run").toString(), new Configuration());
    StageCommits commits = new StageCommits(run);
    String output = run.stage("dedup") + "/_SUCCESS";
    run.writeString(output, "");
    commits.commit("dedup", "abc", "own-abc", new StageResult("dedup", 10, 7, Map.of("near_duplicate", 3L), 1.5, Map.of("clusters", 2)), Map.of());
    assertTrue(commits.reusable("dedup", "abc", List.of(output)).isPresent());
    StageResult r = StageCommits.result(commits.reusable("dedup", "abc", List.of(output)).orElseThrow());
    assertEquals(List.of(10L, 7L, 3L), List.of(r.rowsIn(), r.rowsOut(), r.removed().get("near_duplicate")));
    assertEquals(2, ((Number) r.extra().get("clusters")).intValue());
    assertEquals("own-abc", commits.read("dedup").get("own_fingerprint"));
    assertTrue(commits.reusable("dedup", "other", List.of(output)).isEmpty(), "another fingerprint");
    assertTrue(commits.reusable("dedup", "abc", List.of(output, run.removed("dedup") + "/_SUCCESS")).isEmpty(), "an output not complete");
    commits.invalidate(List.of("dedup", "difficulty"));
    assertTrue(commits.reusable("dedup", "abc", List.of(output)).isEmpty(), "invalidated");
  }

  @Test
  void aStagesOwnFingerprintIgnoresEarlierStagesAndFollowsItsOwnSection() throws Exception {
    StageFingerprints before = fingerprints();
    StageFingerprints otherSources = fingerprints("sources=[{name: q, path: '" + tmp.resolve("pool.jsonl") + "', format: jsonl, "
        + "fields: {question: problem}}]");
    StageFingerprints otherDedup = fingerprints("dedup.threshold=0.7");
    for (String stage : STAGES) {
      assertEquals(stage.equals("ingest"), !before.own(stage).equals(otherSources.own(stage)), stage + " with other sources");
      assertEquals(stage.equals("dedup"), !before.own(stage).equals(otherDedup.own(stage)), stage + " with another dedup threshold");
    }
  }

  @Test
  void anIncrementalRunChainsEachStageToItsBaseRunsCommit() throws Exception {
    Map<String, String> full = chain();
    StageFingerprints extended = fingerprints();
    extended.chainTo(Map.of("quality", "base-quality-fingerprint"));
    assertEquals(full.get("ingest"), extended.of("ingest", null), "a stage the base map does not name is unchanged");
    assertNotEquals(full.get("quality"), extended.of("quality", full.get("ingest")));
  }
}
