package dev.distill.job.select;

import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.score.MscCodes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/** s1 ablation "1K random": a seeded uniform sample without replacement. */
public final class RandomSelector implements Selector {
  public static final String NAME = "random";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<Pick> select(List<Candidate> candidates, PipelineConfig.Select config, MscCodes codes) {
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
}
