package dev.distill.job.run;

import dev.distill.job.io.StageResult;
import dev.distill.job.io.Json;
import dev.distill.job.io.RunDirectory;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The commit record of each stage: {@code <run>/commits/<stage>.json}, written atomically after
 * every output of the stage is complete (Spark's _SUCCESS in each of its directories), holding its
 * fingerprint and figures. A stage counts as done only with this record, a matching fingerprint
 * and its outputs' markers in place; a stage about to be recomputed loses its record and those of
 * every later stage first, so a half-written stage or one computed from other inputs is never
 * reused.
 */
public final class StageCommits {
  private final RunDirectory run;

  public StageCommits(RunDirectory run) {
    this.run = run;
  }

  public String path(String stage) {
    return run.commit(stage);
  }

  /** The committed record of {@code stage} when its fingerprint matches and its outputs are complete. */
  public Optional<Map<String, Object>> reusable(String stage, String fingerprint, List<String> outputs) {
    if (!run.exists(path(stage))) {
      return Optional.empty();
    }
    Map<String, Object> doc = read(stage);
    if (doc == null || !fingerprint.equals(doc.get("fingerprint"))) {
      return Optional.empty();
    }
    for (String output : outputs) {
      if (!run.exists(output)) {
        return Optional.empty();
      }
    }
    return Optional.of(doc);
  }

  /** The commit record of {@code stage}, or null when there is none or it cannot be read. */
  @SuppressWarnings("unchecked")
  public Map<String, Object> read(String stage) {
    if (!run.exists(path(stage))) {
      return null;
    }
    try {
      return Json.MAPPER.readValue(run.readString(path(stage)), Map.class);
    } catch (IOException e) {
      return null; // an unreadable record is no commit: the stage runs again
    }
  }

  public void invalidate(List<String> stages) {
    for (String stage : stages) {
      run.delete(path(stage));
    }
  }

  public void commit(String stage, String fingerprint, String own, StageResult result, Map<String, Object> attachments) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("stage", stage);
    doc.put("fingerprint", fingerprint);
    doc.put("own_fingerprint", own);
    doc.put("committed_at", Instant.now().toString());
    doc.put("rows_in", result.rowsIn());
    doc.put("rows_out", result.rowsOut());
    doc.put("removed", result.removed());
    doc.put("seconds", result.seconds());
    doc.put("extra", result.extra());
    doc.put("attachments", attachments);
    run.writeString(path(stage), Json.pretty(doc));
  }

  /** The figures of a committed stage, as it reported them when it ran. */
  @SuppressWarnings("unchecked")
  public static StageResult result(Map<String, Object> doc) {
    Map<String, Long> removed = new TreeMap<>();
    ((Map<String, Object>) doc.getOrDefault("removed", Map.of())).forEach((k, v) -> removed.put(k, ((Number) v).longValue()));
    Map<String, Object> extra = new LinkedHashMap<>((Map<String, Object>) doc.getOrDefault("extra", Map.of()));
    return new StageResult((String) doc.get("stage"), ((Number) doc.get("rows_in")).longValue(), ((Number) doc.get("rows_out")).longValue(),
        removed, ((Number) doc.get("seconds")).doubleValue(), extra);
  }

  @SuppressWarnings("unchecked")
  public static Map<String, Object> attachments(Map<String, Object> doc) {
    return (Map<String, Object>) doc.getOrDefault("attachments", Map.of());
  }
}
