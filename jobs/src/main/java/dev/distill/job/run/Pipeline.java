package dev.distill.job.run;

import dev.distill.job.api.Stage;
import dev.distill.job.api.StageContext;
import dev.distill.job.io.StageResult;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.error.BadInputException;
import dev.distill.job.dedup.DedupStage;
import dev.distill.job.export.ExportStage;
import dev.distill.job.filter.DecontamStage;
import dev.distill.job.filter.QualityStage;
import dev.distill.job.conf.GenerateConfig;
import dev.distill.job.generate.GenerateEstimate;
import dev.distill.job.generate.GenerateStage;
import dev.distill.job.ingest.IngestStage;
import dev.distill.job.io.Console;
import dev.distill.job.io.Json;
import dev.distill.job.io.RunDirectory;
import dev.distill.job.sample.SamplePool;
import dev.distill.job.score.DifficultyStage;
import dev.distill.job.score.DomainStage;
import dev.distill.job.select.SelectStage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The s1 selection, end to end: ingest, quality, decontam, dedup, difficulty, domains, select,
 * export. Each stage reads the previous stage's committed Parquet output, so every stage is
 * named, timed and reconciled in run.json, and any stage's output can be inspected or reused.
 */
public final class Pipeline {
  public static final List<String> STAGES = List.of("ingest", "quality", "decontam", "dedup", "difficulty", "domains", "select", "export");

  /** The stages a run with this config goes through: generate follows ingest when a role names a model. */
  public static List<String> stages(PipelineConfig config) {
    List<String> stages = new ArrayList<>(STAGES);
    if (config.generate().enabled()) {
      stages.add(1, GenerateStage.NAME);
    }
    return stages;
  }


  /** What a finished run reports. */
  public record Outcome(String runId, String runDir, List<StageResult> stages) {}

  public static Outcome run(SparkSession spark, PipelineConfig config, String runId, Console console) {
    return run(spark, config, runId, console, null);
  }

