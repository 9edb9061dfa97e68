package dev.distill.job.cli;

import dev.distill.job.error.ConfigException;
import dev.distill.job.conf.ConfigLoader;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.error.ExitCode;
import dev.distill.job.report.ReportWriter;
import dev.distill.job.io.Console;
import dev.distill.job.io.Json;
import dev.distill.job.io.RunDirectory;
import dev.distill.job.spark.SparkSessions;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** {@code bin/distill report --run RUN_DIR} (or {@code report RUN_DIR}): writes RUN_DIR/report/index.html again. */
final class ReportCommand {

  @SuppressWarnings("unchecked")
  static int run(CliArgs cli, Console console) {
    String runDir = cli.options().get("run");
    if (runDir == null && cli.arguments().size() == 1) {
      runDir = cli.arguments().get(0);
    }
    if (runDir == null || cli.arguments().size() > 1) {
      throw new CliArgs.UsageException("report needs one run directory: bin/distill report --run <output>/<run-id>");
    }
    RunDirectory run = new RunDirectory(runDir, new org.apache.hadoop.conf.Configuration());
    if (!run.exists(run.runJson())) {
      throw new ConfigException("Cannot report on " + runDir + ": no run.json there; pass the run directory <output>/<run-id>");
    }
    Map<String, Object> tree;
    try {
      tree = (Map<String, Object>) Json.MAPPER.readValue(run.readString(run.runJson()), Map.class).get("config");
    } catch (java.io.IOException e) {
      throw new ConfigException("Cannot report on " + runDir + ": run.json is not valid JSON (" + e.getMessage() + "); rerun the pipeline");
    }
    PipelineConfig config = PipelineConfig.from(ConfigLoader.fromSystemEnv().overlay(tree == null ? Map.of() : tree, cli.sets()));
    SparkSession spark = SparkSessions.create(config);
    try {
      ReportWriter.Written w = ReportWriter.write(spark, runDir);
      console.info(String.format(Locale.ROOT, "report %s (%,d bytes) in %.1fs", w.path(), w.bytes(), w.seconds()));
      return ExitCode.OK;
    } finally {
      spark.stop();
    }
  }

  private ReportCommand() {}
}
