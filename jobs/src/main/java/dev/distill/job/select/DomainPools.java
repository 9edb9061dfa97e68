package dev.distill.job.select;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per domain (domains in code order): how many candidates remain, and the first of them in the
 * strategy's order, as many as its draws can reach. A draw takes from the list and the count.
 */
final class DomainPools {
  private final TreeMap<String, List<Candidate>> heads = new TreeMap<>();
  private final TreeMap<String, Long> remaining = new TreeMap<>();

  /** {@code counts} per domain and each domain's first candidates in order; domains with no candidates left are dropped. */
  DomainPools(Map<String, Long> counts, Map<String, List<Candidate>> heads) {
    counts.forEach((domain, n) -> {
      if (n > 0) {
        remaining.put(domain, n);
        this.heads.put(domain, new ArrayList<>(heads.getOrDefault(domain, List.of())));
      }
    });
  }

  List<String> domains() {
    return new ArrayList<>(remaining.keySet());
  }

  /** Candidates left in {@code domain}, listed or not. */
  long remaining(String domain) {
    return remaining.get(domain);
  }

  /** Takes the candidate at {@code index} of the domain's remaining list; the domain leaves when none remain. */
  Candidate take(String domain, int index) {
    Candidate c = heads.get(domain).remove(index);
    if (remaining.merge(domain, -1L, Long::sum) == 0) {
      remaining.remove(domain);
      heads.remove(domain);
    }
    return c;
  }

  boolean isEmpty() {
    return remaining.isEmpty();
  }
}
