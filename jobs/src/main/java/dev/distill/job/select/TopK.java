package dev.distill.job.select;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The first {@code limit} candidates seen so far in an order: a per-task, per-key accumulator of bounded size. */
final class TopK implements Serializable {
  private final Candidates.Order order;
  private final int limit;
  private final ArrayList<Candidate> kept = new ArrayList<>();

  TopK(Candidates.Order order, int limit) {
    this.order = order;
    this.limit = limit;
  }

  TopK add(Candidate c) {
    if (limit <= 0 || kept.size() == limit && order.compare(c, kept.get(limit - 1)) >= 0) {
      return this;
    }
    int at = Collections.binarySearch(kept, c, order);
    kept.add(at < 0 ? -at - 1 : at, c);
    if (kept.size() > limit) {
      kept.remove(limit);
    }
    return this;
  }

  TopK addAll(TopK other) {
    other.kept.forEach(this::add);
    return this;
  }

  List<Candidate> list() {
    return kept;
  }
}
