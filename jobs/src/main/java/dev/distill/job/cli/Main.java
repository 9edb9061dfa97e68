package dev.distill.job.cli;

import dev.distill.job.api.StageContext;
import dev.distill.job.error.BadInputException;
import dev.distill.job.error.ExitCode;
import dev.distill.job.io.StageResult;
import dev.distill.job.error.ConfigException;
import dev.distill.job.conf.ConfigLoader;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.io.Console;
import dev.distill.job.io.Json;
import dev.distill.job.run.Pipeline;
import dev.distill.job.run.Preflight;
import dev.distill.job.io.RunDirectory;
import dev.distill.job.io.Version;
import dev.distill.job.select.SelectStage;
import dev.distill.job.spark.SparkSessions;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.SparkSession;

/** The distill command line: parses options and calls the pipeline; nothing else. */
public final class Main {

  static final Map<String, Set<String>> COMMANDS = Map.of(
      "run", Set.of("config", "output", "run-id", "dry-run", "base-run"),
      "generate", Set.of("config", "output", "run-id", "dry-run"),
      "select", Set.of("run", "strategy", "seed", "size", "name"),
      "verify-handoff", Set.of(CliArgs.ARGUMENTS),
      "grade", dev.distill.job.grade.GradeCommand.OPTIONS,
      "report", Set.of("run", CliArgs.ARGUMENTS),
      "help", Set.of(),
      "version", Set.of());

  static final String USAGE = String.join("\n",
      "usage: bin/distill <command> [options]",
      "",
      "  run     [--config FILE] [--output DIR] [--run-id ID] [--base-run ID] [--set key=value ...]",
      "          ingest -> quality -> decontam -> dedup -> difficulty -> domains -> select -> export",
      "          into <output>/<run-id>/. Without --config: the built-in sample pool. With generate roles",
      "          configured, generate runs after ingest; --dry-run estimates its calls and cost and stops.",
      "          --base-run ID: incremental, score only rows new since run ID, carry its rows over, re-select all.",
      "  generate [--config FILE] [--output DIR] [--run-id ID] [--dry-run] [--set key=value ...]",
      "          ingest -> generate only: teacher traces, student answers, judge verdicts, domain labels from",
      "          OpenAI-compatible endpoints, every call kept in the ledger (<output>/ledger by default).",
      "  select  --run RUN_DIR [--strategy s1|score|random|longest|diverse] [--seed N] [--size N]",
      "          [--name NAME] [--set key=value ...]",
      "          re-select from an existing run's scored table (stages/domains) without recomputing;",
      "          writes RUN_DIR/selections/<name>/ (default name: <strategy>-seed<seed>).",
      "  report  --run RUN_DIR  (re)write RUN_DIR/report/index.html: funnel, domains, difficulty, tokens, sources, strategies",
      "  verify-handoff DIR  recompute a handoff bundle's sha256s, row counts and chat markers (exit 3 on any mismatch)",
      "  grade   --input FILE --response PATH --reference PATH [--output FILE]",
      "          grade model responses on disk (.jsonl, .json, .csv, .zip, .parquet) with the answer verifier;",
      "          PATH: dotted fields, [i] or [*] for list elements (e.g. response[*], 6b_finetuning.solution).",
      "          One JSON line per response to --output (else stdout); summary to stdout (stderr without --output).",
      "  version",
      "",
      "Configuration keys: conf/pipeline.yaml. Exit codes: 0 ok, 1 failure, 2 bad config or usage, 3 bad input,",
      "4 upstream failure (storage, cluster, network, or an LLM endpoint refusing key, credit or quota; retry).",
      "Rerunning a run id reuses its committed stages.");

  public static void main(String[] args) {
    System.exit(run(args));
  }

  public static int run(String[] args) {
    Console console = new Console(System.out);
    try {
      CliArgs cli = CliArgs.parse(args, COMMANDS);
      switch (cli.command()) {
        case "help":
          System.out.println(USAGE);
          return ExitCode.OK;
        case "version":
          System.out.println("distill " + Version.VERSION);
          return ExitCode.OK;
        case "run":
          return runPipeline(cli, console, null);
        case "generate":
          return runPipeline(cli, console, "generate");
        case "select":
          return reselect(cli, console);
        case "report":
          return ReportCommand.run(cli, console);
        case "verify-handoff":
          return VerifyHandoffCommand.run(cli, System.out, System.err);
        case "grade":
          return dev.distill.job.grade.GradeCommand.run(cli.options());
        default:
          throw new CliArgs.UsageException("unknown command " + cli.command());
      }
    } catch (CliArgs.UsageException e) {
      System.err.println("distill: " + e.getMessage());
      System.err.println(USAGE);
      return ExitCode.BAD_CONFIG;
    } catch (ConfigException e) {
      System.err.println("distill: " + e.getMessage());
      return ExitCode.BAD_CONFIG;
    } catch (dev.distill.job.error.GenerationStoppedException e) {
      System.err.println("distill: " + e.getMessage());
      return ExitCode.UPSTREAM;
    } catch (dev.distill.job.error.BadInputException e) {
      System.err.println("distill: " + e.getMessage());
      return ExitCode.BAD_INPUT;
    } catch (Exception e) {
      // Exception, not RuntimeException: Spark's Scala code throws checked IOExceptions undeclared.
      boolean upstream = isUpstream(e);
      System.err.println("distill: run failed" + (upstream ? " (upstream: storage, cluster or network; retry when it is back)" : "") + ": " + e);
      e.printStackTrace(System.err);
      return upstream ? ExitCode.UPSTREAM : ExitCode.FAILED;
    }
  }

