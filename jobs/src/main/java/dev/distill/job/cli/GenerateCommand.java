package dev.distill.job.cli;

import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.error.ConfigException;
import dev.distill.job.generate.GenerateStage;
import dev.distill.job.io.Console;
import dev.distill.job.run.Plan;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bin/distill generate}: the steps up to generate only, every call kept in the ledger. */
@Command(name = "generate", mixinStandardHelpOptions = true, showDefaultValues = true,
    description = {"Run the steps through generate only (STEPS): teacher traces, student answers, judge verdicts and domain labels",
        "from OpenAI-compatible endpoints, every call kept in the ledger (<output>/ledger by default)."})
final class GenerateCommand extends PipelineCommand {
  @Option(names = "--submit-only", description = "Roles with mode: batch: collect the batches that ended, submit what is missing, "
      + "and exit 0 while any batch is in flight (generate.batch.action=submit).")
  boolean submitOnly;

  @Option(names = "--collect", description = "Roles with mode: batch: download the results of the batches that ended, submit what is "
      + "missing, and go on when none is in flight; exit 5 while any still is (generate.batch.action=collect).")
  boolean collect;

  @Override
  List<String> moreSets() {
    if (submitOnly && collect) {
      throw new ConfigException("Cannot use --submit-only and --collect together: --submit-only submits and exits 0, --collect "
          + "waits for nothing and exits 5 while batches are in flight; use one (a scheduler runs --submit-only once, then --collect until it exits 0)");
    }
    return submitOnly ? List.of("generate.batch.action=submit") : collect ? List.of("generate.batch.action=collect") : List.of();
  }

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
