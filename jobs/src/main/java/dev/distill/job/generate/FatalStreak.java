package dev.distill.job.generate;

import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fatal failures in a row (a bad key, no credit, a spent quota) across the request threads of one
 * task; any other outcome resets the count. The outcome that brings the count to the limit first
 * stops the task: it makes no further call, and only that outcome reports the stop.
 */
final class FatalStreak {
  private final int limit;
  private final AtomicInteger inARow = new AtomicInteger();
  private final AtomicBoolean stopping = new AtomicBoolean();

  FatalStreak(int limit) {
    this.limit = limit;
  }

  /** Counts one call's outcome (null: a reply); the streak's length when this outcome stopped the task, else empty. */
  OptionalInt count(ProviderError.Kind kind) {
    if (kind != ProviderError.Kind.FATAL) {
      inARow.set(0);
      return OptionalInt.empty();
    }
    int n = inARow.incrementAndGet();
    return n >= limit && stopping.compareAndSet(false, true) ? OptionalInt.of(n) : OptionalInt.empty();
  }

  boolean stopping() {
    return stopping.get();
  }
}
