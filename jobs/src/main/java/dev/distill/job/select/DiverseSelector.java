package dev.distill.job.select;

import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.score.MscCodes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/** s1 ablation "diverse only": a domain uniformly at random, then a question uniformly within it. */
public final class DiverseSelector implements Selector {
  public static final String NAME = "diverse";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<Pick> select(List<Candidate> candidates, PipelineConfig.Select config, MscCodes codes) {
    DomainPools pools = new DomainPools(candidates, Comparator.comparing(Candidate::id));
    SplittableRandom random = new SplittableRandom(config.seed());
    List<Pick> picks = new ArrayList<>();
    while (picks.size() < config.size() && !pools.isEmpty()) {
      List<String> domains = pools.domains();
      String domain = domains.get(random.nextInt(domains.size()));
      List<Candidate> pool = pools.pool(domain);
      Candidate c = pool.remove(random.nextInt(pool.size()));
      picks.add(new Pick(c, String.format(Locale.ROOT, "diverse: domain %s (%s) drawn uniformly from %d domains, question uniform among %d",
          domain, codes.title(domain), domains.size(), pool.size() + 1)));
      pools.removeIfEmpty(domain);
    }
    return picks;
  }
}
