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

  @Override
  public List<Pick> select(List<Candidate> candidates, PipelineConfig.Select config, MscCodes codes) {
    PipelineConfig.Weights w = config.score().weights();
    double wq = w.quality();
    double wd = w.difficulty();
    double wl = w.length();
    int maxLength = 1;
    for (Candidate c : candidates) {
      maxLength = Math.max(maxLength, c.lengthTokens());
    }
    double logMax = Math.log1p(maxLength);
    Map<String, Double> score = new HashMap<>();
    for (Candidate c : candidates) {
      score.put(c.id(), wq * c.completeness() + wd * c.difficulty() + wl * Math.log1p(c.lengthTokens()) / logMax);
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

  private static String describe(Candidate c, double s, double wq, double wd, double wl, double logMax, String note) {
    return String.format(Locale.ROOT, "score %.4f = %.2f*quality %.2f + %.2f*difficulty %.2f + %.2f*length %.2f (%d %s tokens), domain %s%s",
        s, wq, c.completeness(), wd, c.difficulty(), wl, Math.log1p(c.lengthTokens()) / logMax, c.lengthTokens(), c.lengthBasis(),
        c.domain(), note);
  }
}
