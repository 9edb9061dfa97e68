package dev.distill.job.generate;

/**
 * A hard spending limit: a call starts only after its worst-case cost is reserved, so what is
 * spent never passes the cap; the reservation is settled to the real cost when the reply comes.
 */
final class SpendingCap {
  private final double cap;
  private double spent;
  private double reserved;
  private boolean reached;

  /** @param cap USD; 0 or less = no cap */
  SpendingCap(double cap) {
    this.cap = cap;
  }

  /**
   * Reserves {@code worstCase}, waiting for calls in flight to settle when it does not fit yet;
   * false (and the cap counts as reached) when it cannot fit even with nothing in flight.
   */
  synchronized boolean reserve(double worstCase) throws InterruptedException {
    if (cap <= 0) {
      return true;
    }
    while (!reached && spent + reserved + worstCase > cap && reserved > 0) {
      wait();
    }
    if (reached || spent + reserved + worstCase > cap) {
      reached = true;
      return false;
    }
    reserved += worstCase;
    return true;
  }

  /** Reserves {@code worstCase} if it fits now, never waiting (the driver submitting batches has nothing in flight to wait for). */
  synchronized boolean tryReserve(double worstCase) {
    if (cap <= 0) {
      return true;
    }
    if (spent + reserved + worstCase > cap) {
      reached = true;
      return false;
    }
    reserved += worstCase;
    return true;
  }

  /**
   * Counts {@code worstCase} as reserved whether it fits or not: a batch already at the provider
   * will be billed either way. When it does not fit the cap counts as reached, so nothing new starts.
   */
  synchronized void hold(double worstCase) {
    if (cap <= 0) {
      return;
    }
    if (spent + reserved + worstCase > cap) {
      reached = true;
    }
    reserved += worstCase;
  }

  /**
   * Reserves all that is left, for calls that run elsewhere and have their own caps within it (the
   * online calls' tasks); settle it with what they spent. 0 when there is no cap; else more than 0
   * (a share of 0 would mean no cap to them), 1e-12 when nothing is left.
   */
  synchronized double reserveRest() {
    if (cap <= 0) {
      return 0;
    }
    double rest = Math.max(1e-12, cap - spent - reserved);
    reserved += rest;
    return rest;
  }

  /**
   * Turns a reservation into spending: an attempt that may have been billed at its worst case. The
   * caller then holds nothing, so it may wait in {@link #reserve} without keeping others waiting.
   */
  synchronized void spendReserved(double worstCase) {
    if (cap > 0) {
      reserved -= worstCase;
      notifyAll();
    }
    spent += worstCase;
  }

  synchronized void settle(double worstCase, double actual) {
    if (cap > 0) {
      reserved -= worstCase;
      notifyAll();
    }
    spent += actual;
  }

  synchronized boolean reached() {
    return reached;
  }

  synchronized double spent() {
    return spent;
  }
}
