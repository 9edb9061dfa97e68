package dev.distill.job.io;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.SparkContext;

/** Progress lines on the console: stage i/N, rows, elapsed; live lines while a stage runs (see {@link LiveProgress}). */
public final class Console {
  public static final String METRICS = "DISTILL_METRICS";
  private final PrintStream out;
  private final long start = System.nanoTime();
  private LiveProgress live;
  private long lastRowsOut = -1;
  private StageListener listener;

  /** Told when each stage starts and ends (a listener can sample heap and RSS per stage, as bin/distill bench does). */
  public interface StageListener {
    void started(String stage);

    void finished(String stage);
  }

  public void listen(StageListener listener) {
    this.listener = listener;
  }

  public Console(PrintStream out) {
    this.out = out;
  }

  public void info(String message) {
    out.println("[distill] " + message);
    out.flush();
  }

  public void stageStart(int index, int total, String name, String description) {
    info(String.format(Locale.ROOT, "stage %d/%d %-10s started (%s) — elapsed %.1fs", index, total, name, description, elapsed()));
    if (listener != null) {
      listener.started(name);
    }
    if (live != null) {
      live.begin(index, total, name, lastRowsOut);
    }
  }

  /** Prints live progress lines of every stage of this Spark context until {@link #stopFollowing}. */
  public void follow(SparkContext sc) {
    live = new LiveProgress(this, Long.getLong("distill.progress.millis", 5000L)).attach(sc);
  }

  public void stopFollowing(SparkContext sc) {
    if (live != null) {
      live.close(sc);
      live = null;
    }
  }

  public void stageDone(int index, int total, StageResult r) {
    stageDone(index, total, r, false);
  }

  /** A reused stage says so: its rows are those it counted when it was computed. */
  public void stageDone(int index, int total, StageResult r, boolean reused) {
    if (live != null) {
      live.end();
    }
    if (listener != null) {
      listener.finished(r.name());
    }
    lastRowsOut = r.rowsOut();
    StringBuilder removed = new StringBuilder();
    for (Map.Entry<String, Long> e : r.removed().entrySet()) {
      removed.append(removed.length() == 0 ? "" : ", ").append(e.getKey()).append(' ').append(String.format(Locale.ROOT, "%,d", e.getValue()));
    }
    info(String.format(Locale.ROOT, "stage %d/%d %-10s %s%,d -> %,d rows%s in %.1fs — elapsed %.1fs", index, total, r.name(),
        reused ? "reused (committed, inputs and config unchanged): " : "", r.rowsIn(), r.rowsOut(),
        removed.length() == 0 ? "" : " (removed: " + removed + ")", r.seconds(), elapsed()));
  }

  /** One line a scheduler can parse: {@value #METRICS} followed by a JSON object. */
  public void metrics(Map<String, Object> figures) {
    out.println(METRICS + " " + Json.compact(figures));
    out.flush();
  }

  public double elapsed() {
    return (System.nanoTime() - start) / 1e9;
  }
}
