package dev.distill.job.ingest;

/**
 * A record that was read but cannot be mapped onto the canonical schema, e.g. it has no
 * question. The caller quarantines the row with {@link #getMessage()} as its error; {@link
 * #reason()} is a short stable code for counting ({@code missing_question}, {@code not_an_object},
 * {@code bad_grades}).
 *
 * <p>Unchecked so that it can cross Spark lambdas; callers that map rows must catch it.
 */
public final class RecordException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String reason;

  public RecordException(String reason, String message) {
    super(message);
    this.reason = reason;
  }

  /** Short stable code of the problem, e.g. {@code missing_question}. */
  public String reason() {
    return reason;
  }
}
