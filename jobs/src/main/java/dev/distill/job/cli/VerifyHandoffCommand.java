package dev.distill.job.cli;

import dev.distill.job.error.ExitCode;
import dev.distill.job.export.HandoffVerifier;
import java.io.PrintStream;

/** {@code bin/distill verify-handoff DIR}: recomputes the bundle's checksums and row counts; exit 3 on any problem. */
final class VerifyHandoffCommand {

  static int run(CliArgs cli, PrintStream out, PrintStream err) {
    if (cli.arguments().size() != 1) {
      throw new CliArgs.UsageException("verify-handoff needs one directory: bin/distill verify-handoff <run>/handoff");
    }
    String dir = cli.arguments().get(0);
    HandoffVerifier.Result result = HandoffVerifier.verify(dir, new org.apache.hadoop.conf.Configuration());
    if (result.ok()) {
      out.println("[distill] handoff " + dir + " verified: " + result.rows() + " rows, every checksum, row count and chat marker matches");
      return ExitCode.OK;
    }
    err.println("distill: Cannot trust the handoff bundle " + dir + ": " + result.problems().size() + " problem(s); re-export it "
        + "(bin/distill run) or copy it again:");
    result.problems().forEach(p -> err.println("  - " + p));
    return ExitCode.BAD_INPUT;
  }

  private VerifyHandoffCommand() {}
}
