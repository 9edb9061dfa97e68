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
