package dev.distill.job.select;

import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.score.MscCodes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * s1's Algorithm 1: the direct picks first, then until the target size: a domain uniformly at
 * random, and within it a question drawn with probability 2^-rank / sum 2^-rank, where rank 0
 * is the longest trace; drawn questions leave the pool and exhausted domains leave the draw.
 * Seeded (s1's notebook was not, which is why s1K could not be reproduced).
 */
public final class S1Selector implements Selector {
  public static final String NAME = "s1";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<String> options() {
    return List.of("select.direct_picks");
  }

  /**
   * The largest rank {@link #drawRank} returns: past rank 61 the remaining mass 2^-61 is below a
   * double's resolution of u in [0, 2), so the tail goes to rank 61 (or the last candidate).
   */
  static final int MAX_RANK = 61;

  /**
   * How many of each domain's longest candidates, beyond the draws still to make, the draw is given.
   * Enough: the j-th draw from a domain (j from 0) takes rank k <= MAX_RANK of the candidates still
   * there, and only j have left before it, so it takes one of the first j + MAX_RANK + 1 by length;
   * with at most D draws in all, j < D, so the first D + MAX_RANK (= D + 61) of each domain hold
   * every candidate it can ever take, and the list still holds more than MAX_RANK after D - 1
   * draws. The true remaining count (which sets the draw's normaliser and when a domain leaves)
   * comes from the per-domain counts, not from the list. 64 is the round figure.
   */
  static final int REACH = 64;

  @Override
  public List<Pick> select(Candidates candidates, PipelineConfig.Select config, MscCodes codes) {
    List<Pick> picks = new ArrayList<>();
    Set<String> taken = new HashSet<>();
    for (int r = 0; r < config.directPicks().size(); r++) {
      PipelineConfig.DirectPick rule = config.directPicks().get(r);
      // Those already taken are skipped, so as many more as were taken are asked for.
      for (Candidate c : candidates.top(c -> matchesDirectPick(c, rule), Candidates.LONGEST_FIRST, config.size() + taken.size())) {
        if (picks.size() >= config.size()) {
          break;
        }
        if (taken.add(c.id())) {
          picks.add(new Pick(c, String.format(Locale.ROOT, "s1 direct pick (rule %d: source matches %s%s%s), %d trace tokens",
              r + 1, rule.sources(), rule.requireTeacherCorrect() ? ", teacher correct" : "",
              rule.minTraceTokens() > 0 ? ", trace >= " + rule.minTraceTokens() + " tokens" : "", c.lengthTokens())));
        }
      }
    }
    int draws = config.size() - picks.size();
    if (draws > 0) {
      draw(pools(candidates, picks, draws), draws, new SplittableRandom(config.seed()), codes, picks);
    }
    return picks;
  }

  /** Per domain: the candidates not taken by direct picks, counted, and the first draws + REACH of them by length. */
  private static DomainPools pools(Candidates candidates, List<Pick> direct, int draws) {
    Map<String, Long> counts = candidates.countByDomain();
    Set<String> taken = new HashSet<>();
    for (Pick p : direct) {
      counts.merge(p.candidate().domain(), -1L, Long::sum);
      taken.add(p.candidate().id());
    }
    Map<String, List<Candidate>> heads = candidates.topPerDomain(Candidates.LONGEST_FIRST, draws + REACH + taken.size());
    heads.replaceAll((domain, list) -> list.stream().filter(c -> !taken.contains(c.id())).toList());
    return new DomainPools(counts, heads);
  }

  private static void draw(DomainPools pools, int draws, SplittableRandom random, MscCodes codes, List<Pick> picks) {
    for (int i = 0; i < draws && !pools.isEmpty(); i++) {
      List<String> domains = pools.domains();
      String domain = domains.get(random.nextInt(domains.size()));
      int n = Math.toIntExact(pools.remaining(domain));
      int rank = drawRank(n, random);
      Candidate c = pools.take(domain, rank);
      picks.add(new Pick(c, String.format(Locale.ROOT,
          "s1: domain %s (%s) drawn uniformly from %d domains; rank %d of %d by %s length (%d tokens), p=%.3g",
          domain, codes.title(domain), domains.size(), rank, n, c.lengthBasis(), c.lengthTokens(), Math.pow(2, -rank) / normaliser(n))));
    }
  }

  static boolean matchesDirectPick(Candidate c, PipelineConfig.DirectPick rule) {
    if (c.traceTokens() == null || c.traceTokens() < rule.minTraceTokens()) {
      return false;
    }
    if (rule.requireTeacherCorrect() && !Boolean.TRUE.equals(c.teacherCorrect())) {
      return false;
    }
    String source = c.source().toLowerCase(Locale.ROOT);
    for (String s : rule.sources()) {
      if (source.contains(s.toLowerCase(Locale.ROOT))) {
        return true;
      }
    }
    return false;
  }

  /** Draws rank k of n with probability 2^-k / sum_{i<n} 2^-i. */
  static int drawRank(int n, SplittableRandom random) {
    double u = random.nextDouble() * normaliser(n);
    double acc = 0;
    for (int k = 0; k < n; k++) {
      acc += Math.pow(2, -k);
      if (u < acc) {
        return k;
      }
      if (k >= MAX_RANK) {
        // 2^-k underflows the remaining mass; the tail is the last candidate.
        return Math.min(k, n - 1);
      }
    }
    return n - 1;
  }

  static double normaliser(int n) {
    return 2.0 * (1.0 - Math.pow(2, -n));
  }
}
