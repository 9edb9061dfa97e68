package dev.distill.job.select;

import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.score.MscCodes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.SplittableRandom;
import java.util.TreeMap;

/** s1 ablation "diverse only": a domain uniformly at random, then a question uniformly within it. */
public final class DiverseSelector implements Selector {
  public static final String NAME = "diverse";

  @Override
  public String name() {
    return NAME;
  }

  /**
   * Played on per-domain counts: a draw's index among a domain's remaining candidates (id order)
   * is mapped to its position among all of them past the positions already drawn there (at most
   * select.size); only the drawn positions' candidates are fetched, in domain-then-id order.
   */
  @Override
  public List<Pick> select(Candidates candidates, PipelineConfig.Select config, MscCodes codes) {
    SortedMap<String, Long> counts = candidates.countByDomain();
    Map<String, Long> offsets = new HashMap<>();
    long offset = 0;
    for (Map.Entry<String, Long> e : counts.entrySet()) {
      offsets.put(e.getKey(), offset);
      offset += e.getValue();
    }
    TreeMap<String, Long> remaining = new TreeMap<>(counts);
    Map<String, List<Long>> drawnIn = new HashMap<>();
    SplittableRandom random = new SplittableRandom(config.seed());
    List<Long> positions = new ArrayList<>();
    List<String> whys = new ArrayList<>();
    while (positions.size() < config.size() && !remaining.isEmpty()) {
      List<String> domains = new ArrayList<>(remaining.keySet());
      String domain = domains.get(random.nextInt(domains.size()));
      long left = remaining.get(domain);
      long position = skipDrawn(random.nextInt(Math.toIntExact(left)), drawnIn.computeIfAbsent(domain, d -> new ArrayList<>()));
      positions.add(offsets.get(domain) + position);
      whys.add(String.format(Locale.ROOT, "diverse: domain %s (%s) drawn uniformly from %d domains, question uniform among %d",
          domain, codes.title(domain), domains.size(), left));
      if (left == 1) {
        remaining.remove(domain);
      } else {
        remaining.put(domain, left - 1);
      }
    }
    Map<Long, Candidate> byPosition = candidates.atPositions(Candidates.BY_DOMAIN_THEN_ID, new HashSet<>(positions));
    List<Pick> picks = new ArrayList<>();
    for (int i = 0; i < positions.size(); i++) {
      picks.add(new Pick(byPosition.get(positions.get(i)), whys.get(i)));
    }
    return picks;
  }

  /** The position of the {@code index}-th candidate not yet drawn, given the positions drawn (kept sorted; this one is added). */
  static long skipDrawn(int index, List<Long> drawn) {
    long position = index;
    int at = 0;
    while (at < drawn.size() && drawn.get(at) <= position) {
      position++;
      at++;
    }
    drawn.add(at, position);
    return position;
  }
}
