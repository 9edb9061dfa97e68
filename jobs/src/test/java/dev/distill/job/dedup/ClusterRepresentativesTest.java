package dev.distill.job.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.distill.job.dedup.ClusterRepresentatives.Edge;
import dev.distill.job.dedup.ClusterRepresentatives.Member;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterRepresentativesTest {
  private static final Member A = new Member("a", false, false);
  private static final Member B = new Member("b", false, true);
  private static final Member C = new Member("c", false, false);
  private static final Member D = new Member("d", true, false);
  private static final Member E = new Member("e", false, false);
  private static final Member X = new Member("x", false, false);
  private static final Member Y = new Member("y", false, false);

  @Test
  void transitiveEdgesFormOneClusterWithOneRepresentative() {
    // a-b, b-c: a and c never meet directly; b has the only solution.
    Map<String, String> repOf = ClusterRepresentatives.resolve(List.of(new Edge(A, B), new Edge(B, C)));
    assertEquals(Map.of("a", "b", "c", "b"), repOf);
  }

  @Test
  void traceBeatsSolutionBeatsSmallestId() {
    assertEquals(Map.of("a", "d", "b", "d", "c", "d"),
        ClusterRepresentatives.resolve(List.of(new Edge(A, B), new Edge(C, D), new Edge(B, C))));
    assertEquals(Map.of("y", "x"), ClusterRepresentatives.resolve(List.of(new Edge(Y, X))));
  }

  @Test
  void separateComponentsKeepSeparateRepresentatives() {
    assertEquals(Map.of("b", "a", "y", "x"),
        ClusterRepresentatives.resolve(List.of(new Edge(new Member("b", false, false), A), new Edge(X, Y))));
  }

  @Test
  void resultDoesNotDependOnEdgeOrderOrDirection() {
    List<Edge> edges = List.of(new Edge(A, B), new Edge(B, C), new Edge(E, C), new Edge(X, Y), new Edge(D, E));
    Map<String, String> expected = Map.of("a", "d", "b", "d", "c", "d", "e", "d", "y", "x");
    assertEquals(expected, ClusterRepresentatives.resolve(edges));

    List<Edge> reversed = new ArrayList<>();
    for (Edge e : edges) {
      reversed.add(0, new Edge(e.b(), e.a()));
    }
    assertEquals(expected, ClusterRepresentatives.resolve(reversed));

    List<Edge> shuffled = new ArrayList<>(edges);
    Collections.shuffle(shuffled, new java.util.Random(3));
    assertEquals(expected, ClusterRepresentatives.resolve(shuffled));
  }

  @Test
  void noEdgesNoDuplicates() {
    assertEquals(Map.of(), ClusterRepresentatives.resolve(List.of()));
  }
}
