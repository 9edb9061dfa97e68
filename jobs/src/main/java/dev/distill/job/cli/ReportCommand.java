package dev.distill.job.cli;

import dev.distill.job.conf.ConfigLoader;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.error.ExitCode;
import dev.distill.job.io.Console;
import dev.distill.job.io.RunDirectory;
import dev.distill.job.io.RunJson;
import dev.distill.job.io.RunLease;
import dev.distill.job.report.ReportData;
import dev.distill.job.report.ReportWriter;
import dev.distill.job.spark.SparkSessions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code bin/distill report --run RUN_DIR} (or {@code report RUN_DIR}): writes RUN_DIR/report/index.html again. */
@Command(name = "report", mixinStandardHelpOptions = true, showDefaultValues = true,
    description = "(Re)write RUN_DIR/report/index.html: funnel, domains, difficulty, tokens, sources, strategies, selected and removed rows.")
final class ReportCommand implements Callable<Integer> {
  @ArgGroup(exclusive = true, multiplicity = "1")
  Target target;

  static final class Target {
    @Option(names = "--run", paramLabel = "RUN_DIR", description = "The run directory <output>/<run-id>.")
    String option;

    @Parameters(paramLabel = "RUN_DIR", description = "The run directory, as a plain argument.")
    String argument;

    String dir() {
      return option != null ? option : argument;
    }
  }

  @Mixin
  Overrides overrides;

  @Mixin
  Takeover takeover;

  @Override
  public Integer call() throws Exception {
    Console console = new Console(System.out);
    String runDir = target.dir();
    RunDirectory run = new RunDirectory(runDir, ConfigFile.hadoopConf(overrides.sets));
    RunJson doc = RunJson.read(run, "Cannot report on");
    List<String> sets = new ArrayList<>(overrides.sets);
    sets.addAll(takeover.sets());
    PipelineConfig config = PipelineConfig.from(ConfigLoader.fromSystemEnv().overlay(doc.config(), sets));
    try (RunLease lease = Leases.take(run, doc.runId(), "report", config, console)) {
      // Nothing changed since the report was computed: the page again from its data, without Spark.
      Optional<ReportWriter.Written> again = Leases.whileHeld(lease, () -> {}, () -> ReportWriter.rewrite(run));
      if (again.isPresent()) {
        ReportWriter.Written w = again.get();
        console.info(String.format(Locale.ROOT, "report %s (%,d bytes) in %.1fs, from %s (nothing it was computed from has changed)",
            w.path(), w.bytes(), w.seconds(), ReportData.PATH));
        return ExitCode.OK;
      }
      SparkSession spark = SparkSessions.create(config);
      try {
        return Leases.whileHeld(lease, spark.sparkContext(), () -> {
          ReportWriter.Written w = ReportWriter.write(spark, runDir);
          console.info(String.format(Locale.ROOT, "report %s (%,d bytes) in %.1fs", w.path(), w.bytes(), w.seconds()));
          return ExitCode.OK;
        });
      } finally {
        spark.stop();
      }
    }
  }
}
