package dev.distill.job.select;

import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.score.MscCodes;
import java.util.List;

/**
 * A selection strategy. Input candidates are sorted by id; with the same candidates, config and
 * seed a selector must return the same picks in the same order.
 */
public interface Selector {
  List<Pick> select(List<Candidate> candidates, PipelineConfig.Select config, MscCodes codes);

  static Selector forStrategy(String strategy) {
    switch (strategy) {
      case "s1":
        return new S1Selector();
      case "score":
        return new ScoreSelector();
      case "random":
        return new RandomSelector();
      case "longest":
        return new LongestSelector();
      case "diverse":
        return new DiverseSelector();
      default:
        throw new IllegalArgumentException("Cannot select: unknown strategy " + strategy + "; use one of " + PipelineConfig.STRATEGIES);
    }
  }
}
