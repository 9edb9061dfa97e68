package dev.distill.bench;

import dev.distill.job.error.BadInputException;
import dev.distill.job.error.ConfigException;
import dev.distill.job.error.ExitCode;
import dev.distill.job.error.Failures;
import dev.distill.job.io.Console;
import dev.distill.job.io.Version;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bin/distill bench}: the command line of {@link BenchCommand}. Exit codes as the rest of
 * the CLI: 0 ok, 1 failure, 2 bad option or config, 3 bad input, 4 upstream failure.
 */
@Command(name = "bin/distill bench", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
    versionProvider = BenchMain.VersionProvider.class,
    description = "Generate (or reuse, under <output>/pools/) an s1-shaped pool, run the whole pipeline on it (no LLM calls), "
        + "print seconds, rows/s, MB/s, CPU, peak heap and RSS per stage and the peers (MLlib MinHashLSH, native tokenizer, the "
        + "s1-style Python reference); or, with --pool public, time bin/distill run and report on conf/public-pool.yaml against the reference; "
        + "JSON to <output>/results/, a markdown section appended to --results.",
    footer = {"", "Exit codes: 0 ok, 1 failure, 2 bad option or config, 3 bad input, 4 upstream failure (retry)."})
public final class BenchMain implements Callable<Integer> {

  static final String BENCH_POOL = "bench";
  static final String PUBLIC_POOL = "public";
  /** Options of the generated pool only: refused with {@code --pool public}, which runs its config as it is. */
  static final List<String> GENERATED_POOL_OPTIONS = List.of("--size", "--seed", "--tokenizer", "--peers", "--mllib-tables",
      "--token-sample-mb", "--tokens-only");

  @Spec
  CommandSpec spec;

  @Option(names = "--pool", paramLabel = "bench|public", defaultValue = BENCH_POOL, converter = PoolConverter.class,
      description = "bench: the generated s1-shaped pool of --size, the pipeline run in this JVM. public: time bin/distill run --config "
          + "(conf/public-pool.yaml) and bin/distill report as whole commands, beside the s1-style Python reference; the ratio "
          + "against issue 16's target (<= 8x) as PASS or MISS. Default: ${DEFAULT-VALUE}.")
  String pool;

  @Option(names = "--config", paramLabel = "FILE",
      description = "With --pool public: the pipeline config run. Default: conf/public-pool.yaml of the checkout.")
  Path config;

  @Option(names = "--python", paramLabel = "PATH", defaultValue = "python3",
      description = "Python 3.9+ interpreter of the s1-style reference (bench/python/s1_reference.py), run on the same pool files in "
          + "the same bench run; '' skips it; a missing one is reported in the figures, not a failure. Default: ${DEFAULT-VALUE}.")
  String python;

  @Option(names = "--size", paramLabel = "N", defaultValue = "10000", converter = SizeConverter.class,
      description = "Candidates in the pool: 10000, 59000, 1000000, or any N of at least 100 (59k, 1m, 1_000_000). Default: ${DEFAULT-VALUE}.")
  long size;

