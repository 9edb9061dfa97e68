package dev.distill.job.select;

import java.io.Serializable;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The candidates a strategy selects from, asked only questions whose answers are bounded by the
 * selection size, never by the pool: counts, top-k lists and the rows at given positions of an
 * order. {@link CandidateTable} answers them on the executors, {@link CandidateList} in memory.
 */
public interface Candidates {
  /** A filter that can travel to the executors. */
  interface Filter extends Predicate<Candidate>, Serializable {}

  /** An order that can travel to the executors; it must be total (ties broken by id). */
  interface Order extends Comparator<Candidate>, Serializable {}

  /** A sort key that can travel to the executors; distinct for distinct candidates. */
  interface Key extends Function<Candidate, String>, Serializable {}

  /** The longest first ({@code length_tokens}), ties by id. */
  Order LONGEST_FIRST = (x, y) -> x.lengthTokens() != y.lengthTokens()
      ? Integer.compare(y.lengthTokens(), x.lengthTokens()) : x.id().compareTo(y.id());

  /** Id order. */
  Key BY_ID = Candidate::id;

  /** Domain order, then id order within a domain (no domain code holds U+0000). */
  Key BY_DOMAIN_THEN_ID = c -> c.domain() + '\u0000' + c.id();

  long count();

  /** Candidates per domain, domains in code order. */
  SortedMap<String, Long> countByDomain();

  /** The largest {@code length_tokens}; 0 without candidates. */
  int maxLengthTokens();

  /** The first {@code limit} candidates passing {@code filter}, in {@code order}. */
  List<Candidate> top(Filter filter, Order order, int limit);

  /** Per domain, its first {@code limit} candidates in {@code order}. */
  Map<String, List<Candidate>> topPerDomain(Order order, int limit);

  /** The candidates at {@code positions} (0-based) of the order of {@code key}, by position. */
  Map<Long, Candidate> atPositions(Key key, Set<Long> positions);
}
