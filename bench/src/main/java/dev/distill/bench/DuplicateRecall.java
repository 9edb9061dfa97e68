package dev.distill.bench;

import dev.distill.job.dedup.IdComponents;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Recall of a near-duplicate search against the pairs planted in the bench pool: a planted pair is
 * found when the search puts both ids in one cluster (directly or through other members). Pairs
 * with an id that is not in the searched rows (removed by an earlier stage) are not counted.
 */
final class DuplicateRecall {

  /** {@code found} of {@code planted} pairs; {@code absent} pairs had an id outside the searched rows. */
  record Result(int planted, int found, int absent) {
    double recall() {
      return planted == 0 ? Double.NaN : (double) found / planted;
    }
  }

  private DuplicateRecall() {}

  /**
   * @param near the planted near-duplicate pairs (kind {@code near})
   * @param clusterOf member id -> its cluster's key; ids not in the map are alone in their cluster
   * @param searched ids of the rows the search ran on
   */
  static Result of(List<BenchPool.Planted> near, Map<String, String> clusterOf, Set<String> searched) {
    int planted = 0;
    int found = 0;
    int absent = 0;
    for (BenchPool.Planted p : near) {
      if (!searched.contains(p.id()) || !searched.contains(p.ofId()) || p.id().equals(p.ofId())) {
        absent++;
        continue;
      }
      planted++;
      if (clusterOf.getOrDefault(p.id(), p.id()).equals(clusterOf.getOrDefault(p.ofId(), p.ofId()))) {
        found++;
      }
    }
    return new Result(planted, found, absent);
  }

  /** Connected components of an edge list (pairs of ids): member -> the smallest id of its component. */
  static Map<String, String> components(List<String[]> edges) {
    IdComponents components = new IdComponents();
    for (String[] e : edges) {
      components.union(e[0], e[1]);
    }
    Map<String, String> out = new HashMap<>();
    for (String id : components.ids()) {
      out.put(id, components.root(id));
    }
    return out;
  }
}
