package dev.distill.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DuplicateRecallTest {
  static BenchPool.Planted near(String id, String of) {
    return new BenchPool.Planted("near", id, 0, of, 0, "appended");
  }

  @Test
  void aPairIsFoundWhenBothEndInOneClusterEvenThroughOtherMembers() {
    Map<String, String> clusters = DuplicateRecall.components(List.of(new String[] {"b", "c"}, new String[] {"a", "b"},
        new String[] {"x", "y"}));
    assertEquals("a", clusters.get("c"), "c reaches a through b; the smallest id is the key");
    assertEquals("x", clusters.get("y"));
    DuplicateRecall.Result r = DuplicateRecall.of(List.of(near("c", "a"), near("y", "x"), near("z", "a")), clusters,
        Set.of("a", "b", "c", "x", "y", "z"));
    assertEquals(3, r.planted());
    assertEquals(2, r.found(), "z is alone in its cluster");
    assertEquals(2.0 / 3, r.recall(), 1e-9);
  }

  @Test
  void representativesMapWorksAsClusterKeys() {
    // DedupStage's answer: member -> representative; the representative itself is not a key.
    Map<String, String> repOf = Map.of("b", "a", "c", "a");
    DuplicateRecall.Result r = DuplicateRecall.of(List.of(near("b", "a"), near("c", "b"), near("d", "a")), repOf, Set.of("a", "b", "c", "d"));
    assertEquals(2, r.found());
    assertEquals(3, r.planted());
  }

  @Test
  void pairsWithAnIdOutsideTheSearchedRowsAreNotCounted() {
    DuplicateRecall.Result r = DuplicateRecall.of(List.of(near("b", "a"), near("q", "a")), Map.of("b", "a"), Set.of("a", "b"));
    assertEquals(1, r.planted());
    assertEquals(1, r.absent());
    assertEquals(1.0, r.recall());
    assertTrue(Double.isNaN(DuplicateRecall.of(List.of(), Map.of(), Set.of()).recall()));
  }
}
