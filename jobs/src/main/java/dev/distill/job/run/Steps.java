package dev.distill.job.run;

import dev.distill.job.io.StageResult;
import dev.distill.job.io.Console;
import dev.distill.job.io.RunDirectory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;

/**
 * Runs the pipeline's stages in order, each either reused (its commit record matches its
 * fingerprint and its outputs are complete) or computed and then committed. Once one stage is
 * computed, every later stage is computed too. Each stage reports to the console, run.json and
 * one {@code DISTILL_METRICS} JSON line.
 */
final class Steps {
  /** What a stage's computation returns: its figures and what run.json needs from it when reused. */
  record Computed(StageResult result, Map<String, Object> attachments) {}

  /** A finished step. */
  record Done(StageResult result, Map<String, Object> attachments, boolean reused) {}

  private final SparkSession spark;
  private final StageCommits commits;
  private final StageFingerprints fingerprints;
  private final List<String> names;
  private final RunManifest manifest;
  private final List<StageResult> results;
  private final Console console;
  private final String runId;
  private String previous;
  private boolean computing;
  private int index;
  private int reused;

  Steps(SparkSession spark, RunDirectory run, StageFingerprints fingerprints, List<String> names, RunManifest manifest, List<StageResult> results,
      Console console, String runId) {
    this.spark = spark;
    this.commits = new StageCommits(run);
    this.fingerprints = fingerprints;
    this.names = names;
    this.manifest = manifest;
    this.results = results;
    this.console = console;
    this.runId = runId;
  }

  /** Steps done so far. */
  int index() {
    return index;
  }

  int reused() {
    return reused;
  }

  Done step(String name, String description, List<String> outputs, Supplier<Computed> compute) {
    index++;
    int total = names.size();
    long start = System.nanoTime();
    String fingerprint = fingerprints.of(name, previous);
    previous = fingerprint;
    console.stageStart(index, total, name, description);
    Pipeline.setJobGroup(spark, name, name + ": " + description);
    if (!computing) {
      Optional<Map<String, Object>> committed = commits.reusable(name, fingerprint, outputs);
      if (committed.isPresent()) {
        StageResult before = StageCommits.result(committed.get());
        Map<String, Object> extra = new LinkedHashMap<>(before.extra());
        extra.put("reused", true);
        extra.put("computed_seconds", Math.round(before.seconds() * 100) / 100.0);
        extra.put("fingerprint", fingerprint);
        StageResult r = new StageResult(name, before.rowsIn(), before.rowsOut(), before.removed(), (System.nanoTime() - start) / 1e9, extra);
        reused++;
        finish(r, true);
        return new Done(r, StageCommits.attachments(committed.get()), true);
      }
      computing = true;
      commits.invalidate(names.subList(index - 1, total));
    }
    Computed c = compute.get();
    Map<String, Object> extra = new LinkedHashMap<>(c.result().extra());
    extra.put("reused", false);
    extra.put("fingerprint", fingerprint);
    StageResult r = new StageResult(name, c.result().rowsIn(), c.result().rowsOut(), c.result().removed(), c.result().seconds(), extra);
    commits.commit(name, fingerprint, fingerprints.own(name), c.result(), c.attachments());
    finish(r, false);
    return new Done(r, c.attachments(), false);
  }

  private void finish(StageResult r, boolean wasReused) {
    results.add(r);
    manifest.addStage(r);
    console.stageDone(index, names.size(), r, wasReused);
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("run_id", runId);
    metrics.put("stage", r.name());
    metrics.put("index", index);
    metrics.put("stages", names.size());
    metrics.put("status", wasReused ? "reused" : "computed");
    metrics.put("reused", wasReused);
    metrics.put("rows_in", r.rowsIn());
    metrics.put("rows_out", r.rowsOut());
    metrics.put("rows_removed", r.removedTotal());
    metrics.put("seconds", Math.round(r.seconds() * 1000) / 1000.0);
    metrics.put("fingerprint", r.extra().get("fingerprint"));
    console.metrics(metrics);
  }
}
