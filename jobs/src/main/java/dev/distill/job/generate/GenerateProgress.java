package dev.distill.job.generate;

import dev.distill.job.io.Console;
import java.io.Serializable;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;
import scala.Tuple4;
import scala.collection.Iterator;
import scala.collection.immutable.Seq;

/**
 * Live progress of the calls: the executors count in accumulators, whose running values reach the
 * driver with every executor heartbeat; this listener sums them and prints a line every few
 * seconds (calls done / cached / failed, tokens, cost, rate, ETA).
 */
final class GenerateProgress extends SparkListener implements AutoCloseable {

  /**
   * The accumulators the generation tasks add to: calls answered, failed, over the cap, retries,
   * tokens, cost; calls whose reply was cut at max_tokens, rejected by the server, attempts
   * abandoned (billed at their worst case), calls not made because the stage is stopping; and
   * the reasons a task stopped the stage.
   */
  record Counters(LongAccumulator ok, LongAccumulator failed, LongAccumulator capped, LongAccumulator retries,
      LongAccumulator promptTokens, LongAccumulator completionTokens, LongAccumulator costMicros, LongAccumulator truncated,
      LongAccumulator rejected, LongAccumulator abandoned, LongAccumulator notMade, CollectionAccumulator<String> stops)
      implements Serializable {

    static Counters register(SparkContext sc, String prefix) {
      return new Counters(sc.longAccumulator(prefix + ".ok"), sc.longAccumulator(prefix + ".failed"),
          sc.longAccumulator(prefix + ".capped"), sc.longAccumulator(prefix + ".retries"),
          sc.longAccumulator(prefix + ".prompt_tokens"), sc.longAccumulator(prefix + ".completion_tokens"),
          sc.longAccumulator(prefix + ".cost_micros"), sc.longAccumulator(prefix + ".truncated"), sc.longAccumulator(prefix + ".rejected"),
          sc.longAccumulator(prefix + ".abandoned"), sc.longAccumulator(prefix + ".not_made"), sc.collectionAccumulator(prefix + ".stops"));
    }

    List<LongAccumulator> all() {
      return List.of(ok, failed, capped, retries, promptTokens, completionTokens, costMicros, truncated, rejected, abandoned, notMade);
    }

    static void add(CollectionAccumulator<String> accumulator, String value) {
      synchronized (accumulator) {
        accumulator.add(value);
      }
    }

    /** Accumulators are not thread-safe; a task's request threads add through this. */
    static void add(LongAccumulator accumulator, long value) {
      synchronized (accumulator) {
        accumulator.add(value);
      }
    }
  }

  private final SparkContext sc;
  private final Counters counters;
  private final Console console;
  private final String label;
  private final long toCall;
  private final long cached;
  private final long start = System.nanoTime();
  private final Map<Long, Integer> index = new HashMap<>();
  /** Latest heartbeat values per running task. */
  private final Map<Long, long[]> running = new ConcurrentHashMap<>();
  private final long[] finished;
  private final ScheduledExecutorService timer;

  GenerateProgress(SparkContext sc, Counters counters, Console console, String label, long toCall, long cached, int everySeconds) {
    this.sc = sc;
    this.counters = counters;
    this.console = console;
    this.label = label;
    this.toCall = toCall;
    this.cached = cached;
    List<LongAccumulator> all = counters.all();
    for (int i = 0; i < all.size(); i++) {
      index.put(all.get(i).id(), i);
    }
    this.finished = new long[all.size()];
    sc.addSparkListener(this);
    timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("distill-generate-progress"));
    timer.scheduleAtFixedRate(() -> console.info(line()), everySeconds, everySeconds, TimeUnit.SECONDS);
  }

  @Override
  public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
    Iterator<Tuple4<Object, Object, Object, Seq<AccumulableInfo>>> it = update.accumUpdates().iterator();
    while (it.hasNext()) {
      Tuple4<Object, Object, Object, Seq<AccumulableInfo>> t = it.next();
      long[] values = read(t._4());
      if (values != null) {
        running.put((Long) t._1(), values);
      }
    }
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd end) {
    long[] values = read(end.taskInfo().accumulables());
    running.remove(end.taskInfo().taskId());
    if (values != null && end.taskInfo().successful()) {
      synchronized (finished) {
        for (int i = 0; i < values.length; i++) {
          finished[i] += values[i];
        }
      }
    }
  }

  private long[] read(scala.collection.Seq<AccumulableInfo> infos) {
    long[] values = null;
    Iterator<AccumulableInfo> it = infos.iterator();
    while (it.hasNext()) {
      AccumulableInfo info = it.next();
      Integer i = index.get(info.id());
      if (i != null && info.update().isDefined()) {
        if (values == null) {
          values = new long[finished.length];
        }
        values[i] = ((Number) info.update().get()).longValue();
      }
    }
    return values;
  }

  /** Current totals: finished tasks plus the last heartbeat of running ones. */
  long[] totals() {
    long[] sum;
    synchronized (finished) {
      sum = finished.clone();
    }
    for (long[] v : running.values()) {
      for (int i = 0; i < v.length; i++) {
        sum[i] += v[i];
      }
    }
    return sum;
  }

  String line() {
    long[] t = totals();
    // Replies cut at max_tokens count as done, as do rejections: both are settled calls.
    return format(label, t[0] + t[7], t[1] + t[8], t[2], cached, toCall, t[4] + t[5], t[6] / 1e6, (System.nanoTime() - start) / 1e9);
  }

  static String format(String label, long ok, long failed, long capped, long cached, long toCall, long tokens, double cost, double seconds) {
    long done = ok + failed + capped;
    double rate = seconds > 0 ? (ok + failed) / seconds : 0;
    String eta = rate > 0 && done < toCall ? String.format(Locale.ROOT, "%.0fs", (toCall - done) / rate) : done >= toCall ? "0s" : "?";
    return String.format(Locale.ROOT, "%s: %,d/%,d calls done (%,d cached, %,d failed%s), %,d tokens, $%.4f, %.1f calls/s, ETA %s",
        label, ok + failed, toCall, cached, failed, capped > 0 ? ", " + capped + " over the cost cap" : "", tokens, cost, rate, eta);
  }

  @Override
  public void close() {
    timer.shutdownNow();
    sc.removeSparkListener(this);
  }
}
