package dev.distill.job.cli;

import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.error.ConfigException;
import dev.distill.job.error.ExitCode;
import dev.distill.job.io.Console;
import dev.distill.job.io.RunDirectory;
import dev.distill.job.io.RunLease;
import dev.distill.job.run.Pipeline;
import dev.distill.job.run.Plan;
import dev.distill.job.run.Preflight;
import dev.distill.job.sample.SamplePool;
import dev.distill.job.spark.SparkSessions;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** What {@code run} and {@code generate} share: the config, where the run goes, and running a plan of it. */
abstract class PipelineCommand implements Callable<Integer> {
  @Option(names = "--config", paramLabel = "FILE", description = "Pipeline config (YAML, keys: conf/pipeline.yaml): a local file or any "
      + "Hadoop URI (s3a://bucket/conf.yaml). Default: none, the built-in sample pool.")
  String config;

  @Option(names = "--output", paramLabel = "DIR", description = "Output root (run.output). Default: out.")
  String output;

  @Option(names = "--run-id", paramLabel = "ID", description = "Run id (run.run_id); rerunning an id reuses its committed stages. "
      + "Default: the UTC time, yyyyMMdd-HHmmss.")
  String runId;

  @Option(names = "--dry-run", description = "With generate roles configured: estimate the calls and their cost, call nothing, stop. "
      + "Default: ${DEFAULT-VALUE}.")
  boolean dryRun;

  @Mixin
  Overrides overrides;

  @Mixin
  Takeover takeover;

  /** The plan a config runs: {@link Plan#of} unless the command line was built with another ({@link Main#commandLine(Plans)}). */
  Plans plans = Plan::of;

  /** Further config overrides of this command (e.g. --base-run). */
  List<String> moreSets() {
    return List.of();
  }

  /** The plan this command runs for {@code config}. */
  abstract Plan plan(PipelineConfig config, Console console);

  @Override
  public Integer call() throws Exception {
    Console console = new Console(System.out);
    PipelineConfig pipeline = PipelineConfig.from(ConfigFile.load(config, sets()));
    String id = pipeline.run().runId().isBlank()
        ? ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
        : pipeline.run().runId();
    validateRunId(id);
    Plan plan = plan(pipeline, console);
    Configuration hadoop = SparkSessions.hadoopConf(pipeline);
    Preflight.check(pipeline, hadoop, id, plan);
    String command = getClass().getAnnotation(Command.class).name();
    try (RunLease lease = Leases.take(new RunDirectory(pipeline.run().output() + "/" + id, hadoop), id, command, pipeline, console)) {
      SparkSession spark = SparkSessions.create(pipeline);
      try {
        return Leases.whileHeld(lease, spark.sparkContext(), () -> {
          PipelineConfig withSources = pipeline;
          if (pipeline.usesSamplePool()) {
            RunDirectory run = new RunDirectory(pipeline.run().output() + "/" + id, spark.sparkContext().hadoopConfiguration());
            console.info("no sources configured: sample pool (" + pipeline.samplePool().rows() + " rows, seed " + pipeline.samplePool().seed()
                + ") in " + run.samplePool());
            withSources = SamplePool.write(pipeline, run);
          }
          Pipeline.Outcome outcome = Pipeline.run(spark, withSources, plan, id, console);
          afterRun(spark, outcome, plan, console);
          return ExitCode.OK;
        });
      } finally {
        spark.stop();
      }
    }
  }

  /** What the command does once the run returns. */
  void afterRun(SparkSession spark, Pipeline.Outcome outcome, Plan plan, Console console) {}

  private List<String> sets() {
    List<String> sets = new ArrayList<>(overrides.sets);
    if (output != null) {
      sets.add("run.output=" + output);
    }
    if (runId != null) {
      sets.add("run.run_id=" + runId);
    }
    if (dryRun) {
      sets.add("generate.dry_run=true");
    }
    sets.addAll(takeover.sets());
    sets.addAll(moreSets());
    return sets;
  }

  static void validateRunId(String runId) {
    if (!runId.matches("[A-Za-z0-9._-]+")) {
      throw ConfigException.forKey("run.run_id", "\"" + runId + "\" is not a valid run id", "use letters, digits, '.', '_' and '-' only");
    }
  }
}
