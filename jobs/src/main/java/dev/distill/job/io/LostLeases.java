package dev.distill.job.io;

import dev.distill.job.error.RunHeldException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The run directories whose lease this JVM held and lost to a takeover: {@link RunDirectory}
 * refuses to write into them, so a holder that was taken over stops at its next write instead of
 * mixing its files with the new holder's.
 */
final class LostLeases {
  private static final Map<String, String> LOST = new ConcurrentHashMap<>();

  static void lost(String root, String message) {
    LOST.put(root, message);
  }

  static void forget(String root) {
    LOST.remove(root);
  }

  /** @throws RunHeldException when the lease of {@code root} was taken over */
  static void checkWritable(String root) {
    String message = LOST.get(root);
    if (message != null) {
      throw new RunHeldException(message);
    }
  }

  private LostLeases() {}
}
