package dev.distill.job.select;

import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.score.MscCodes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** s1 ablation "1K longest traces": the longest rows, ties by id (the pool's top select.size, merged from per-task top lists). */
public final class LongestSelector implements Selector {
  public static final String NAME = "longest";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<Pick> select(Candidates candidates, PipelineConfig.Select config, MscCodes codes) {
    long n = candidates.count();
    List<Candidate> longest = candidates.top(c -> true, Candidates.LONGEST_FIRST, config.size());
    List<Pick> picks = new ArrayList<>();
    for (int i = 0; i < longest.size(); i++) {
      Candidate c = longest.get(i);
      picks.add(new Pick(c, String.format(Locale.ROOT, "longest: %d %s tokens, position %d of %d", c.lengthTokens(), c.lengthBasis(),
          i + 1, n)));
    }
    return picks;
  }
}
