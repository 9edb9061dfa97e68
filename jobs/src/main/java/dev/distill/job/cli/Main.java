package dev.distill.job.cli;

import dev.distill.job.conf.ConfigLoader;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.error.ExitCode;
import dev.distill.job.error.Failures;
import dev.distill.job.generate.GenerateStage;
import dev.distill.job.io.Console;
import dev.distill.job.io.Version;
import dev.distill.job.run.Plan;
import dev.distill.job.select.Selector;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Spec;

/** The distill command line: parses the command and its options (picocli) and maps what happens to an exit code. */
@Command(name = "distill", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
    description = "Distributed data distillation on Apache Spark: the s1 recipe from candidate problems to a ready-to-train bundle.",
    subcommands = {RunCommand.class, GenerateCommand.class, SelectCommand.class, ReportCommand.class, VerifyHandoffCommand.class,
        GradeResponsesCommand.class, Main.VersionCommand.class, CommandLine.HelpCommand.class, AutoComplete.GenerateCompletion.class},
    footer = {"", "bench: bin/distill bench --help (the benchmark harness, in the bench module).",
        "Configuration keys: conf/pipeline.yaml. Exit codes: 0 ok, 1 failure, 2 bad config or usage, 3 bad input,",
        "4 upstream failure (storage, cluster, network, or an LLM endpoint refusing key, credit or quota; retry).",
        "Rerunning a run id reuses its committed stages. Shell completion: bin/distill generate-completion."})
public final class Main implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs one command line; returns the exit code (see {@link ExitCode}). */
  public static int run(String[] args) {
    return commandLine().execute(args);
  }

  /** The command line with its subcommands, exit codes and error handling, writing to the current System.out and System.err. */
  static CommandLine commandLine() {
    return commandLine(Plan::of);
  }

  /** The command line whose run and generate commands run the plans {@code plans} makes. */
  public static CommandLine commandLine(Plans plans) {
    CommandLine cli = new CommandLine(new Main());
    for (String name : List.of("run", "generate")) {
      ((PipelineCommand) cli.getSubcommands().get(name).getCommand()).plans = plans;
    }
    cli.setOut(new PrintWriter(System.out, true));
    cli.setErr(new PrintWriter(System.err, true));
    cli.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(false);
    Console console = new Console(System.out);
    describeSteps(cli.getSubcommands().get("run"), plans.of(PipelineConfig.from(ConfigLoader.defaults()), console).arrows());
    describeSteps(cli.getSubcommands().get("generate"), Plan.all(console).through(GenerateStage.NAME).arrows());
    describeStrategies(cli.getSubcommands().get("select"));
    cli.setParameterExceptionHandler(Main::usageError);
    cli.setExecutionExceptionHandler((e, command, parsed) -> Failures.report(e, command.getErr()));
    return cli;
  }

  /** Fills the steps a command runs, as the plan names them, into its description. */
  private static void describeSteps(CommandLine command, String steps) {
    CommandSpec spec = command.getCommandSpec();
    String[] lines = spec.usageMessage().description();
    for (int i = 0; i < lines.length; i++) {
      lines[i] = lines[i].replace("STEPS", steps);
    }
    spec.usageMessage().description(lines);
  }

  /** Lists every registered strategy with the options it reads under select's --strategy. */
  private static void describeStrategies(CommandLine select) {
    CommandSpec spec = select.getCommandSpec();
    OptionSpec strategy = spec.findOption("--strategy");
    List<String> lines = new ArrayList<>(List.of(strategy.description()));
    for (Selector s : Selector.all()) {
      lines.add("  " + s.name() + (s.options().isEmpty() ? "" : ": reads " + String.join(", ", s.options())));
    }
    spec.remove(strategy);
    spec.addOption(OptionSpec.builder(strategy).description(lines.toArray(String[]::new)).build());
  }

  /** {@code distill} alone prints the usage. */
  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return ExitCode.OK;
  }

  private static int usageError(CommandLine.ParameterException e, String[] args) {
    PrintWriter err = e.getCommandLine().getErr();
    err.println("distill: " + e.getMessage());
    e.getCommandLine().usage(err);
    err.flush();
    return ExitCode.BAD_CONFIG;
  }

  /** {@code --version} and {@code distill version}. */
  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"distill " + Version.VERSION};
    }
  }

  @Command(name = "version", description = "Print the version.", mixinStandardHelpOptions = true)
  static final class VersionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
      spec.commandLine().getOut().println("distill " + Version.VERSION);
      return ExitCode.OK;
    }
  }
}
