package dev.distill.job.export;

import dev.distill.job.conf.PipelineConfig;

/** The run a bundle comes from, as its card, dataset_info.json and manifest.json name it. */
record BundleRun(String runId, String configSha256, String strategy, long seed, String license) {

  static BundleRun of(PipelineConfig config, String runId, String configSha256) {
    return new BundleRun(runId, configSha256, config.select().strategy(), config.select().seed(), config.export().license());
  }

  /** dataset_info.json's description. */
  String description() {
    return "distill selection " + runId + " (" + strategy + ", seed " + seed + "), s1 chat format in `text`";
  }
}