  private static int runPipeline(CliArgs cli, Console console, String stopAfter) {
    List<String> sets = new ArrayList<>(cli.sets());
    if (cli.options().containsKey("output")) {
      sets.add("run.output=" + cli.options().get("output"));
    }
    if (cli.options().containsKey("run-id")) {
      sets.add("run.run_id=" + cli.options().get("run-id"));
    }
    if (cli.options().containsKey("base-run")) {
      sets.add("run.base_run=" + cli.options().get("base-run"));
    }
    if (cli.options().containsKey("dry-run")) {
      sets.add("generate.dry_run=true");
    }
    Path config = cli.options().containsKey("config") ? Path.of(cli.options().get("config")) : null;
    PipelineConfig pipeline = PipelineConfig.from(ConfigLoader.fromSystemEnv().load(config, sets));
    String runId = pipeline.run().runId().isBlank()
        ? ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
        : pipeline.run().runId();
    validateRunId(runId);
    if (stopAfter != null && !pipeline.generate().enabled()) {
      throw new ConfigException("Cannot generate: no role names a model; set generate.teacher.model (or students, judge, classifier) "
          + "and generate.base_url in your config (see conf/pipeline.yaml)");
    }
    Preflight.check(pipeline, SparkSessions.hadoopConf(pipeline), runId, stopAfter);
    SparkSession spark = SparkSessions.create(pipeline);
    try {
      Pipeline.run(spark, pipeline, runId, console, stopAfter);
      return ExitCode.OK;
    } finally {
      spark.stop();
    }
  }

  /** An I/O failure anywhere in the cause chain, or the cluster gone: not distill's fault, worth a retry. */
  static boolean isUpstream(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof java.io.IOException) {
        return true;
      }
      String message = String.valueOf(t.getMessage());
      if (t.getClass().getName().equals("org.apache.spark.SparkException")
          && (message.contains("Master removed our application") || message.contains("All masters are unresponsive")
              || message.contains("SparkContext was shut down"))) {
        return true;
      }
    }
    return false;
  }

  static void validateRunId(String runId) {
    if (!runId.matches("[A-Za-z0-9._-]+")) {
      throw ConfigException.forKey("run.run_id", "\"" + runId + "\" is not a valid run id", "use letters, digits, '.', '_' and '-' only");
    }
  }

  @SuppressWarnings("unchecked")
  private static int reselect(CliArgs cli, Console console) {
    String runDir = cli.options().get("run");
    if (runDir == null) {
      throw new CliArgs.UsageException("select needs --run RUN_DIR (a directory holding run.json)");
    }
    org.apache.hadoop.conf.Configuration hadoop = new org.apache.hadoop.conf.Configuration();
    RunDirectory run = new RunDirectory(runDir, hadoop);
    if (!run.exists(run.runJson())) {
      throw new ConfigException("Cannot re-select in " + runDir + ": no run.json there; pass the run directory <output>/<run-id>");
    }
    Map<String, Object> doc;
    try {
      doc = Json.MAPPER.readValue(run.readString(run.runJson()), Map.class);
    } catch (java.io.IOException e) {
      throw new ConfigException("Cannot re-select in " + runDir + ": run.json is not valid JSON (" + e.getMessage() + ")");
    }
    // Secrets were redacted from run.json: pass them again with --set, or rely on the provider chain.
    Map<String, Object> tree = dev.distill.job.conf.Secrets.withoutRedacted((Map<String, Object>) doc.get("config"));
    List<String> sets = new ArrayList<>(cli.sets());
    for (String key : List.of("strategy", "seed", "size")) {
      if (cli.options().containsKey(key)) {
        sets.add("select." + key + "=" + cli.options().get(key));
      }
    }
    PipelineConfig config = PipelineConfig.from(ConfigLoader.fromSystemEnv().overlay(tree, sets));
    if (!run.isCommitted(run.stage("domains"))) {
      throw new ConfigException("Cannot re-select in " + runDir + ": stages/domains is not committed (no _SUCCESS); run the pipeline to the domains stage first");
    }
    String name = cli.options().getOrDefault("name", config.select().strategy() + "-seed" + config.select().seed());
    validateRunId(name);
    SparkSession spark = SparkSessions.create(config);
    try {
      StageContext context = new StageContext(spark, config, new RunDirectory(runDir, spark.sparkContext().hadoopConfiguration()));
      String target = runDir + "/selections/" + name;
      console.info("re-selecting from " + runDir + "/stages/domains with strategy " + config.select().strategy() + ", seed " + config.select().seed());
      StageResult r = SelectStage.run(context, spark.read().parquet(context.run().stage("domains")), target);
      Map<String, Object> entry = new LinkedHashMap<>(r.extra());
      entry.put("seconds", Math.round(r.seconds() * 100) / 100.0);
      Map<String, Object> selections = (Map<String, Object>) doc.getOrDefault("selections", new LinkedHashMap<>());
      selections.put(name, entry);
      doc.put("selections", selections);
      context.run().writeString(context.run().runJson(), Json.pretty(doc));
      console.info(String.format("selected %d of %d candidates over %s domains in %.1fs -> %s", r.rowsOut(), r.rowsIn(),
          r.extra().get("domains_covered"), r.seconds(), target));
      return ExitCode.OK;
    } finally {
      spark.stop();
    }
  }

  private Main() {}
}
