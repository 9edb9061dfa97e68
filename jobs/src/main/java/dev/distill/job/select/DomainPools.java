package dev.distill.job.select;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Candidates grouped by domain (domains in code order), each group in a given order. */
final class DomainPools {
  static final Comparator<Candidate> LONGEST_FIRST =
      Comparator.comparingInt(Candidate::lengthTokens).reversed().thenComparing(Candidate::id);

  private final TreeMap<String, List<Candidate>> byDomain = new TreeMap<>();

  DomainPools(List<Candidate> candidates, Comparator<Candidate> order) {
    for (Candidate c : candidates) {
      byDomain.computeIfAbsent(c.domain(), d -> new ArrayList<>()).add(c);
    }
    for (List<Candidate> list : byDomain.values()) {
      list.sort(order);
    }
  }

  List<String> domains() {
    return new ArrayList<>(byDomain.keySet());
  }

  List<Candidate> pool(String domain) {
    return byDomain.get(domain);
  }

  void removeIfEmpty(String domain) {
    if (byDomain.get(domain).isEmpty()) {
      byDomain.remove(domain);
    }
  }

  boolean isEmpty() {
    return byDomain.isEmpty();
  }

  int size() {
    return byDomain.size();
  }

  Map<String, List<Candidate>> asMap() {
    return byDomain;
  }
}
