package dev.distill.job.cli;

import dev.distill.job.error.ExitCode;
import dev.distill.job.io.Console;
import dev.distill.job.io.RunDirectory;
import dev.distill.job.io.RunLease;
import dev.distill.job.io.StageResult;
import dev.distill.job.select.Reselection;
import dev.distill.job.select.SelectStage;
import dev.distill.job.select.Selector;
import dev.distill.job.spark.SparkSessions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bin/distill select}: selects again from a run's scored table into RUN_DIR/selections/NAME, recomputing nothing. */
@Command(name = "select", mixinStandardHelpOptions = true, showDefaultValues = true,
    description = {"Select again from an existing run's scored table (the input of its select step) without recomputing;",
        "writes RUN_DIR/selections/<name>/ and records it under \"selections\" in run.json."})
final class SelectCommand implements Callable<Integer> {
  @Option(names = "--run", required = true, paramLabel = "RUN_DIR", description = "The run directory <output>/<run-id> (holds run.json).")
  String runDir;

  @Option(names = "--strategy", paramLabel = "NAME", completionCandidates = Strategies.class,
      description = "Selection strategy: ${COMPLETION-CANDIDATES} (select.strategy). Default: the run's.")
  String strategy;

  @Option(names = "--seed", paramLabel = "N", description = "Seed (select.seed). Default: the run's.")
  Long seed;

  @Option(names = "--size", paramLabel = "N", description = "Rows to select (select.size). Default: the run's.")
  Integer size;

  @Option(names = "--name", paramLabel = "NAME", description = "Name of the selection. Default: <strategy>-seed<seed>.")
  String name;

  @Mixin
  Overrides overrides;

  @Mixin
  Takeover takeover;

  /** The registered strategies, for --help and shell completion. */
  static final class Strategies extends ArrayList<String> {
    Strategies() {
      super(Selector.names());
    }
  }

  @Override
  public Integer call() throws Exception {
    Console console = new Console(System.out);
    List<String> sets = new ArrayList<>(overrides.sets);
    if (strategy != null) {
      sets.add("select.strategy=" + strategy);
    }
    if (seed != null) {
      sets.add("select.seed=" + seed);
    }
    if (size != null) {
      sets.add("select.size=" + size);
    }
    sets.addAll(takeover.sets());
    RunDirectory before = new RunDirectory(runDir, ConfigFile.hadoopConf(overrides.sets));
    Reselection reselection = Reselection.of(before, sets);
    String scored = reselection.scoredTable();
    String selection = name != null ? name : reselection.defaultName();
    PipelineCommand.validateRunId(selection);
    try (RunLease lease = Leases.take(before, reselection.runId(), "select", reselection.config(), console)) {
      SparkSession spark = SparkSessions.create(reselection.config());
      try {
        return Leases.whileHeld(lease, spark.sparkContext(), () -> {
          RunDirectory run = new RunDirectory(runDir, spark.sparkContext().hadoopConfiguration());
          console.info("re-selecting from " + scored + " with strategy " + reselection.config().select().strategy() + ", seed "
              + reselection.config().select().seed());
          StageResult r = Reselection.of(run, sets).named(spark, selection);
          console.info(String.format("selected %d of %d candidates over %s domains in %.1fs -> %s", r.rowsOut(), r.rowsIn(),
              r.figures(SelectStage.Figures.class).domainsCovered(), r.seconds(), run.selections(selection)));
          return ExitCode.OK;
        });
      } finally {
        spark.stop();
      }
    }
  }
}
