package dev.distill.job.dedup;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Union-find over near-duplicate edges; each connected component keeps one deterministic
 * representative: a row with a trace first, then one with a solution, then the smallest id.
 */
public final class ClusterRepresentatives {

  /** A node's preference attributes. */
  public record Member(String id, boolean hasTrace, boolean hasSolution) {}

  public record Edge(Member a, Member b) {}

  /** Returns id -> representative id for every member that is not its cluster's representative. */
  public static Map<String, String> resolve(List<Edge> edges) {
    IdComponents components = new IdComponents();
    Map<String, Member> members = new HashMap<>();
    for (Edge e : edges) {
      members.putIfAbsent(e.a().id(), e.a());
      members.putIfAbsent(e.b().id(), e.b());
      components.union(e.a().id(), e.b().id());
    }
    Map<String, Member> best = new HashMap<>();
    for (Member m : members.values()) {
      best.merge(components.root(m.id()), m, (x, y) -> better(x, y) ? x : y);
    }
    Map<String, String> repOf = new HashMap<>();
    for (Member m : members.values()) {
      String rep = best.get(components.root(m.id())).id();
      if (!rep.equals(m.id())) {
        repOf.put(m.id(), rep);
      }
    }
    return repOf;
  }

  static boolean better(Member x, Member y) {
    if (x.hasTrace() != y.hasTrace()) {
      return x.hasTrace();
    }
    if (x.hasSolution() != y.hasSolution()) {
      return x.hasSolution();
    }
    return x.id().compareTo(y.id()) < 0;
  }

  private ClusterRepresentatives() {}
}
