package dev.distill.job.select;

import dev.distill.job.api.StageContext;
import dev.distill.job.conf.ConfigLoader;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.conf.Secrets;
import dev.distill.job.error.ConfigException;
import dev.distill.job.io.RunDirectory;
import dev.distill.job.io.RunJson;
import dev.distill.job.io.StageResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Selecting again from a finished run's scored table (the input its select step read) with the
 * run's own config plus overrides, without recomputing anything: {@code bin/distill select} and the
 * notebooks both come here.
 */
public final class Reselection {
  private static final String CANNOT = "Cannot re-select in";

  private final RunDirectory run;
  private final RunJson doc;
  private final PipelineConfig config;

  private Reselection(RunDirectory run, RunJson doc, PipelineConfig config) {
    this.run = run;
    this.doc = doc;
    this.config = config;
  }

  /**
   * The run in {@code run} with its config plus {@code overrides} ({@code select.strategy=score},
   * ...). Secrets were redacted from run.json: they come again from {@code --set}, the environment
   * or the provider chain.
   */
  public static Reselection of(RunDirectory run, List<String> overrides) {
    RunJson doc = RunJson.read(run, CANNOT);
    Map<String, Object> tree = Secrets.withoutRedacted(doc.config());
    PipelineConfig config = PipelineConfig.from(ConfigLoader.fromSystemEnv().overlay(tree, overrides));
    Selector.forStrategy(config.select().strategy());
    return new Reselection(run, doc, config);
  }

  public PipelineConfig config() {
    return config;
  }

  /** The id of the run re-selected in. */
  public String runId() {
    return doc.runId();
  }

  /** The run's scored table: the output of the step its select step followed. */
  public String scoredTable() {
    String scored = run.stage(doc.inputOf(SelectStage.NAME).orElse(""));
    if (!run.isCommitted(scored)) {
      throw new ConfigException(CANNOT + " " + run.root() + ": " + scored + " is not committed (no _SUCCESS); "
          + "run the pipeline through its scoring steps first");
    }
    return scored;
  }

  /** Selects into {@code target} (a scratch directory: nothing of the run changes). */
  public StageResult into(SparkSession spark, String target) {
    StageContext context = new StageContext(spark, config, run);
    return SelectStage.run(context, spark.read().parquet(scoredTable()), target);
  }

  /** Selects into {@code <run>/selections/<name>} and records it under "selections" in run.json. */
  public StageResult named(SparkSession spark, String name) {
    StageResult r = into(spark, run.selections(name));
    Map<String, Object> entry = new LinkedHashMap<>(r.extra());
    entry.put("seconds", Math.round(r.seconds() * 100) / 100.0);
    doc.addSelection(name, entry);
    doc.write(run);
    return r;
  }

  /** The default name of a re-selection: {@code <strategy>-seed<seed>}. */
  public String defaultName() {
    return config.select().strategy() + "-seed" + config.select().seed();
  }
}
