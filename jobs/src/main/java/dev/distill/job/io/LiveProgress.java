package dev.distill.job.io;

import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import scala.collection.Iterator;

/**
 * Live progress of the running pipeline stage: a SparkListener counts the rows read (input and
 * shuffle records) by the finished tasks of the Spark jobs in the stage's job group
 * ({@code distill:<stage>}), and a daemon thread prints every few seconds
 * {@code stage i/N name: rows done / total (pct), tasks, elapsed, ETA}. A pipeline stage runs
 * several Spark passes over its input (compute, write kept, write removed); "rows done" is the
 * furthest pass, against the rows the previous stage handed over.
 */
public final class LiveProgress extends SparkListener {
  /** Job group of a pipeline stage, as Pipeline sets it. */
  public static String jobGroup(String stage) {
    return "distill:" + stage;
  }

  private final Console console;
  private final long intervalMillis;
  private final ScheduledExecutorService ticker;
  private final Map<Integer, AtomicLong> rowsBySparkStage = new ConcurrentHashMap<>();
  private final Map<Integer, Integer> tasksBySparkStage = new ConcurrentHashMap<>();
  private final AtomicLong tasksDone = new AtomicLong();
  private volatile Running current;
  private ScheduledFuture<?> tick;

  private record Running(int index, int total, String name, long expectedRows, long startNanos) {}

  public LiveProgress(Console console, long intervalMillis) {
    this.console = console;
    this.intervalMillis = intervalMillis;
    this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "distill-progress");
      t.setDaemon(true);
      return t;
    });
  }

  /** Registers on {@code sc}; {@link #close} removes it. */
  public LiveProgress attach(SparkContext sc) {
    sc.addSparkListener(this);
    return this;
  }

  /** A pipeline stage starts; {@code expectedRows} is its input (rows out of the previous stage), -1 when unknown. */
  public synchronized void begin(int index, int total, String name, long expectedRows) {
    end();
    rowsBySparkStage.clear();
    tasksBySparkStage.clear();
    tasksDone.set(0);
    current = new Running(index, total, name, expectedRows, System.nanoTime());
    tick = ticker.scheduleAtFixedRate(() -> console.info(line()), intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
  }

  /** The running stage finished (or failed): no more lines for it. */
  public synchronized void end() {
    if (tick != null) {
      tick.cancel(false);
      tick = null;
    }
    current = null;
  }

  /** Stops the ticker and unregisters from {@code sc}. */
  public synchronized void close(SparkContext sc) {
    end();
    ticker.shutdownNow();
    sc.removeSparkListener(this);
  }

  @Override
  public void onJobStart(SparkListenerJobStart job) {
    Running r = current;
    if (r == null || !jobGroup(r.name()).equals(group(job.properties()))) {
      return;
    }
    Iterator<StageInfo> stages = job.stageInfos().iterator();
    while (stages.hasNext()) {
      StageInfo s = stages.next();
      tasksBySparkStage.put(s.stageId(), s.numTasks());
      rowsBySparkStage.putIfAbsent(s.stageId(), new AtomicLong());
    }
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd task) {
    AtomicLong rows = rowsBySparkStage.get(task.stageId());
    if (rows == null || task.taskMetrics() == null) {
      return;
    }
    rows.addAndGet(task.taskMetrics().inputMetrics().recordsRead() + task.taskMetrics().shuffleReadMetrics().recordsRead());
    tasksDone.incrementAndGet();
  }

  /** Rows read by the furthest pass of the running stage so far. */
  public long rowsDone() {
    return rowsBySparkStage.values().stream().mapToLong(AtomicLong::get).max().orElse(0);
  }

  /** The progress line of the running stage (empty when none runs). */
  public String line() {
    Running r = current;
    if (r == null) {
      return "";
    }
    long tasksTotal = tasksBySparkStage.values().stream().mapToLong(Integer::longValue).sum();
    return format(r.index(), r.total(), r.name(), rowsDone(), r.expectedRows(), tasksDone.get(), tasksTotal,
        (System.nanoTime() - r.startNanos()) / 1e9);
  }

  /** {@code stage 3/8 decontam   running: 4,000 / 5,626 rows (71%), tasks 14/20, elapsed 12.3s, ETA 5.0s}. */
  static String format(int index, int total, String name, long done, long expected, long tasksDone, long tasksTotal, double elapsed) {
    StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "stage %d/%d %-10s running: ", index, total, name));
    if (expected > 0) {
      long shown = Math.min(done, expected);
      double fraction = shown / (double) expected;
      s.append(String.format(Locale.ROOT, "%,d / %,d rows (%.0f%%)", shown, expected, 100 * fraction));
      s.append(String.format(Locale.ROOT, ", tasks %,d/%,d, elapsed %.1fs, ", tasksDone, tasksTotal, elapsed));
      if (fraction >= 1) {
        s.append("ETA finishing (writing outputs)");
      } else if (fraction > 0) {
        s.append(String.format(Locale.ROOT, "ETA %.1fs", elapsed * (1 - fraction) / fraction));
      } else {
        s.append("ETA unknown (no task finished yet)");
      }
    } else {
      s.append(String.format(Locale.ROOT, "%,d rows read, tasks %,d/%,d, elapsed %.1fs, ETA unknown (input size not known before the stage)",
          done, tasksDone, tasksTotal, elapsed));
    }
    return s.toString();
  }

  private static String group(Properties properties) {
    return properties == null ? null : properties.getProperty("spark.jobGroup.id");
  }
}
