package dev.distill.job.error;

/**
 * The generate stage stopped with batches still in flight at the provider, as asked
 * ({@code --submit-only}: exit 0; {@code --collect}: exit 5). Every batch is in the ledger, so the
 * same command run later attaches to them; the run's earlier stages stay committed.
 */
public final class BatchesPendingException extends RuntimeException {
  private final int exitCode;

  public BatchesPendingException(String message, int exitCode) {
    super(message);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
