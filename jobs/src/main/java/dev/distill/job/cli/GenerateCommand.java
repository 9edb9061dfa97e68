package dev.distill.job.cli;

import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.error.ConfigException;
import dev.distill.job.generate.GenerateStage;
import dev.distill.job.io.Console;
import dev.distill.job.run.Plan;
import picocli.CommandLine.Command;

/** {@code bin/distill generate}: the steps up to generate only, every call kept in the ledger. */
@Command(name = "generate", mixinStandardHelpOptions = true, showDefaultValues = true,
    description = {"Run the steps through generate only (STEPS): teacher traces, student answers, judge verdicts and domain labels",
        "from OpenAI-compatible endpoints, every call kept in the ledger (<output>/ledger by default)."})
final class GenerateCommand extends PipelineCommand {
  @Override
  Plan plan(PipelineConfig config, Console console) {
    Plan plan = plans.of(config, console);
    if (!plan.contains(GenerateStage.NAME)) {
      throw new ConfigException("Cannot generate: no role names a model; set generate.teacher.model (or students, judge, classifier) "
          + "and generate.base_url in your config (see conf/pipeline.yaml)");
    }
    return plan.through(GenerateStage.NAME);
  }
}