  @Option(names = "--output", paramLabel = "DIR", defaultValue = "out/bench",
      description = "Pools, pipeline runs, configs and results go under DIR. Default: ${DEFAULT-VALUE}.")
  Path output;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "1", converter = WholeNumber.class,
      description = "Seed of the generated pool. Default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(names = "--tokenizer", paramLabel = "PATH",
      description = "tokenizer.json the difficulty stage and the token peer count with; '' estimates token counts. "
          + "Default: the Qwen tokenizer beside the shared data ($DISTILL_DATA/../tokenizers/qwen/tokenizer.json) where it exists, "
          + "else '' (here: '${DEFAULT-VALUE}').")
  String tokenizer;

  @Option(names = "--results", paramLabel = "FILE",
      description = "Markdown file the run's section is appended to. Default: <output>/RESULTS.md.")
  Path results;

  @Option(names = "--peers", paramLabel = "true|false", arity = "1", defaultValue = "true", converter = StrictBoolean.class,
      description = "Run the peers (MLlib MinHashLSH, the tokenizers library on one thread) on the same data. Default: ${DEFAULT-VALUE}.")
  boolean peers;

  @Option(names = "--mllib-tables", paramLabel = "N", defaultValue = "5", converter = WholeNumber.class,
      description = "Hash tables of MLlib's MinHashLSH. Default: ${DEFAULT-VALUE}.")
  long mllibTables;

  @Option(names = "--token-sample-mb", paramLabel = "N", defaultValue = "16", converter = WholeNumber.class,
      description = "Megabytes (2^20 characters) of traces the token peer counts. Default: ${DEFAULT-VALUE}.")
  long tokenSampleMb;

  @Option(names = "--tokens-only", paramLabel = "true|false", arity = "1", defaultValue = "false", converter = StrictBoolean.class,
      description = "Only compare token counters: every question, solution and trace of the --size pool counted by distill's counter and "
          + "by the tokenizers library (DJL) on every core, tokens/s and MB/s per core each; exits 1 if any count differs. Default: ${DEFAULT-VALUE}.")
  boolean tokensOnly;

  @Option(names = "--keep", paramLabel = "true|false", arity = "1", defaultValue = "false", converter = StrictBoolean.class,
      description = "Keep the pipeline's run directory (else deleted at the end). Default: ${DEFAULT-VALUE}.")
  boolean keep;

  @Option(names = "--set", paramLabel = "key=value",
      description = "Override a pipeline configuration key (conf/pipeline.yaml), e.g. spark.master=local[4]; repeatable. Default: none.")
  List<String> sets = new ArrayList<>();

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Parses {@code args}, runs the benchmark and returns the exit code; messages go to standard error. */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  /** The configured command line: last value of a repeated option wins, errors print as {@code distill: ...}. */
  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new BenchMain());
    cli.setOverwrittenOptionsAllowed(true);
    cli.setDefaultValueProvider(arg -> arg instanceof CommandLine.Model.OptionSpec o && "--tokenizer".equals(o.longestName())
        ? BenchCommand.defaultTokenizer() : null);
    cli.setParameterExceptionHandler((e, args) -> {
      PrintWriter err = e.getCommandLine().getErr();
      err.println("distill: " + e.getMessage());
      err.println("Options and their defaults: bin/distill bench --help");
      return ExitCode.BAD_CONFIG;
    });
    cli.setExecutionExceptionHandler((e, command, parsed) -> Failures.report(e, command.getErr()));
    return cli;
  }

  /** Parses {@code args} into the benchmark's options (no run); bad values throw. */
  static BenchCommand.Options parse(String... args) {
    CommandLine cli = commandLine();
    cli.parseArgs(args);
    return cli.<BenchMain>getCommand().options();
  }

  @Override
  public Integer call() {
    if (PUBLIC_POOL.equals(pool)) {
      PublicPoolBench.run(publicOptions(), new Console(System.out));
      return ExitCode.OK;
    }
    if (config != null) {
      throw new ConfigException("Cannot benchmark: --config applies to --pool public; the generated pool's config is written by the bench "
          + "(use --set key=value to change a setting)");
    }
    if (tokensOnly) {
      TokenComparison.report(options(), new Console(System.out));
      return ExitCode.OK;
    }
    BenchCommand.run(options(), new Console(System.out));
    return ExitCode.OK;
  }

  /** The parsed options, checked: the tokenizer exists (or is '', estimate). */
  BenchCommand.Options options() {
    String tok = tokenizer == null ? "" : tokenizer;
    if (!tok.isBlank() && !Files.exists(Path.of(tok))) {
      throw new ConfigException("Cannot benchmark: tokenizer " + tok + " does not exist; pass --tokenizer PATH to a tokenizer.json, "
          + "or --tokenizer '' to estimate token counts");
    }
    Path resultsFile = results != null ? results : output.resolve("RESULTS.md");
    return new BenchCommand.Options(size, output, seed, tok, resultsFile, peers, (int) mllibTables, keep, tokenSampleMb << 20,
        List.copyOf(sets), python);
  }

  /** The options of {@code --pool public}, checked: no option of the generated pool, and the config exists. */
  PublicPoolBench.Options publicOptions() {
    for (String name : GENERATED_POOL_OPTIONS) {
      if (spec.commandLine().getParseResult().hasMatchedOption(name)) {
        throw new ConfigException("Cannot benchmark: " + name + " applies to the generated pool (--pool bench); --pool public runs "
            + "its config as it is: leave " + name + " out, or change the config with --set key=value");
      }
    }
    Path file = config != null ? config : BenchHome.root().resolve("conf/public-pool.yaml");
    if (!Files.isRegularFile(file)) {
      throw new ConfigException("Cannot benchmark: the config " + file + " does not exist; pass --config FILE");
    }
    Path resultsFile = results != null ? results : output.resolve("RESULTS.md");
    return new PublicPoolBench.Options(file, output, resultsFile, python, keep, List.copyOf(sets));
  }

  /** {@code --pool}: bench or public. */
  static final class PoolConverter implements CommandLine.ITypeConverter<String> {
    @Override
    public String convert(String value) {
      String v = value.strip().toLowerCase(Locale.ROOT);
      if (v.equals(BENCH_POOL) || v.equals(PUBLIC_POOL)) {
        return v;
      }
      throw new CommandLine.TypeConversionException("takes bench (the generated pool) or public (conf/public-pool.yaml), not '" + value + "'");
    }
  }

  /** {@code --size}: a whole number of at least 100, with k/m suffixes and _ or , separators. */
  static final class SizeConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      return parseSize(value);
    }
  }

  /** 10000, 59k, 1m, 1_000_000, 1,000,000: at least 100. */
  static long parseSize(String s) {
    String v = s.trim().toLowerCase(Locale.ROOT).replace("_", "").replace(",", "");
    long factor = 1;
    if (v.endsWith("k")) {
      factor = 1_000;
      v = v.substring(0, v.length() - 1);
    } else if (v.endsWith("m")) {
      factor = 1_000_000;
      v = v.substring(0, v.length() - 1);
    }
    long n;
    try {
      n = Long.parseLong(v) * factor;
    } catch (NumberFormatException e) {
      throw new CommandLine.TypeConversionException("'" + s + "' is not a whole number (e.g. 10000, 59000, 1000000, 59k, 1m)");
    }
    if (n < 100) {
      throw new CommandLine.TypeConversionException("cannot benchmark " + n + " candidates: at least 100 (e.g. 10000, 59000, 1000000, 59k, 1m)");
    }
    return n;
  }

  /** A whole number (surrounding spaces allowed). */
  static final class WholeNumber implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      try {
        return Long.parseLong(value.trim());
      } catch (NumberFormatException e) {
        throw new CommandLine.TypeConversionException("'" + value + "' is not a whole number");
      }
    }
  }

  /** {@code true} or {@code false} (any case), nothing else. */
  static final class StrictBoolean implements CommandLine.ITypeConverter<Boolean> {
    @Override
    public Boolean convert(String value) {
      if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
        return Boolean.parseBoolean(value);
      }
      throw new CommandLine.TypeConversionException("takes true or false, not '" + value + "'");
    }
  }

  /** {@code --version}: distill's version. */
  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"distill " + Version.VERSION};
    }
  }
}