  /**
   * Runs the pipeline, or its first stages up to and including {@code stopAfter} (null: all).
   * With generate.dry_run the run stops after ingest with the generation estimate in run.json.
   */
  public static Outcome run(SparkSession spark, PipelineConfig config, String runId, Console console, String stopAfter) {
    String root = config.run().output() + "/" + runId;
    RunDirectory run = new RunDirectory(root, spark.sparkContext().hadoopConfiguration());
    // Secret values (S3 keys in spark.conf, ...) never reach run.json, the handoff or its config sha.
    Map<String, Object> shown = dev.distill.job.conf.Secrets.redact(config.tree(), dev.distill.job.spark.SparkSessions.redactionRegex(config));
    String configSha = Json.canonicalSha256(shown);
    RunManifest manifest = new RunManifest(run, runId, shown, configSha);
    manifest.put("spark", Map.of("master", spark.sparkContext().master(), "version", spark.version(),
        "default_parallelism", spark.sparkContext().defaultParallelism()));
    console.info("run " + runId + " -> " + root);
    console.follow(spark.sparkContext());
    List<StageResult> results = new ArrayList<>();
    List<String> names = stages(config);
    if (stopAfter != null) {
      names = names.subList(0, names.indexOf(stopAfter) + 1);
    }
    int total = names.size();
    try {
      PipelineConfig effective = config;
      if (config.usesSamplePool()) {
        console.info("no sources configured: sample pool (" + config.samplePool().rows() + " rows, seed "
            + config.samplePool().seed() + ") in " + run.samplePool());
        effective = SamplePool.write(config, run);
      }
      StageFingerprints fingerprints = new StageFingerprints(config.tree(), effective, run.hadoop());
      Incremental incremental = null;
      if (!config.run().baseRun().isBlank()) {
        incremental = Incremental.open(config, run, names, fingerprints, stopAfter);
        if (config.difficulty().hardFilter() == null && incremental.baseStat(DifficultyStage.NAME, "hard_filter") instanceof Boolean hard) {
          effective = effective.withDifficulty(config.difficulty().withHardFilter(hard));
        }
      }
      StageContext context = new StageContext(spark, effective, run);
      Steps steps = new Steps(spark, run, fingerprints, names, manifest, results, console, runId);
      Incremental delta = incremental;
      List<String> allNames = names;

      Steps.Done ingest = steps.step(IngestStage.NAME, "read every source onto the canonical schema",
          outputs(delta, null, run.stage(IngestStage.NAME) + "/_SUCCESS", run.quarantine() + "/_SUCCESS"), () -> {
            IngestStage.Result r = IngestStage.run(context, context.config().sources());
            if (delta != null) {
              r.stage().extra().put("incremental", delta.split(spark, allNames));
            }
            return new Steps.Computed(r.stage(), Map.of("inputs", r.inputs()));
          });
      manifest.put("inputs", ingest.attachments().get("inputs"));
      if (delta != null) {
        Map<?, ?> split = (Map<?, ?>) ingest.result().extra().get("incremental");
        manifest.put("incremental", split);
        console.info(String.format("incremental over run %s: %s new or changed rows scored, %s carried over unchanged, %s retired (gone from the sources), "
            + "%s whose work failed processed again", delta.baseRun(), split.get("new_rows"), split.get("unchanged_rows"), split.get("retired_rows"),
            split.get("retried_rows")));
      }
      long quarantined = ((Number) ingest.result().extra().get("quarantined")).longValue();
      long rowsRead = ((Number) ingest.result().extra().get("rows_read")).longValue();
      manifest.put("quarantined", quarantined);
      if (rowsRead > 0 && quarantined > config.run().maxQuarantineFraction() * rowsRead) {
        throw new BadInputException(String.format("Cannot continue: %d of %d rows read are unreadable (more than run.max_quarantine_fraction=%s); "
            + "see %s for file, line and error of each, fix the sources or raise the threshold",
            quarantined, rowsRead, config.run().maxQuarantineFraction(), run.quarantine()));
      }

      if (config.generate().enabled() && config.generate().dryRun()) {
        return dryRun(spark, context, manifest, console, runId, root, results);
      }
      List<Stage> filters = new ArrayList<>(List.of(new QualityStage(), new DecontamStage(), new DedupStage(), new DifficultyStage(), new DomainStage()));
      if (config.generate().enabled()) {
        filters.add(0, new GenerateStage(console));
      }
      String previous = IngestStage.NAME;
      for (Stage stage : filters) {
        if (steps.index() == total) {
          break;
        }
        String input = previous;
        steps.step(stage.name(), stage.description(),
            outputs(delta, stage, run.stage(stage.name()) + "/_SUCCESS", run.removed(stage.name()) + "/_SUCCESS"),
            () -> new Steps.Computed(delta == null ? StageRunner.run(stage, context, spark.read().parquet(run.stage(input)))
                : delta.run(stage, context, input), Map.of()));
        previous = stage.name();
      }
      if (steps.index() == total && stopAfter != null) {
        manifest.put("funnel", funnel(results));
        manifest.finish("completed", null);
        console.info(String.format("run %s completed through %s in %.1fs -> %s", runId, stopAfter, console.elapsed(), run.stage(previous)));
        return new Outcome(runId, root, results);
      }

      String scored = run.stage(previous);
      Steps.Done selected = steps.step(SelectStage.NAME, "strategy " + config.select().strategy() + ", seed " + config.select().seed(),
          List.of(run.selection() + "/_SUCCESS"),
          () -> new Steps.Computed(SelectStage.run(context, spark.read().parquet(scored), run.selection()), Map.of()));

      steps.step(ExportStage.NAME, "handoff bundle for the GPU training stage",
          List.of(run.handoff() + "/" + ExportStage.MANIFEST, run.removed(ExportStage.NAME) + "/_SUCCESS"),
          () -> new Steps.Computed(ExportStage.run(context, spark.read().parquet(run.selection()), runId, configSha, funnel(results)), Map.of()));

      manifest.put("funnel", funnel(results));
      manifest.finish("completed", null);
      console.info(String.format("run %s completed in %.1fs (%d of %d stages reused): %d rows selected -> %s", runId, console.elapsed(),
          steps.reused(), total, selected.result().rowsOut(), run.handoff()));
      dev.distill.job.report.ReportWriter.writeAfterRun(spark, root, console);
      return new Outcome(runId, root, results);
    } catch (Exception e) {
      // Spark's Scala code throws checked exceptions (IOException from s3a) without declaring them.
      try {
        manifest.finish("failed", e.getMessage());
      } catch (RuntimeException unwritable) {
        e.addSuppressed(unwritable); // the store that failed the stage may not take run.json either
      }
      throw Pipeline.<RuntimeException>sneaky(e);
    } finally {
      spark.sparkContext().clearJobGroup();
      console.stopFollowing(spark.sparkContext());
    }
  }

  /** A stage's output markers, plus the new-rows outputs in an incremental run. */
  private static List<String> outputs(Incremental incremental, Stage stage, String... markers) {
    List<String> all = new ArrayList<>(List.of(markers));
    if (incremental != null) {
      all.addAll(stage == null ? incremental.ingestOutputs() : incremental.outputs(stage));
    }
    return all;
  }

  private static Outcome dryRun(SparkSession spark, StageContext context, RunManifest manifest, Console console, String runId, String root,
      List<StageResult> results) {
    GenerateConfig g = context.config().generate();
    Dataset<Row> rows = spark.read().parquet(context.run().stage(IngestStage.NAME))
        .withColumn(GenerateStage.RK, org.apache.spark.sql.functions.concat_ws("\u0001",
            org.apache.spark.sql.functions.col(dev.distill.job.schema.Columns.SOURCE), org.apache.spark.sql.functions.col(dev.distill.job.schema.Columns.ORIGIN)));
    Map<String, Object> windows = new LinkedHashMap<>();
    dev.distill.job.generate.CallPlanner planner = GenerateStage.plannerWithWindows(g, System.getenv(), windows);
    List<GenerateEstimate.Line> lines = GenerateEstimate.estimate(spark, g, planner, rows, GenerateStage.ledger(context), windows);
    console.info("generate dry run: nothing was called; calls still missing from the ledger " + GenerateStage.ledger(context).dir() + ":\n"
        + GenerateEstimate.table(lines));
    manifest.put("generate_estimate", GenerateEstimate.asMaps(lines));
    manifest.finish("dry_run", null);
    return new Outcome(runId, root, results);
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

  private Pipeline() {}
}
