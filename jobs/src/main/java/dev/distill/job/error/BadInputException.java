package dev.distill.job.error;

/** More input rows are unreadable than run.max_quarantine_fraction allows; the CLI exits 3. */
public final class BadInputException extends RuntimeException {
  public BadInputException(String message) {
    super(message);
  }
}
