package dev.distill.job.embed;

import java.util.concurrent.ConcurrentHashMap;

/**
 * One loaded model per JVM (an executor, or the driver in local mode), shared by its tasks:
 * loaded by the first task that needs it, keyed by the model's sha256 and the thread count.
 */
final class ExecutorEncoders {
  private static final ConcurrentHashMap<String, SentenceEncoder> LOADED = new ConcurrentHashMap<>();

  static SentenceEncoder get(ModelRef ref, int threads) {
    return LOADED.computeIfAbsent(ref.sha256() + "/" + ref.pooling() + "/" + threads, k -> SentenceEncoder.open(ref, threads));
  }

  private ExecutorEncoders() {}
}
