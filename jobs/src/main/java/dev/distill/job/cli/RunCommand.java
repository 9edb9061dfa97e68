package dev.distill.job.cli;

import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.io.Console;
import dev.distill.job.io.RunJson;
import dev.distill.job.report.ReportWriter;
import dev.distill.job.run.Pipeline;
import dev.distill.job.run.Plan;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bin/distill run}: the whole plan into {@code <output>/<run-id>/}, then the run's report. */
@Command(name = "run", mixinStandardHelpOptions = true, showDefaultValues = true,
    description = {"Run every step (STEPS) into <output>/<run-id>/, then write its report.",
        "Without --config: the built-in sample pool. With generate roles configured, generate runs after ingest."})
final class RunCommand extends PipelineCommand {
  @Option(names = "--base-run", paramLabel = "ID", description = "Incremental: score only rows new since run ID (an id under --output, "
      + "or a run directory), carry its rows over, select again from the whole pool (run.base_run). Default: none, a full run.")
  String baseRun;

  @Override
  List<String> moreSets() {
    return baseRun == null ? List.of() : List.of("run.base_run=" + baseRun);
  }

  @Override
  Plan plan(PipelineConfig config, Console console) {
    return plans.of(config, console);
  }

  @Override
  void afterRun(SparkSession spark, Pipeline.Outcome outcome, Plan plan, Console console) {
    if (RunJson.COMPLETED.equals(outcome.status())) {
      ReportWriter.writeAfterRun(spark, outcome.runDir(), console);
    }
  }
}
