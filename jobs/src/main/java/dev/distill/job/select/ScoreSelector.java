package dev.distill.job.select;

import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.score.MscCodes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Composite score = w_quality * completeness + w_difficulty * difficulty + w_length * log-length
 * (each component in [0, 1]); highest first, ties by id, with no domain above
 * ceil(domain_cap * size) picks. When the caps leave the selection short, the best remaining rows
 * fill it and say so.
 */
public final class ScoreSelector implements Selector {
  public static final String NAME = "score";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<String> options() {
    return List.of("select.score.weights", "select.score.domain_cap");
  }

  /**
   * Only each domain's best select.size (by score, then id) can be picked: a candidate with
   * select.size better ones in its own domain comes after all of them, and each of those is either
   * picked or skipped for its domain's cap, which would also skip this one in the first pass; in the
   * fill pass the better ones come first, so the selection is full before it. The merged lists
   * (domains x select.size at most) are what comes to the driver.
   */
  @Override
  public List<Pick> select(Candidates candidates, PipelineConfig.Select config, MscCodes codes) {
    PipelineConfig.Weights w = config.score().weights();
    double wq = w.quality();
    double wd = w.difficulty();
    double wl = w.length();
    double logMax = Math.log1p(Math.max(1, candidates.maxLengthTokens()));
    Candidates.Order best = new BestFirst(wq, wd, wl, logMax);
    List<Candidate> sorted = new ArrayList<>();
    candidates.topPerDomain(best, config.size()).values().forEach(sorted::addAll);
    sorted.sort(best);
    Map<String, Double> score = new HashMap<>();
    for (Candidate c : sorted) {
      score.put(c.id(), score(c, wq, wd, wl, logMax));
    }
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
        picks.add(new Pick(c, describe(c, score.get(c.id()), wq, wd, wl, logMax, "")));
      }
    }
    for (Candidate c : sorted) {
      if (picks.size() >= config.size()) {
        break;
      }
      if (!taken.contains(c.id())) {
        picks.add(new Pick(c, describe(c, score.get(c.id()), wq, wd, wl, logMax, "; domain cap relaxed to fill the selection")));
      }
    }
    return picks;
  }

  static double score(Candidate c, double wq, double wd, double wl, double logMax) {
    return wq * c.completeness() + wd * c.difficulty() + wl * Math.log1p(c.lengthTokens()) / logMax;
  }

  /** Highest score first, ties by id. */
  private record BestFirst(double wq, double wd, double wl, double logMax) implements Candidates.Order {
    @Override
    public int compare(Candidate x, Candidate y) {
      int byScore = Double.compare(score(y, wq, wd, wl, logMax), score(x, wq, wd, wl, logMax));
      return byScore != 0 ? byScore : x.id().compareTo(y.id());
    }
  }

  private static String describe(Candidate c, double s, double wq, double wd, double wl, double logMax, String note) {
    return String.format(Locale.ROOT, "score %.4f = %.2f*quality %.2f + %.2f*difficulty %.2f + %.2f*length %.2f (%d %s tokens), domain %s%s",
        s, wq, c.completeness(), wd, c.difficulty(), wl, Math.log1p(c.lengthTokens()) / logMax, c.lengthTokens(), c.lengthBasis(),
        c.domain(), note);
  }
}
