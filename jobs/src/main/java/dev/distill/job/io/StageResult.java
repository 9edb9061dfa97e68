package dev.distill.job.io;

import java.util.Map;

/** Row counts and timing of one stage, as recorded in run.json. */
public record StageResult(String name, long rowsIn, long rowsOut, Map<String, Long> removed, double seconds,
    Map<String, Object> extra) {

  public long removedTotal() {
    return removed.values().stream().mapToLong(Long::longValue).sum();
  }

  /** The stage's figures as the record it recorded them with ({@link Figures}). */
  public <T extends Record> T figures(Class<T> type) {
    return Figures.read(extra, type);
  }

  /** rows_in = rows_out + sum(removed). */
  public boolean reconciles() {
    return rowsIn == rowsOut + removedTotal();
  }
}
