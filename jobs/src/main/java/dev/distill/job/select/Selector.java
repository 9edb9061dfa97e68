package dev.distill.job.select;

import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.error.ConfigException;
import dev.distill.job.score.MscCodes;
import java.util.List;

/**
 * A selection strategy, registered by name in {@link #all()}. With the same candidates, config and
 * seed a selector must return the same picks in the same order. It sees the pool only through
 * {@link Candidates}' bounded questions, so what reaches the driver is bounded by select.size
 * (and the number of domains), never by the pool.
 */
public interface Selector {
  /** The value of select.strategy that chooses it. */
  String name();

  /** The config keys it reads besides select.size and select.seed (its options, for the docs and --help). */
  default List<String> options() {
    return List.of();
  }

  List<Pick> select(Candidates candidates, PipelineConfig.Select config, MscCodes codes);

  /** The same selection from candidates held in memory. */
  default List<Pick> select(List<Candidate> candidates, PipelineConfig.Select config, MscCodes codes) {
    return select(new CandidateList(candidates), config, codes);
  }

  /** Every strategy; a new one is one class implementing this interface and one entry here. */
  static List<Selector> all() {
    return List.of(new S1Selector(), new ScoreSelector(), new RandomSelector(), new LongestSelector(), new DiverseSelector(),
        new ClusterDiverseSelector());
  }

  static List<String> names() {
    return all().stream().map(Selector::name).toList();
  }

  /** The strategy named {@code strategy}; a {@link ConfigException} naming select.strategy when there is none. */
  static Selector forStrategy(String strategy) {
    return all().stream().filter(s -> s.name().equals(strategy)).findFirst()
        .orElseThrow(() -> ConfigException.forKey("select.strategy", "\"" + strategy + "\" is not a valid choice", "use one of " + names()));
  }
}
