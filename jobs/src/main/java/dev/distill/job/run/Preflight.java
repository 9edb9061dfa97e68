package dev.distill.job.run;

import dev.distill.job.error.ConfigException;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.filter.EvalSets;
import dev.distill.job.ingest.SourceFiles;
import dev.distill.job.source.SourceSpec;
import dev.distill.job.io.RunDirectory;
import dev.distill.job.select.ClusterDiverseSelector;
import dev.distill.job.select.Selector;
import dev.distill.job.spark.TokenizerFile;
import org.apache.hadoop.conf.Configuration;

/**
 * What a run's configuration names outside itself, checked before Spark starts, so a typo fails in
 * a second with the key named instead of minutes into a run: every source's keys and that its
 * path matches at least one file, every eval set's keys and files, and the tokenizer files
 * (loaded once; a remote one is copied to the local cache it will be counted from). Paths are
 * Hadoop paths, so s3a:// inputs are checked too (an unreachable store is an I/O error: exit 4).
 * An incremental run's base run is checked too (completed, same stages, same scoring config).
 */
public final class Preflight {

  /**
   * @param hadoop the run's Hadoop configuration before Spark exists (see
   *     {@link dev.distill.job.spark.SparkSessions#hadoopConf})
   * @throws ConfigException naming the key and the file, and how to fix it
   */
  public static void check(PipelineConfig config, Configuration hadoop) {
    check(config, hadoop, null, null);
  }

  /** Also, for an incremental run ({@code runId} and its {@code plan} given, run.base_run set), that the base run can be extended. */
  public static void check(PipelineConfig config, Configuration hadoop, String runId, Plan plan) {
    if (Selector.forStrategy(config.select().strategy()) instanceof ClusterDiverseSelector && !config.embeddings().enabled()) {
      throw ConfigException.forKey("select.strategy", "\"" + ClusterDiverseSelector.NAME + "\" draws by embedding cluster but embeddings.enabled is false",
          "set embeddings.enabled: true (the run selected from must have embedded its candidates), or choose diverse");
    }
    if (config.dedup().semantic() && !config.embeddings().enabled()) {
      throw ConfigException.forKey("dedup.semantic", "semantic dedup compares sentence embeddings but embeddings.enabled is false",
          "set embeddings.enabled: true, or dedup.semantic: false");
    }
    for (SourceSpec source : config.sources()) {
      SourceFiles.expand(source, hadoop);
    }
    EvalSets.check(config.decontam().evalSets(), hadoop);
    TokenizerFile.forDifficulty(config, hadoop).check();
    TokenizerFile.forExport(config, hadoop).check();
    if (runId != null && !config.run().baseRun().isBlank()) {
      Incremental.open(config, new RunDirectory(config.run().output() + "/" + runId, hadoop), plan,
          new StageFingerprints(config.tree(), config, plan, hadoop));
    }
  }

  private Preflight() {}
}
