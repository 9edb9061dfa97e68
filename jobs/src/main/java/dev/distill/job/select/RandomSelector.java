package dev.distill.job.select;

import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.score.MscCodes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/** s1 ablation "1K random": a seeded uniform sample without replacement. */
public final class RandomSelector implements Selector {
  public static final String NAME = "random";

  @Override
  public String name() {
    return NAME;
  }

  /**
   * The Fisher-Yates shuffle of the id-sorted pool, stopped after select.size swaps, played on
   * positions only (the positions a swap touched, at most 2 x select.size, in a map); then only
   * the drawn positions' candidates are fetched.
   */
  @Override
  public List<Pick> select(Candidates candidates, PipelineConfig.Select config, MscCodes codes) {
    int total = Math.toIntExact(candidates.count());
    SplittableRandom random = new SplittableRandom(config.seed());
    Map<Integer, Integer> moved = new HashMap<>();
    List<Long> drawn = new ArrayList<>();
    int n = Math.min(config.size(), total);
    for (int i = 0; i < n; i++) {
      int j = i + random.nextInt(total - i);
      int atJ = moved.getOrDefault(j, j);
      moved.put(j, moved.getOrDefault(i, i));
      moved.put(i, atJ);
      drawn.add((long) atJ);
    }
    Map<Long, Candidate> byPosition = candidates.atPositions(Candidates.BY_ID, new HashSet<>(drawn));
    List<Pick> picks = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      picks.add(new Pick(byPosition.get(drawn.get(i)),
          String.format(Locale.ROOT, "random: uniform draw %d of %d (seed %d)", i + 1, n, config.seed())));
    }
    return picks;
  }
}
