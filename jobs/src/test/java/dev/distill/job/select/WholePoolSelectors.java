package dev.distill.job.select;

import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.score.MscCodes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The strategies as they were when the whole candidate list came to the driver (sorted by id): the
 * reference the bounded strategies must match pick for pick, kept here as tests' ground truth.
 */
final class WholePoolSelectors {
  private static final Comparator<Candidate> LONGEST_FIRST =
      Comparator.comparingInt(Candidate::lengthTokens).reversed().thenComparing(Candidate::id);

  static List<Pick> select(String strategy, List<Candidate> unsorted, PipelineConfig.Select config, MscCodes codes) {
    List<Candidate> candidates = new ArrayList<>(unsorted);
    candidates.sort(Comparator.comparing(Candidate::id));
    return switch (strategy) {
      case "s1" -> s1(candidates, config, codes);
      case "score" -> score(candidates, config);
      case "random" -> random(candidates, config);
      case "longest" -> longest(candidates, config);
      case "diverse" -> diverse(candidates, config, codes);
      default -> throw new IllegalArgumentException(strategy);
    };
  }

  private static TreeMap<String, List<Candidate>> byDomain(List<Candidate> candidates, Comparator<Candidate> order) {
    TreeMap<String, List<Candidate>> byDomain = new TreeMap<>();
    for (Candidate c : candidates) {
      byDomain.computeIfAbsent(c.domain(), d -> new ArrayList<>()).add(c);
    }
    byDomain.values().forEach(list -> list.sort(order));
    return byDomain;
  }

  private static List<Pick> s1(List<Candidate> candidates, PipelineConfig.Select config, MscCodes codes) {
    List<Pick> picks = new ArrayList<>();
    Set<String> taken = new HashSet<>();
    for (int r = 0; r < config.directPicks().size(); r++) {
      PipelineConfig.DirectPick rule = config.directPicks().get(r);
      List<Candidate> matching = new ArrayList<>();
      for (Candidate c : candidates) {
        if (!taken.contains(c.id()) && S1Selector.matchesDirectPick(c, rule)) {
          matching.add(c);
        }
      }
      matching.sort(LONGEST_FIRST);
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
    List<Candidate> rest = candidates.stream().filter(c -> !taken.contains(c.id())).toList();
    TreeMap<String, List<Candidate>> pools = byDomain(rest, LONGEST_FIRST);
    SplittableRandom random = new SplittableRandom(config.seed());
    while (picks.size() < config.size() && !pools.isEmpty()) {
      List<String> domains = new ArrayList<>(pools.keySet());
      String domain = domains.get(random.nextInt(domains.size()));
      List<Candidate> pool = pools.get(domain);
      int rank = S1Selector.drawRank(pool.size(), random);
      Candidate c = pool.remove(rank);
      picks.add(new Pick(c, String.format(Locale.ROOT,
          "s1: domain %s (%s) drawn uniformly from %d domains; rank %d of %d by %s length (%d tokens), p=%.3g",
          domain, codes.title(domain), domains.size(), rank, pool.size() + 1, c.lengthBasis(), c.lengthTokens(),
          Math.pow(2, -rank) / S1Selector.normaliser(pool.size() + 1))));
      if (pool.isEmpty()) {
        pools.remove(domain);
      }
    }
    return picks;
  }

  private static List<Pick> score(List<Candidate> candidates, PipelineConfig.Select config) {
    PipelineConfig.Weights w = config.score().weights();
    int maxLength = 1;
    for (Candidate c : candidates) {
      maxLength = Math.max(maxLength, c.lengthTokens());
    }
    double logMax = Math.log1p(maxLength);
    Map<String, Double> score = new HashMap<>();
    for (Candidate c : candidates) {
      score.put(c.id(), w.quality() * c.completeness() + w.difficulty() * c.difficulty() + w.length() * Math.log1p(c.lengthTokens()) / logMax);
    }
    List<Candidate> sorted = new ArrayList<>(candidates);
    sorted.sort(Comparator.comparingDouble((Candidate c) -> -score.get(c.id())).thenComparing(Candidate::id));
    int cap = config.score().domainCap() <= 0 ? Integer.MAX_VALUE : (int) Math.ceil(config.score().domainCap() * config.size());
    Map<String, Integer> perDomain = new HashMap<>();
    List<Pick> picks = new ArrayList<>();
    Set<String> taken = new HashSet<>();
    for (Candidate c : sorted) {
      if (picks.size() >= config.size()) {
        break;
      }
      int used = perDomain.getOrDefault(c.domain(), 0);
      if (used < cap) {
        perDomain.put(c.domain(), used + 1);
        taken.add(c.id());
        picks.add(new Pick(c, "first pass"));
      }
    }
    for (Candidate c : sorted) {
      if (picks.size() >= config.size()) {
        break;
      }
      if (!taken.contains(c.id())) {
        picks.add(new Pick(c, "fill"));
      }
    }
    return picks;
  }

  private static List<Pick> random(List<Candidate> candidates, PipelineConfig.Select config) {
    List<Candidate> pool = new ArrayList<>(candidates);
    SplittableRandom random = new SplittableRandom(config.seed());
    List<Pick> picks = new ArrayList<>();
    int n = Math.min(config.size(), pool.size());
    for (int i = 0; i < n; i++) {
      int j = i + random.nextInt(pool.size() - i);
      Candidate c = pool.get(j);
      pool.set(j, pool.get(i));
      pool.set(i, c);
      picks.add(new Pick(c, String.format(Locale.ROOT, "random: uniform draw %d of %d (seed %d)", i + 1, n, config.seed())));
    }
    return picks;
  }

  private static List<Pick> longest(List<Candidate> candidates, PipelineConfig.Select config) {
    List<Candidate> sorted = new ArrayList<>(candidates);
    sorted.sort(LONGEST_FIRST);
    List<Pick> picks = new ArrayList<>();
    for (int i = 0; i < Math.min(config.size(), sorted.size()); i++) {
      Candidate c = sorted.get(i);
      picks.add(new Pick(c, String.format(Locale.ROOT, "longest: %d %s tokens, position %d of %d", c.lengthTokens(), c.lengthBasis(),
          i + 1, sorted.size())));
    }
    return picks;
  }

  private static List<Pick> diverse(List<Candidate> candidates, PipelineConfig.Select config, MscCodes codes) {
    TreeMap<String, List<Candidate>> pools = byDomain(candidates, Comparator.comparing(Candidate::id));
    SplittableRandom random = new SplittableRandom(config.seed());
    List<Pick> picks = new ArrayList<>();
    while (picks.size() < config.size() && !pools.isEmpty()) {
      List<String> domains = new ArrayList<>(pools.keySet());
      String domain = domains.get(random.nextInt(domains.size()));
      List<Candidate> pool = pools.get(domain);
      Candidate c = pool.remove(random.nextInt(pool.size()));
      picks.add(new Pick(c, String.format(Locale.ROOT, "diverse: domain %s (%s) drawn uniformly from %d domains, question uniform among %d",
          domain, codes.title(domain), domains.size(), pool.size() + 1)));
      if (pool.isEmpty()) {
        pools.remove(domain);
      }
    }
    return picks;
  }

  private WholePoolSelectors() {}
}
