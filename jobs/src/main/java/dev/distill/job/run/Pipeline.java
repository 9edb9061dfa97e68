package dev.distill.job.run;

import dev.distill.job.api.Stage;
import dev.distill.job.api.StageContext;
import dev.distill.job.api.Step;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.conf.Secrets;
import dev.distill.job.error.BatchesPendingException;
import dev.distill.job.io.Console;
import dev.distill.job.io.Json;
import dev.distill.job.io.RunDirectory;
import dev.distill.job.io.RunJson;
import dev.distill.job.io.StageResult;
import dev.distill.job.select.SelectStage;
import dev.distill.job.spark.SparkSessions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;

/**
 * Runs a {@link Plan}: each step reads the previous step's committed output, so every step is
 * named, timed and reconciled in run.json, and any step's output can be inspected or reused.
 */
public final class Pipeline {

  /** What a finished run reports; {@code status} as in run.json (completed, or the status a step ended the run with). */
  public record Outcome(String runId, String runDir, List<StageResult> stages, String status) {}

  /** The whole plan of {@code config}. */
  public static Outcome run(SparkSession spark, PipelineConfig config, String runId, Console console) {
    return run(spark, config, Plan.of(config, console), runId, console);
  }

  /**
   * Runs {@code plan} into {@code <run.output>/<runId>}; {@code config} names its sources (the CLI
   * writes the sample pool first when none are configured).
   */
  public static Outcome run(SparkSession spark, PipelineConfig config, Plan plan, String runId, Console console) {
    RunDirectory run = new RunDirectory(config.run().output() + "/" + runId, spark.sparkContext().hadoopConfiguration());
    // Secret values (S3 keys in spark.conf, ...) never reach run.json, the handoff or its config sha.
    Map<String, Object> shown = Secrets.redact(config.tree(), SparkSessions.redactionRegex(config));
    RunManifest manifest = new RunManifest(run, runId, shown, Json.canonicalSha256(shown));
    manifest.put("spark", Map.of("master", spark.sparkContext().master(), "version", spark.version(),
        "default_parallelism", spark.sparkContext().defaultParallelism()));
    console.info("run " + runId + " -> " + run.root());
    console.follow(spark.sparkContext());
    try {
      return new Pipeline(spark, config, plan, run, runId, console, manifest).steps();
    } catch (Exception e) {
      // Spark's Scala code throws checked exceptions (IOException from s3a) without declaring them.
      try {
        manifest.finish(e instanceof BatchesPendingException ? RunJson.PENDING : RunJson.FAILED, e.getMessage());
      } catch (RuntimeException unwritable) {
        e.addSuppressed(unwritable); // the store that failed the step may not take run.json either
      }
      throw Pipeline.<RuntimeException>sneaky(e);
    } finally {
      spark.sparkContext().clearJobGroup();
      console.stopFollowing(spark.sparkContext());
    }
  }

  private final SparkSession spark;
  private final Plan plan;
  private final RunDirectory run;
  private final String runId;
  private final Console console;
  private final RunManifest manifest;
  private final StageFingerprints fingerprints;
  private final Incremental incremental;
  private final StageContext context;
  private final List<StageResult> results = new ArrayList<>();

  private Pipeline(SparkSession spark, PipelineConfig config, Plan plan, RunDirectory run, String runId, Console console, RunManifest manifest) {
    this.spark = spark;
    this.plan = plan;
    this.run = run;
    this.runId = runId;
    this.console = console;
    this.manifest = manifest;
    this.fingerprints = new StageFingerprints(config.tree(), config, plan, run.hadoop());
    this.incremental = config.run().baseRun().isBlank() ? null : Incremental.open(config, run, plan, fingerprints);
    PipelineConfig effective = config;
    if (incremental != null) {
      for (Step step : plan.steps()) {
        effective = step.continuing(effective, incremental.baseFigures(step.name()));
      }
    }
    this.context = new StageContext(spark, effective, run);
  }

  private Outcome steps() {
    Steps steps = new Steps(spark, run, fingerprints, plan.names(), manifest, results, console, runId);
    String input = null;
    for (Step step : plan.steps()) {
      Optional<Step.Ending> ending = step.endsRunInstead(context, input);
      if (ending.isPresent()) {
        return end(ending.get());
      }
      Steps.Done done = steps.step(step.name(), step.description(context.config()), outputs(step), compute(step, input));
      done.attachments().forEach(manifest::put);
      step.check(done.result(), context);
      input = step.output(run);
    }
    manifest.put("funnel", funnel(results));
    manifest.finish(RunJson.COMPLETED, null);
    if (plan.stoppedAfter() != null) {
      console.info(String.format("run %s completed through %s in %.1fs -> %s", runId, plan.stoppedAfter(), console.elapsed(), input));
    } else {
      console.info(String.format("run %s completed in %.1fs (%d of %d stages reused): %d rows selected -> %s", runId, console.elapsed(),
          steps.reused(), plan.size(), rowsOut(SelectStage.NAME), input));
    }
    return new Outcome(runId, run.root(), results, RunJson.COMPLETED);
  }

  private Supplier<Steps.Computed> compute(Step step, String input) {
    return () -> {
      Step.Result r;
      if (incremental != null && input != null && step.carriesVerdicts() && step instanceof Stage stage) {
        r = new Step.Result(incremental.run(stage, context, plan.before(step.name()).name()));
      } else {
        r = step.run(context, input, new Step.RunSoFar(runId, manifest.configSha256(), funnel(results)));
      }
      Map<String, Object> entries = new LinkedHashMap<>(r.runEntries());
      if (incremental != null && input == null) {
        Map<String, Object> split = incremental.split(spark, plan);
        r.stage().extra().put("incremental", split);
        entries.put("incremental", split);
        console.info(String.format("incremental over run %s: %s new or changed rows scored, %s carried over unchanged, "
            + "%s retired (gone from the sources), %s whose work failed processed again", incremental.baseRun(), split.get("new_rows"),
            split.get("unchanged_rows"), split.get("retired_rows"), split.get("retried_rows")));
      }
      return new Steps.Computed(r.stage(), entries);
    };
  }

  /** A step's output markers, plus its new-rows outputs in an incremental run. */
  private List<String> outputs(Step step) {
    List<String> all = new ArrayList<>(step.outputs(run));
    if (incremental != null && step == plan.first()) {
      all.addAll(incremental.firstStepOutputs());
    } else if (incremental != null && step.carriesVerdicts()) {
      all.addAll(incremental.outputs(step));
    }
    return all;
  }

  private Outcome end(Step.Ending ending) {
    console.info(ending.message());
    ending.runEntries().forEach(manifest::put);
    manifest.finish(ending.status(), null);
    return new Outcome(runId, run.root(), results, ending.status());
  }

  private long rowsOut(String step) {
    return results.stream().filter(r -> r.name().equals(step)).mapToLong(StageResult::rowsOut).findFirst().orElse(0);
  }

  static Map<String, Long> funnel(List<StageResult> results) {
    Map<String, Long> funnel = new LinkedHashMap<>();
    if (!results.isEmpty()) {
      funnel.put("read", results.get(0).rowsIn());
    }
    for (StageResult r : results) {
      funnel.put(r.name(), r.rowsOut());
    }
    return funnel;
  }

  @SuppressWarnings("unchecked")
  private static <T extends Exception> T sneaky(Exception e) throws T {
    throw (T) e;
  }

  static void setJobGroup(SparkSession spark, String stage, String description) {
    spark.sparkContext().setJobGroup("distill:" + stage, description, false);
    spark.sparkContext().setJobDescription(description);
  }
}
