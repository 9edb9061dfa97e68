package dev.distill.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * distill's stages beside the Python reference's phases on the same pool: ingest against read,
 * decontam against decontam, dedup against dedup (distill's dedup also removes near-duplicates),
 * and the whole against the whole; each with both sides' seconds, rows removed and the ratio
 * distill / reference.
 */
final class ReferenceComparison {
  /** distill's stage and the reference's phase it is set beside, in report order. */
  static final List<String[]> PAIRS = List.of(new String[] {"ingest", "read"}, new String[] {"decontam", "decontam"},
      new String[] {"dedup", "dedup"});

  /** The target of issue 16: the public pool end to end at most this many times the reference. */
  static final double TARGET_RATIO = 8.0;

  private ReferenceComparison() {}

  /**
   * One row per pair, then {@code end to end}: {@code distillSeconds} against the reference's
   * {@code referenceKey} seconds ({@code total_seconds} or {@code wall_seconds}). Empty when the
   * reference did not run.
   *
   * @param stages distill's stages, each with {@code stage}, {@code seconds}, {@code rows_in}, {@code rows_out}
   */
  static List<Map<String, Object>> of(List<Map<String, Object>> stages, String distillWhole, double distillSeconds,
      Map<String, Object> reference, String referenceKey) {
    List<Map<String, Object>> rows = new ArrayList<>();
    if (!Boolean.TRUE.equals(reference.get("ran"))) {
      return rows;
    }
    for (String[] pair : PAIRS) {
      Map<String, Object> stage = stage(stages, pair[0]);
      Map<String, Object> phase = PythonReference.phase(reference, pair[1]);
      if (stage == null || phase == null) {
        continue;
      }
      long distillRemoved = ((Number) stage.get("rows_in")).longValue() - ((Number) stage.get("rows_out")).longValue();
      rows.add(row(pair[0], pair[1], ((Number) stage.get("seconds")).doubleValue(), ((Number) phase.get("seconds")).doubleValue(),
          distillRemoved, ((Number) phase.get("removed")).longValue()));
    }
    rows.add(row(distillWhole, referenceKey.equals("wall_seconds") ? "whole script, interpreter start included" : "whole script",
        distillSeconds, ((Number) reference.get(referenceKey)).doubleValue(), null, null));
    return rows;
  }

  /** PASS when {@code ratio} is at most {@link #TARGET_RATIO}, else MISS. */
  static String verdict(double ratio) {
    return ratio <= TARGET_RATIO ? "PASS" : "MISS";
  }

  private static Map<String, Object> row(String distill, String reference, double distillSeconds, double referenceSeconds,
      Long distillRemoved, Long referenceRemoved) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("distill", distill);
    r.put("reference", reference);
    r.put("distill_seconds", Peers.round(distillSeconds, 3));
    r.put("reference_seconds", Peers.round(referenceSeconds, 3));
    r.put("ratio", referenceSeconds > 0 ? Peers.round(distillSeconds / referenceSeconds, 2) : null);
    if (distillRemoved != null) {
      r.put("distill_removed", distillRemoved);
      r.put("reference_removed", referenceRemoved);
    }
    return r;
  }

  private static Map<String, Object> stage(List<Map<String, Object>> stages, String name) {
    for (Map<String, Object> s : stages) {
      if (name.equals(s.get("stage"))) {
        return s;
      }
    }
    return null;
  }
}
