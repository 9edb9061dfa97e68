package dev.distill.job.select;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/** {@link Candidates} held in memory (small pools, tests). */
public final class CandidateList implements Candidates {
  private final List<Candidate> all;

  public CandidateList(List<Candidate> all) {
    this.all = List.copyOf(all);
  }

  @Override
  public long count() {
    return all.size();
  }

  @Override
  public SortedMap<String, Long> countByDomain() {
    SortedMap<String, Long> counts = new TreeMap<>();
    all.forEach(c -> counts.merge(c.domain(), 1L, Long::sum));
    return counts;
  }

  @Override
  public int maxLengthTokens() {
    return all.stream().mapToInt(Candidate::lengthTokens).max().orElse(0);
  }

  @Override
  public List<Candidate> top(Filter filter, Order order, int limit) {
    return all.stream().filter(filter).sorted(order).limit(limit).toList();
  }

  @Override
  public Map<String, List<Candidate>> topPerDomain(Order order, int limit) {
    Map<String, List<Candidate>> byDomain = new TreeMap<>();
    all.forEach(c -> byDomain.computeIfAbsent(c.domain(), d -> new ArrayList<>()).add(c));
    byDomain.replaceAll((d, list) -> list.stream().sorted(order).limit(limit).toList());
    return byDomain;
  }

  @Override
  public Map<Long, Candidate> atPositions(Key key, Set<Long> positions) {
    List<Candidate> sorted = all.stream().sorted(Comparator.comparing(key)).toList();
    Map<Long, Candidate> out = new HashMap<>();
    positions.forEach(p -> out.put(p, sorted.get(Math.toIntExact(p))));
    return out;
  }
}
