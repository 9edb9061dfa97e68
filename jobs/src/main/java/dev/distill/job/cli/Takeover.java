package dev.distill.job.cli;

import java.util.List;
import picocli.CommandLine.Option;

/** {@code --force-takeover}: the commands that write a run may take over its expired lease. */
final class Takeover {
  @Option(names = "--force-takeover", description = "Take over the run's lease when it has expired (its holder was killed or lost its "
      + "machine) and resume the run (run.force_takeover); a lease still being renewed is never taken. Default: ${DEFAULT-VALUE}.")
  boolean force;

  List<String> sets() {
    return force ? List.of("run.force_takeover=true") : List.of();
  }
}
