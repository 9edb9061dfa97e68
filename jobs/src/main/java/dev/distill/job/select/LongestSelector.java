package dev.distill.job.select;

import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.score.MscCodes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** s1 ablation "1K longest traces": the longest rows, ties by id. */
public final class LongestSelector implements Selector {
  public static final String NAME = "longest";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<Pick> select(List<Candidate> candidates, PipelineConfig.Select config, MscCodes codes) {
    List<Candidate> sorted = new ArrayList<>(candidates);
    sorted.sort(DomainPools.LONGEST_FIRST);
    List<Pick> picks = new ArrayList<>();
    for (int i = 0; i < Math.min(config.size(), sorted.size()); i++) {
      Candidate c = sorted.get(i);
      picks.add(new Pick(c, String.format(Locale.ROOT, "longest: %d %s tokens, position %d of %d", c.lengthTokens(), c.lengthBasis(),
          i + 1, sorted.size())));
    }
    return picks;
  }
}
