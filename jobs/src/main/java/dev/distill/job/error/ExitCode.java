package dev.distill.job.error;

/** What the CLI's exit status says, for schedulers deciding whether to retry. */
public final class ExitCode {
  public static final int OK = 0;
  public static final int FAILED = 1;
  /** Bad config or usage: fix the command or the config; a retry fails the same way. */
  public static final int BAD_CONFIG = 2;
  /** Too much unreadable input: fix the sources. */
  public static final int BAD_INPUT = 3;
  /** Something outside distill failed: storage or object store I/O, the cluster, a network service. Retrying later may succeed. */
  public static final int UPSTREAM = 4;
  /** {@code generate --collect}: batches are still in flight at the provider; run the same command again later. */
  public static final int PENDING = 5;

  private ExitCode() {}
}
