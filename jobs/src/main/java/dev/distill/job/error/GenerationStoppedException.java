package dev.distill.job.error;

/**
 * The stage stopped calling because an endpoint kept refusing for reasons no retry fixes (a bad
 * key, no credit, a spent quota). Every reply received is in the ledger; the CLI exits 4.
 */
public final class GenerationStoppedException extends RuntimeException {
  public GenerationStoppedException(String message) {
    super(message);
  }
}
