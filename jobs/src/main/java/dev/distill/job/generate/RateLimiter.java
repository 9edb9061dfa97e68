package dev.distill.job.generate;

/**
 * A per-minute budget (requests or tokens) as a token bucket that may go into debt: taking more
 * than is there makes the caller wait until the refill covers it, so large requests never starve.
 * Unused amounts can be given back.
 */
final class RateLimiter {
  private final double perMs;
  private final double capacity;
  private double available;
  private long last;

  /** @param perMinute the budget; 0 or less = unlimited */
  RateLimiter(double perMinute) {
    this.perMs = perMinute / 60_000.0;
    this.capacity = perMinute;
    this.available = perMinute;
    this.last = System.nanoTime();
  }

  boolean unlimited() {
    return perMs <= 0;
  }

  /** Takes {@code amount} and returns how long to wait (ms) before using it. */
  synchronized long take(double amount) {
    if (unlimited()) {
      return 0;
    }
    refill();
    available -= amount;
    return available >= 0 ? 0 : (long) Math.ceil(-available / perMs);
  }

  synchronized void giveBack(double amount) {
    if (!unlimited() && amount > 0) {
      refill();
      available = Math.min(capacity, available + amount);
    }
  }

  /** Takes {@code amount} and sleeps as long as needed. */
  void acquire(double amount) throws InterruptedException {
    long wait = take(amount);
    if (wait > 0) {
      Thread.sleep(wait);
    }
  }

  private void refill() {
    long now = System.nanoTime();
    available = Math.min(capacity, available + (now - last) / 1e6 * perMs);
    last = now;
  }
}
