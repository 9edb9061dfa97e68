package dev.distill.job.generate;

import java.util.concurrent.ThreadFactory;

/** Named daemon threads, so a stuck request or timer never keeps a JVM alive. */
final class DaemonThreads {
  static ThreadFactory named(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  private DaemonThreads() {}
}
