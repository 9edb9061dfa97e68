package dev.distill.job.error;

import java.io.IOException;
import java.io.PrintWriter;

/** What a command prints for an exception and the exit code it returns: one mapping for every command. */
public final class Failures {

  /** Prints {@code e} as the user reads it ("distill: ...", a stack trace only for the unexpected) and returns its exit code. */
  public static int report(Exception e, PrintWriter err) {
    try {
      if (e instanceof ConfigException || e instanceof RunHeldException) {
        err.println("distill: " + e.getMessage());
        return ExitCode.BAD_CONFIG;
      }
      if (e instanceof GenerationStoppedException) {
        err.println("distill: " + e.getMessage());
        return ExitCode.UPSTREAM;
      }
      if (e instanceof BatchesPendingException pending) {
        err.println("distill: " + e.getMessage());
        return pending.exitCode();
      }
      if (e instanceof BadInputException) {
        err.println("distill: " + e.getMessage());
        return ExitCode.BAD_INPUT;
      }
      // Exception, not RuntimeException: Spark's Scala code throws checked IOExceptions undeclared.
      boolean upstream = isUpstream(e);
      err.println("distill: run failed" + (upstream ? " (upstream: storage, cluster or network; retry when it is back)" : "") + ": " + e);
      e.printStackTrace(err);
      return upstream ? ExitCode.UPSTREAM : ExitCode.FAILED;
    } finally {
      err.flush();
    }
  }

  /** An I/O failure anywhere in the cause chain, or the cluster gone: not distill's fault, worth a retry. */
  public static boolean isUpstream(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof IOException) {
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

  private Failures() {}
}
