package dev.distill.job.cli;

import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.io.Console;
import dev.distill.job.run.Plan;

/** How the CLI turns a config into the plan it runs: {@link Plan#of}, or a plan with more steps (an extension, a test). */
@FunctionalInterface
public interface Plans {
  Plan of(PipelineConfig config, Console console);
}
