package dev.distill.job.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** Fatal failures in a row stop a task once, at the limit; anything else starts the count again. */
class FatalStreakTest {
  private static final ProviderError.Kind FATAL = ProviderError.Kind.FATAL;

  @Test
  void theOutcomeThatReachesTheLimitStopsTheTaskAndReportsOnce() {
    FatalStreak streak = new FatalStreak(3);
    assertEquals(OptionalInt.empty(), streak.count(FATAL));
    assertEquals(OptionalInt.empty(), streak.count(FATAL));
    assertFalse(streak.stopping());
    assertEquals(OptionalInt.of(3), streak.count(FATAL));
    assertTrue(streak.stopping());
    assertEquals(OptionalInt.empty(), streak.count(FATAL), "a call already in flight does not report the stop again");
    assertTrue(streak.stopping());
  }

  @Test
  void aReplyOrAnotherKindOfFailureResetsTheCount() {
    FatalStreak streak = new FatalStreak(2);
    streak.count(FATAL);
    streak.count(null);
    assertEquals(OptionalInt.empty(), streak.count(FATAL));
    streak.count(ProviderError.Kind.TRANSIENT);
    assertEquals(OptionalInt.empty(), streak.count(FATAL));
    streak.count(ProviderError.Kind.FINAL);
    assertEquals(OptionalInt.empty(), streak.count(FATAL));
    assertFalse(streak.stopping());
    assertEquals(OptionalInt.of(2), streak.count(FATAL));
  }

  @Test
  void aResetAfterTheStopDoesNotResumeCalling() {
    FatalStreak streak = new FatalStreak(1);
    assertEquals(OptionalInt.of(1), streak.count(FATAL));
    streak.count(null);
    assertTrue(streak.stopping());
    assertEquals(OptionalInt.empty(), streak.count(FATAL));
  }
}
