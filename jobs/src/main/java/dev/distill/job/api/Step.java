package dev.distill.job.api;

import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.io.RunDirectory;
import dev.distill.job.io.StageResult;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One step of the plan, described by itself: the runner, the fingerprints, incremental runs, the
 * CLI's usage, the report and the notebooks read these answers instead of knowing step names.
 *
 * <p>A step reads the committed output of the step before it ({@code input}: a directory of the
 * run, null for the first step) and writes its own outputs; {@link #outputs} are the markers that
 * say those outputs are complete, so a rerun can reuse the step.
 */
public interface Step {
  String name();

  /** One line for the Spark UI and the console (it may name settings, e.g. the strategy). */
  String description(PipelineConfig config);

  /** Whether a run with this config takes the step at all. */
  default boolean enabled(PipelineConfig config) {
    return true;
  }

  /** Top-level config sections the step owns: its fingerprint covers them, and only them. */
  default List<String> sections() {
    return List.of(name());
  }

  /** Paths (files, directories, globs) the step reads besides its input: part of its fingerprint. */
  default List<String> files(PipelineConfig config) {
    return List.of();
  }

  /** The reasons this step may give a row it removes (the {@code reason} column's values). */
  List<String> reasons();

  /**
   * Reasons that say a row's work failed, not that the row is bad (a spent cost cap, an API error):
   * an incremental run processes such rows again.
   */
  default List<String> retryReasons() {
    return List.of();
  }

  /** See {@link Stage.Incumbents}: what an incremental run shows this step besides the new rows. */
  default Stage.Incumbents incumbents() {
    return Stage.Incumbents.NONE;
  }

  /** Whether an incremental run carries the base run's verdicts of this step over (rows judged before). */
  default boolean carriesVerdicts() {
    return false;
  }

  /** Markers that exist once the step's outputs are complete. */
  List<String> outputs(RunDirectory run);

  /** Where the step's kept rows go: what the next step reads. */
  String output(RunDirectory run);

  /**
   * Runs the step on {@code input} (the previous step's output directory; null for the first) with
   * what the run knows so far.
   */
  Result run(StageContext context, String input, RunSoFar soFar);

  /**
   * The config an incremental run uses for this step, given the figures the base run's commit of it
   * recorded (difficulty keeps the base run's automatic hard-filter decision, so old and new rows
   * are judged alike). The config as it is by default.
   */
  default PipelineConfig continuing(PipelineConfig config, Map<String, Object> baseFigures) {
    return config;
  }

  /**
   * Called once the step is committed or reused: a step may refuse to let the run go on (ingest
   * with more unreadable rows than allowed), throwing the exception the CLI maps to its exit code.
   */
  default void check(StageResult result, StageContext context) {}

  /**
   * A step may end the run in its own place, before it computes anything (generate's dry run
   * estimates the calls and stops): the run.json status and entries, and the line to print.
   */
  default Optional<Ending> endsRunInstead(StageContext context, String input) {
    return Optional.empty();
  }

  /** What the runner knows when a step starts: the run id, the config's sha256, the funnel so far. */
  record RunSoFar(String runId, String configSha256, Map<String, Long> funnel) {}

  /** A step's figures, and entries it adds to run.json's top level (kept when the step is reused). */
  record Result(StageResult stage, Map<String, Object> runEntries) {
    public Result(StageResult stage) {
      this(stage, Map.of());
    }
  }

  /** A run ended by a step: run.json's status, the entries to add, the line to print. */
  record Ending(String status, Map<String, Object> runEntries, String message) {}
}
