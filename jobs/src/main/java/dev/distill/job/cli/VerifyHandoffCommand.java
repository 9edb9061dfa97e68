package dev.distill.job.cli;

import dev.distill.job.error.ExitCode;
import dev.distill.job.export.HandoffVerifier;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code bin/distill verify-handoff DIR}: recomputes the bundle's checksums and row counts; exit 3 on any problem. */
@Command(name = "verify-handoff", mixinStandardHelpOptions = true,
    description = "Recompute a handoff bundle's sha256s, row counts and chat markers (exit 3 on any mismatch).")
final class VerifyHandoffCommand implements Callable<Integer> {
  @Parameters(paramLabel = "DIR", arity = "1", description = "The bundle: <output>/<run-id>/handoff (local, hdfs:// or s3a://).")
  String dir;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    HandoffVerifier.Result result = HandoffVerifier.verify(dir, new Configuration());
    if (result.ok()) {
      out.println("[distill] handoff " + dir + " verified: " + result.rows() + " rows, every checksum, row count and chat marker matches");
      out.flush();
      return ExitCode.OK;
    }
    err.println("distill: Cannot trust the handoff bundle " + dir + ": " + result.problems().size() + " problem(s); re-export it "
        + "(bin/distill run) or copy it again:");
    result.problems().forEach(p -> err.println("  - " + p));
    err.flush();
    return ExitCode.BAD_INPUT;
  }
}
