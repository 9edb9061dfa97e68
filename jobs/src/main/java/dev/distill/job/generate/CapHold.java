package dev.distill.job.generate;

/**
 * One call's hold on its task's spending cap, and the guard its retries go through. The call
 * starts holding its worst-case reservation; an abandoned (possibly billed) attempt turns that
 * reservation into spending, and another attempt needs a fresh one; at the end the reservation is
 * settled to what abandoned attempts have not already counted of the call's cost.
 */
final class CapHold implements ChatClient.Guard {
  private final SpendingCap cap;
  private final double worstCase;
  private final FatalStreak streak;
  /** 0 after a reservation was spent on an abandoned attempt and no other fitted. */
  private double reserved;
  private double spent;

  /** @param worstCase already reserved on {@code cap} by the caller */
  CapHold(SpendingCap cap, double worstCase, FatalStreak streak) {
    this.cap = cap;
    this.worstCase = worstCase;
    this.streak = streak;
    this.reserved = worstCase;
  }

  @Override
  public boolean stopped() {
    return streak.stopping();
  }

  @Override
  public boolean mayRetryAbandoned() {
    synchronized (this) {
      cap.spendReserved(reserved);
      spent += reserved;
      reserved = 0;
    }
    try {
      if (!cap.reserve(worstCase)) {
        return false;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    synchronized (this) {
      reserved = worstCase;
    }
    return true;
  }

  /** Ends the hold: {@code cost} is the call's whole cost, abandoned attempts included. */
  synchronized void settle(double cost) {
    cap.settle(reserved, Math.max(0, cost - spent));
  }
}
