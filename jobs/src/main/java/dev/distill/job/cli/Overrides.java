package dev.distill.job.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** {@code --set key=value}, repeated: config overrides, applied last (after the file and the environment). */
final class Overrides {
  @Option(names = "--set", paramLabel = "KEY=VALUE", showDefaultValue = CommandLine.Help.Visibility.NEVER,
      description = "Override a config key (repeatable), e.g. --set select.seed=7 --set spark.master=local[2]; keys: conf/pipeline.yaml.")
  List<String> sets = new ArrayList<>();
}
