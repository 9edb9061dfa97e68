package dev.distill.job.run;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;

import dev.distill.job.api.Stage;
import dev.distill.job.api.StageContext;
import dev.distill.job.api.Step;
import dev.distill.job.api.StageRunner;
import dev.distill.job.io.StageResult;
import dev.distill.job.error.ConfigException;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.io.RunDirectory;
import dev.distill.job.io.RunJson;
import dev.distill.job.schema.Columns;
import dev.distill.job.source.SourceSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * An incremental run (run.base_run): ingest reads every source again and splits the pool into
 * rows the base run already scored unchanged (same source and origin, same ingested content) and
 * new or changed rows. Only the new rows go through the stages; a stage that compares rows with
 * each other sees the base run's rows beside them as incumbents ({@link Stage#incumbents()}), and
 * may displace one (a new row of an earlier source overlapping it, a new near-duplicate chosen as
 * its cluster's representative), as a full run would. Each stage's output is the base run's rows,
 * as the base run judged them, less the displaced ones, plus the new rows' verdicts,
 * so selection and export run over the whole pool and the run can itself be the base of the next.
 * Rows of the base run whose source line is gone or changed are retired (counted, not carried);
 * rows removed because their work failed ({@link Step#retryReasons()}: a cost cap, API errors) are
 * new again, so the ledger retries them.
 */
final class Incremental {
  /** Identifies a row across runs: its source and origin (file#line). */
  private static final String[] KEY = {Columns.SOURCE, Columns.ORIGIN};
  private static final String CONTENT = "_content_sha";

  private final RunDirectory run;
  private final RunDirectory base;
  private final String baseRun;
  private final StageCommits baseCommits;
  private final Plan plan;
  private final List<String> stages;

  private Incremental(RunDirectory run, RunDirectory base, String baseRun, Plan plan) {
    this.run = run;
    this.base = base;
    this.baseRun = baseRun;
    this.plan = plan;
    this.stages = plan.names();
    this.baseCommits = new StageCommits(base);
  }

  private static final String FIX = "; pass the id (or directory) of a completed run to --base-run / run.base_run, or leave it empty for a full run";

  /**
   * The base run of {@code config}, checked: completed, same stages, the same config and files for
   * every scoring stage, and its sources a prefix of this run's. Throws {@link ConfigException}
   * naming what differs.
   */
  static Incremental open(PipelineConfig config, RunDirectory run, Plan plan, StageFingerprints fingerprints) {
    String baseRun = config.run().baseRun();
    RunDirectory base = new RunDirectory(baseRun.contains("/") ? baseRun : config.run().output() + "/" + baseRun, run.hadoop());
    checkExtendable(config, run, plan, base);
    RunJson doc = RunJson.read(base, "Cannot extend run.base_run=" + baseRun + ":");
    checkBaseRun(doc, baseRun, base, plan.names());
    checkSources(doc, baseRun, config);
    Incremental incremental = new Incremental(run, base, baseRun, plan);
    fingerprints.chainTo(incremental.baseFingerprints(fingerprints));
    return incremental;
  }

  /** What this run must be to extend another: a whole run, not the base itself, with configured sources. */
  private static void checkExtendable(PipelineConfig config, RunDirectory run, Plan plan, RunDirectory base) {
    if (plan.stoppedAfter() != null) {
      throw ConfigException.forKey("run.base_run", "incremental runs are for bin/distill run", "leave it empty here");
    }
    if (base.root().equals(run.root())) {
      throw ConfigException.forKey("run.base_run", "\"" + config.run().baseRun() + "\" is this run itself",
          "give an earlier run's id, or a new --run-id");
    }
    if (config.usesSamplePool()) {
      throw ConfigException.forKey("run.base_run", "an incremental run needs configured sources (the built-in sample pool never grows)",
          "add your sources under sources:");
    }
  }

  /** The base run completed, through the same stages as this one. */
  private static void checkBaseRun(RunJson doc, String baseRun, RunDirectory base, List<String> stages) {
    if (!RunJson.COMPLETED.equals(doc.status())) {
      throw new ConfigException("Cannot extend run.base_run=" + baseRun + ": its status is " + doc.status()
          + ", not completed; finish it first (rerun it with --run-id " + base.root().substring(base.root().lastIndexOf('/') + 1) + ")" + FIX);
    }
    List<String> baseStages = doc.stageNames();
    if (!baseStages.equals(stages)) {
      throw new ConfigException("Cannot extend run.base_run=" + baseRun + ": it ran the stages " + baseStages + ", this run needs " + stages
          + " (generate on in one and off in the other?); use the same generate roles as the base run, or run without --base-run");
    }
  }

  /** The base run's sources come first in this run's, in the same order. */
  @SuppressWarnings("unchecked")
  private static void checkSources(RunJson doc, String baseRun, PipelineConfig config) {
    List<String> baseSources = sourceNames((List<Map<String, Object>>) doc.config().getOrDefault("sources", List.of()));
    List<String> sources = config.sources().stream().map(SourceSpec::name).toList();
    if (sources.size() < baseSources.size() || !sources.subList(0, baseSources.size()).equals(baseSources)) {
      throw ConfigException.forKey("sources", "the base run " + baseRun + " read the sources " + baseSources
          + " in that order, this run reads " + sources, "keep the base run's sources first and in the same order, and add new sources after them");
    }
  }

  /**
   * The base run's commit fingerprint of every stage, checked: each stage committed, and every
   * stage whose verdicts are carried over judging by the same config and files as in this run.
   */
  private Map<String, String> baseFingerprints(StageFingerprints fingerprints) {
    Map<String, String> chain = new LinkedHashMap<>();
    for (String stage : stages) {
      Map<String, Object> commit = baseCommits.read(stage);
      if (commit == null) {
        throw new ConfigException("Cannot extend run.base_run=" + baseRun + ": it has no commit record for its " + stage + " stage ("
            + baseCommits.path(stage) + "); rerun it to completion first" + FIX);
      }
      chain.put(stage, (String) commit.get("fingerprint"));
      if (plan.step(stage).carriesVerdicts() && !fingerprints.own(stage).equals(commit.get("own_fingerprint"))) {
        throw ConfigException.forKey(stage, "the config section(s) " + plan.step(stage).sections() + " or the files the "
            + stage + " stage reads (eval sets, tokenizer) differ from the base run " + baseRun
            + "'s, so its rows would be judged by other rules than the new ones",
            "use the base run's settings and files, or run without --base-run to score the whole pool again");
      }
    }
    return chain;
  }

  private static List<String> sourceNames(List<Map<String, Object>> sources) {
    List<String> names = new ArrayList<>();
    for (Map<String, Object> s : sources) {
      names.add(String.valueOf(s.get("name")));
    }
    return names;
  }

  String baseRun() {
    return baseRun;
  }

  String baseDir() {
    return base.root();
  }

  /** The figures the base run's commit of {@code stage} recorded (empty when none). */
  @SuppressWarnings("unchecked")
  Map<String, Object> baseFigures(String stage) {
    Map<String, Object> commit = baseCommits.read(stage);
    return commit == null ? Map.of() : (Map<String, Object>) commit.getOrDefault("extra", Map.of());
  }

  /** Where this run keeps the new rows' output of a stage. */
  String newRows(String stage) {
    return run.incrementalStage(stage);
  }

  String newRemoved(String stage) {
    return run.incrementalRemoved(stage);
  }

  String unchanged() {
    return run.incrementalUnchanged();
  }

  /** The directories a stage writes besides stages/ and removed/ (part of its commit). */
  List<String> outputs(Step stage) {
    List<String> outputs = new ArrayList<>(List.of(newRows(stage.name()) + "/_SUCCESS", newRemoved(stage.name()) + "/_SUCCESS"));
    if (stage.incumbents() != Stage.Incumbents.NONE) {
      outputs.add(displaced(stage.name()) + "/_SUCCESS");
    }
    return outputs;
  }

  /** What the first step writes besides its own outputs: the new rows and the unchanged rows' keys. */
  List<String> firstStepOutputs() {
    return List.of(newRows(first()) + "/_SUCCESS", unchanged() + "/_SUCCESS");
  }

  private String first() {
    return plan.first().name();
  }

  /**
   * After ingest: the new or changed rows of this run's stages/ingest to incremental/stages/ingest,
   * the keys of unchanged rows to incremental/unchanged. Returns the figures for run.json.
   */
  Map<String, Object> split(SparkSession spark, Plan plan) {
    Dataset<Row> now = withContent(spark.read().parquet(plan.first().output(run)));
    Dataset<Row> before = withContent(spark.read().parquet(plan.first().output(base))).select(col(KEY[0]), col(KEY[1]), col(CONTENT));
    Column[] keyAndContent = {col(KEY[0]), col(KEY[1]), col(CONTENT)};
    Dataset<Row> unchanged = now.select(keyAndContent).join(before, new String[] {KEY[0], KEY[1], CONTENT}).select(col(KEY[0]), col(KEY[1]));
    long unchangedRows = -1;
    // Without a step that retries (generate) nothing would be done again, so such rows stay as the base run left them.
    List<String> retryReasons = plan.steps().stream().flatMap(s -> s.retryReasons().stream()).distinct().toList();
    for (String stage : retryReasons.isEmpty() ? List.<String>of() : stages) {
      if (plan.step(stage).carriesVerdicts() && base.isCommitted(base.removed(stage))) {
        if (unchangedRows < 0) {
          unchangedRows = unchanged.count();
        }
        Dataset<Row> failed = spark.read().parquet(base.removed(stage)).filter(col(Columns.REASON).isin(retryReasons.toArray()))
            .select(col(KEY[0]), col(KEY[1]));
        unchanged = unchanged.join(failed, KEY, "left_anti");
      }
    }
    unchanged.write().mode(SaveMode.Overwrite).parquet(unchanged());
    now.join(spark.read().parquet(unchanged()), KEY, "left_anti").drop(CONTENT)
        .write().mode(SaveMode.Overwrite).parquet(newRows(first()));
    long kept = spark.read().parquet(unchanged()).count();
    long fresh = spark.read().parquet(newRows(first())).count();
    long baseRows = spark.read().parquet(plan.first().output(base)).count();
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("base_run", baseRun);
    figures.put("base_dir", base.root());
    figures.put("new_rows", fresh);
    figures.put("unchanged_rows", kept);
    long retried = unchangedRows < 0 ? 0 : unchangedRows - kept;
    figures.put("retired_rows", baseRows - kept - retried);
    figures.put("retried_rows", retried);
    return figures;
  }

  /** A hash of every ingested column: a row whose line was edited in place counts as new. */
  private static Dataset<Row> withContent(Dataset<Row> ingest) {
    String[] names = ingest.columns().clone();
    Arrays.sort(names);
    Column[] all = Arrays.stream(names).map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
    return ingest.withColumn(CONTENT, sha2(to_json(struct(all)), 256));
  }

  /**
   * The base run's rows of {@code dir} whose source line is still there, unchanged, and that no
   * stage up to {@code through} (inclusive; null: none) has displaced.
   */
  private Dataset<Row> carried(SparkSession spark, String dir, String through) {
    Dataset<Row> rows = spark.read().parquet(dir);
    Dataset<Row> kept = rows.join(spark.read().parquet(unchanged()), KEY, "left_semi");
    for (String stage : through == null ? List.<String>of() : stages.subList(0, stages.indexOf(through) + 1)) {
      if (run.isCommitted(displaced(stage))) {
        kept = kept.join(spark.read().parquet(displaced(stage)), KEY, "left_anti");
      }
    }
    // A join on named columns moves them first; keep the stage's own column order.
    return kept.select(columns(rows));
  }

  private static Column[] columns(Dataset<Row> rows) {
    return Arrays.stream(rows.columns()).map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
  }

  /** Keys of the base run's rows that {@code stage} kept in the base run and removes in this one. */
  String displaced(String stage) {
    return run.incrementalDisplaced(stage);
  }

  /**
   * Runs {@code stage} on the new rows that left {@code previous}, with the base run's rows as
   * incumbents where the stage compares rows, then writes stages/ and removed/ as the base run's
   * carried rows plus the new verdicts (and the displaced base rows, as removed).
   */
  StageResult run(Stage stage, StageContext context, String previous) {
    long start = System.nanoTime();
    SparkSession spark = context.spark();
    String name = stage.name();
    Dataset<Row> fresh = spark.read().parquet(newRows(previous));
    Verdicts verdicts = stage.incumbents() == Stage.Incumbents.NONE ? new Verdicts(stage.apply(context, fresh), null, 0)
        : withIncumbents(stage, context, previous, fresh);
    StageRunner.Counts added;
    try {
      added = StageRunner.write(verdicts.rows(), newRows(name), newRemoved(name));
    } finally {
      if (verdicts.persisted() != null) {
        verdicts.persisted().unpersist();
      }
    }
    merge(spark, base.stage(name), newRows(name), run.stage(name), name);
    merge(spark, base.removed(name), newRemoved(name), run.removed(name), name);
    StageRunner.Counts all = StageRunner.count(spark.read().parquet(run.stage(name)).withColumn(Columns.REASON, lit(null).cast("string"))
        .select(Columns.REASON).unionByName(spark.read().parquet(run.removed(name)).select(Columns.REASON)));
    Map<String, Object> extra = context.drainStats();
    extra.put("incremental", figures(added, all, verdicts.displaced()));
    return new StageResult(name, all.total(), all.kept(), all.removed(), (System.nanoTime() - start) / 1e9, extra);
  }

  /** The new rows' verdicts (with the displaced base rows among them), the dataset to unpersist after writing, the displaced count. */
  private record Verdicts(Dataset<Row> rows, Dataset<Row> persisted, long displaced) {}

  /**
   * Judges the new rows beside the base run's carried rows of this stage (its input or its kept
   * rows, {@link Stage#incumbents()}); a base row it kept before and removes now is displaced.
   */
  private Verdicts withIncumbents(Stage stage, StageContext context, String previous, Dataset<Row> fresh) {
    SparkSession spark = context.spark();
    String name = stage.name();
    String before = stages.get(stages.indexOf(name) - 1);
    String from = stage.incumbents() == Stage.Incumbents.INPUT ? base.stage(previous) : base.stage(name);
    Dataset<Row> incumbents = carried(spark, from, before).select(columns(fresh));
    Dataset<Row> input = fresh.withColumn(Stage.INCUMBENT, lit(false)).unionByName(incumbents.withColumn(Stage.INCUMBENT, lit(true)));
    Dataset<Row> judged = stage.apply(context, input).persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> baseKept = carried(spark, base.stage(name), before).select(col(KEY[0]), col(KEY[1]));
    Dataset<Row> displaced = judged.filter(col(Stage.INCUMBENT).and(col(Columns.REASON).isNotNull()))
        .join(baseKept, KEY, "left_semi").select(columns(judged));
    displaced.select(col(KEY[0]), col(KEY[1])).write().mode(SaveMode.Overwrite).parquet(displaced(name));
    long displacedRows = spark.read().parquet(displaced(name)).count();
    return new Verdicts(judged.filter(not(col(Stage.INCUMBENT))).unionByName(displaced).drop(Stage.INCUMBENT), judged, displacedRows);
  }

  /** What run.json says of an incremental stage: new rows in and out, displaced and carried base rows. */
  private Map<String, Object> figures(StageRunner.Counts added, StageRunner.Counts all, long displacedRows) {
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("base_run", baseRun);
    figures.put("new_rows_in", added.total() - displacedRows);
    figures.put("new_rows_out", added.kept());
    figures.put("new_removed", added.removed());
    figures.put("displaced_rows", displacedRows);
    figures.put("carried_rows_in", all.total() - added.total() + displacedRows);
    return figures;
  }

  /** {@code target} = the base run's carried rows of {@code baseDir} + the rows in {@code added}. */
  private void merge(SparkSession spark, String baseDir, String added, String target, String stage) {
    Dataset<Row> fresh = spark.read().parquet(added);
    Dataset<Row> old = carried(spark, baseDir, stage);
    List<String> want = new ArrayList<>(Arrays.asList(fresh.columns()));
    List<String> have = new ArrayList<>(Arrays.asList(old.columns()));
    want.sort(null);
    have.sort(null);
    if (!want.equals(have)) {
      throw new ConfigException("Cannot extend run.base_run=" + baseRun + ": its " + baseDir + " has the columns " + have
          + " but this run writes " + want + " (made by another distill version?); run without --base-run to score the whole pool again");
    }
    old.unionByName(fresh).write().mode(SaveMode.Overwrite).parquet(target);
  }
}
