package dev.distill.job.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.distill.job.dedup.ClusterRepresentatives.Edge;
import dev.distill.job.dedup.ClusterRepresentatives.Member;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Candidates decided on the exact Jaccard of the shingle sets, whatever their MinHash estimate was. */
class JaccardVerifierTest {
  private static final String BASE = "one two three four five six seven eight nine ten";

  @Test
  void keepsThePairsAtOrAboveTheThresholdInCandidateOrder() {
    // 1-word shingles: "near" shares 9 of 11 words with BASE (0.818), "far" 5 of 15 (0.333).
    Map<String, String> questions = Map.of("base", BASE, "near", BASE.replace("ten", "eleven"), "far",
        "one two three four five alpha beta gamma delta epsilon", "copy", BASE);
    Edge near = edge("base", "near");
    Edge far = edge("base", "far");
    Edge copy = edge("copy", "base");
    JaccardVerifier verifier = new JaccardVerifier(0.8, 1);
    assertEquals(List.of(near, copy), verifier.verified(List.of(near, far, copy), questions));
    assertEquals(List.of(copy), new JaccardVerifier(0.82, 1).verified(List.of(near, far, copy), questions));
  }

  @Test
  void theThresholdItselfIsANearDuplicate() {
    // 2 of 4 one-word shingles shared: exactly 0.5.
    Map<String, String> questions = Map.of("x", "red green blue", "y", "red green yellow");
    assertEquals(1, new JaccardVerifier(0.5, 1).verified(List.of(edge("x", "y")), questions).size());
  }

  private static Edge edge(String a, String b) {
    return new Edge(new Member(a, false, false), new Member(b, true, false));
  }
}
