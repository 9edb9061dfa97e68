package dev.distill.job.select;

import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.score.MscCodes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
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

  @Override
  public List<Pick> select(List<Candidate> candidates, PipelineConfig.Select config, MscCodes codes) {
    List<Pick> picks = new ArrayList<>();
    Set<String> taken = new HashSet<>();
    for (int r = 0; r < config.directPicks().size(); r++) {
      PipelineConfig.DirectPick rule = config.directPicks().get(r);
      List<Candidate> matching = new ArrayList<>();
      for (Candidate c : candidates) {
        if (!taken.contains(c.id()) && matchesDirectPick(c, rule)) {
          matching.add(c);
        }
      }
      matching.sort(DomainPools.LONGEST_FIRST);
      for (Candidate c : matching) {
        if (picks.size() >= config.size()) {
          break;
        }
        taken.add(c.id());
        picks.add(new Pick(c, String.format(Locale.ROOT, "s1 direct pick (rule %d: source matches %s%s%s), %d trace tokens",
            r + 1, rule.sources(), rule.requireTeacherCorrect() ? ", teacher correct" : "",
            rule.minTraceTokens() > 0 ? ", trace >= " + rule.minTraceTokens() + " tokens" : "", c.lengthTokens())));
      }
    }
    List<Candidate> rest = new ArrayList<>();
    for (Candidate c : candidates) {
      if (!taken.contains(c.id())) {
        rest.add(c);
      }
    }
    DomainPools pools = new DomainPools(rest, DomainPools.LONGEST_FIRST);
    SplittableRandom random = new SplittableRandom(config.seed());
    while (picks.size() < config.size() && !pools.isEmpty()) {
      List<String> domains = pools.domains();
      String domain = domains.get(random.nextInt(domains.size()));
      List<Candidate> pool = pools.pool(domain);
      int rank = drawRank(pool.size(), random);
      Candidate c = pool.remove(rank);
      picks.add(new Pick(c, String.format(Locale.ROOT,
          "s1: domain %s (%s) drawn uniformly from %d domains; rank %d of %d by %s length (%d tokens), p=%.3g",
          domain, codes.title(domain), domains.size(), rank, pool.size() + 1, c.lengthBasis(), c.lengthTokens(),
          Math.pow(2, -rank) / normaliser(pool.size() + 1))));
      pools.removeIfEmpty(domain);
    }
    return picks;
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
      if (k > 60) {
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
