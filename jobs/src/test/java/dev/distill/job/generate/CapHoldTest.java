package dev.distill.job.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A call's reservation on the spending cap across abandoned attempts, and what it settles to. */
class CapHoldTest {

  @Test
  void anAbandonedAttemptIsSpentAtItsWorstCaseAndTheCallSettlesTheRest() throws Exception {
    SpendingCap cap = new SpendingCap(1.0);
    assertTrue(cap.reserve(0.4));
    CapHold hold = new CapHold(cap, 0.4, new FatalStreak(3));
    assertTrue(hold.mayRetryAbandoned());
    assertEquals(0.4, cap.spent(), 1e-12);
    // One abandoned attempt at 0.4, then a reply that cost 0.1.
    hold.settle(0.5);
    assertEquals(0.5, cap.spent(), 1e-12);
    assertTrue(reserveWithoutWaiting(cap, 0.5), "nothing is left reserved once the call settled");
  }

  @Test
  void noRetryWhenAnotherWorstCaseWouldPassTheCap() throws Exception {
    SpendingCap cap = new SpendingCap(0.5);
    assertTrue(cap.reserve(0.4));
    CapHold hold = new CapHold(cap, 0.4, new FatalStreak(3));
    assertFalse(hold.mayRetryAbandoned());
    assertTrue(cap.reached());
    hold.settle(0.4);
    assertEquals(0.4, cap.spent(), 1e-12, "the abandoned attempt is counted once");
  }

  @Test
  void aCallWithoutAbandonedAttemptsSpendsWhatItCost() throws Exception {
    SpendingCap cap = new SpendingCap(1.0);
    assertTrue(cap.reserve(0.9));
    new CapHold(cap, 0.9, new FatalStreak(3)).settle(0.25);
    assertEquals(0.25, cap.spent(), 1e-12);
    assertTrue(reserveWithoutWaiting(cap, 0.75));
  }

  @Test
  void stoppedOnceTheFatalStreakStopsTheTask() {
    FatalStreak streak = new FatalStreak(1);
    CapHold hold = new CapHold(new SpendingCap(0), 0.1, streak);
    assertFalse(hold.stopped());
    streak.count(ProviderError.Kind.FATAL);
    assertTrue(hold.stopped());
  }

  /** A reservation still held would make this wait for a settle that never comes: fail instead. */
  private static boolean reserveWithoutWaiting(SpendingCap cap, double amount) {
    return assertTimeoutPreemptively(Duration.ofSeconds(5), () -> cap.reserve(amount));
  }
}
