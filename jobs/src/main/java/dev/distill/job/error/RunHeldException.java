package dev.distill.job.error;

/**
 * Another process holds the run this command would write (exit 2): the message names the holder
 * and how to take over once it is gone. Also what a holder ends with when its lease was taken over.
 */
public class RunHeldException extends RuntimeException {
  public RunHeldException(String message) {
    super(message);
  }
}
