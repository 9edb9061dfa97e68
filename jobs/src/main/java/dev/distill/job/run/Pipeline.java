package dev.distill.job.run;

import dev.distill.job.api.Stage;
import dev.distill.job.api.StageContext;
import dev.distill.job.api.StageResult;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.dedup.DedupStage;
import dev.distill.job.export.ExportStage;
import dev.distill.job.filter.DecontamStage;
import dev.distill.job.filter.QualityStage;
import dev.distill.job.generate.GenerateConfig;
import dev.distill.job.generate.GenerateEstimate;
import dev.distill.job.generate.GenerateStage;
import dev.distill.job.ingest.IngestStage;
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

  /** Thrown when more input rows are unreadable than run.max_quarantine_fraction allows. */
  public static final class BadInputException extends RuntimeException {
    public BadInputException(String message) {
      super(message);
    }
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
    String configSha = Json.canonicalSha256(config.tree());
    RunManifest manifest = new RunManifest(run, runId, config.tree(), configSha);
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
        console.info("no sources configured: generating the sample pool (" + config.samplePool().rows() + " rows, seed "
            + config.samplePool().seed() + ") into " + run.samplePool());
        effective = SamplePool.write(config, run);
      }
      StageContext context = new StageContext(spark, effective, run);

      console.stageStart(1, total, IngestStage.NAME, "read every source onto the canonical schema");
      setJobGroup(spark, IngestStage.NAME, "ingest: read sources onto the canonical schema");
      IngestStage.Result ingest = IngestStage.run(context, effective.sources());
      manifest.put("inputs", ingest.inputs());
      manifest.put("quarantined", ingest.quarantined());
      record(manifest, results, console, 1, total, ingest.stage());
      if (ingest.rowsRead() > 0 && ingest.quarantined() > config.run().maxQuarantineFraction() * ingest.rowsRead()) {
        throw new BadInputException(String.format("Cannot continue: %d of %d rows read are unreadable (more than run.max_quarantine_fraction=%s); "
            + "see %s for file, line and error of each, fix the sources or raise the threshold",
            ingest.quarantined(), ingest.rowsRead(), config.run().maxQuarantineFraction(), run.quarantine()));
      }

      if (config.generate().enabled() && config.generate().dryRun()) {
        return dryRun(spark, context, manifest, console, runId, root, results);
      }
      List<Stage> filters = new ArrayList<>(List.of(new QualityStage(), new DecontamStage(), new DedupStage(), new DifficultyStage(), new DomainStage()));
      if (config.generate().enabled()) {
        filters.add(0, new GenerateStage(console));
      }
      String previous = IngestStage.NAME;
      int index = 1;
      for (Stage stage : filters) {
        if (index == total) {
          break;
        }
        index++;
        console.stageStart(index, total, stage.name(), stage.description());
        setJobGroup(spark, stage.name(), stage.description());
        Dataset<Row> input = spark.read().parquet(run.stage(previous));
        StageResult r = StageRunner.run(stage, context, input);
        record(manifest, results, console, index, total, r);
        previous = stage.name();
      }
      if (index == total && stopAfter != null) {
        manifest.put("funnel", funnel(results));
        manifest.finish("completed", null);
        console.info(String.format("run %s completed through %s in %.1fs -> %s", runId, stopAfter, console.elapsed(), run.stage(previous)));
        return new Outcome(runId, root, results);
      }

      console.stageStart(total - 1, total, SelectStage.NAME, "strategy " + config.select().strategy() + ", seed " + config.select().seed());
      setJobGroup(spark, SelectStage.NAME, "select: " + config.select().strategy());
      StageResult selected = SelectStage.run(context, spark.read().parquet(run.stage(previous)), run.selection());
      record(manifest, results, console, total - 1, total, selected);

      console.stageStart(total, total, ExportStage.NAME, "handoff bundle for the GPU training stage");
      setJobGroup(spark, ExportStage.NAME, "export: handoff bundle");
      StageResult exported = ExportStage.run(context, spark.read().parquet(run.selection()), runId, configSha, funnel(results));
      record(manifest, results, console, total, total, exported);

      manifest.put("funnel", funnel(results));
      manifest.finish("completed", null);
      console.info(String.format("run %s completed in %.1fs: %d rows selected -> %s", runId, console.elapsed(), selected.rowsOut(), run.handoff()));
      dev.distill.job.report.ReportWriter.writeAfterRun(spark, root, console);
      return new Outcome(runId, root, results);
    } catch (RuntimeException e) {
      manifest.finish("failed", e.getMessage());
      throw e;
    } finally {
      spark.sparkContext().clearJobGroup();
      console.stopFollowing(spark.sparkContext());
    }
  }

  private static Outcome dryRun(SparkSession spark, StageContext context, RunManifest manifest, Console console, String runId, String root,
      List<StageResult> results) {
    GenerateConfig g = context.config().generate();
    Dataset<Row> rows = spark.read().parquet(context.run().stage(IngestStage.NAME))
        .withColumn(GenerateStage.RK, org.apache.spark.sql.functions.concat_ws("\u0001",
            org.apache.spark.sql.functions.col(dev.distill.job.schema.Columns.SOURCE), org.apache.spark.sql.functions.col(dev.distill.job.schema.Columns.ORIGIN)));
    List<GenerateEstimate.Line> lines = GenerateEstimate.estimate(spark, g, GenerateStage.planner(g), rows, GenerateStage.ledger(context));
    console.info("generate dry run: nothing was called; calls still missing from the ledger " + GenerateStage.ledger(context).dir() + ":\n"
        + GenerateEstimate.table(lines));
    manifest.put("generate_estimate", GenerateEstimate.asMaps(lines));
    manifest.finish("dry_run", null);
    return new Outcome(runId, root, results);
  }

  private static void record(RunManifest manifest, List<StageResult> results, Console console, int index, int total, StageResult r) {
    results.add(r);
    manifest.addStage(r);
    console.stageDone(index, total, r);
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

  static void setJobGroup(SparkSession spark, String stage, String description) {
    spark.sparkContext().setJobGroup("distill:" + stage, description, false);
    spark.sparkContext().setJobDescription(description);
  }

  private Pipeline() {}
}
