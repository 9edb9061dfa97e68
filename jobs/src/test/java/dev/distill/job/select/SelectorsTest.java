package dev.distill.job.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.score.MscCodes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SelectorsTest {
  private static final MscCodes CODES = MscCodes.load(Map.of());

  /** 3 domains of very different sizes, ids sorted as the stage hands them over. */
  static List<Candidate> pool() {
    List<Candidate> out = new ArrayList<>();
    String[] domains = {"05", "11", "92"};
    int[] sizes = {400, 60, 15};
    int n = 0;
    for (int d = 0; d < domains.length; d++) {
      for (int i = 0; i < sizes[d]; i++) {
        String id = String.format("%016x", (long) (n++) * 7919L);
        boolean aime = d == 1 && i < 5;
        out.add(new Candidate(id, aime ? "aime/1983-2023" : "src" + d, domains[d], 100 + (n * 37) % 5000, "trace", 100 + (n * 37) % 5000,
            aime ? Boolean.TRUE : null, (n % 10) / 10.0, true, i % 2 == 0, true));
      }
    }
    out.sort((a, b) -> a.id().compareTo(b.id()));
    return out;
  }

  static PipelineConfig.Select cfg(String strategy, int size, long seed, List<PipelineConfig.DirectPick> picks) {
    return new PipelineConfig.Select(strategy, size, seed, picks,
        new PipelineConfig.Score(new PipelineConfig.Weights(1.0, 2.0, 1.0), 0.4));
  }

  static List<String> ids(List<Pick> picks) {
    return picks.stream().map(p -> p.candidate().id()).collect(Collectors.toList());
  }

  @Test
  void everyStrategyIsReproducibleAndIndependentOfInputOrder() {
    for (String strategy : Selector.names()) {
      if (Selector.forStrategy(strategy) instanceof TableSelector) {
        continue; // selects from the scored table on Spark: ClusterDiverseSelectorTest
      }
      List<Candidate> shuffled = new ArrayList<>(pool());
      Collections.shuffle(shuffled, new java.util.Random(3));
      shuffled.sort((a, b) -> a.id().compareTo(b.id()));
      List<Pick> a = Selector.forStrategy(strategy).select(pool(), cfg(strategy, 100, 42, List.of()), CODES);
      List<Pick> b = Selector.forStrategy(strategy).select(shuffled, cfg(strategy, 100, 42, List.of()), CODES);
      assertEquals(ids(a), ids(b), strategy);
      assertEquals(100, a.size(), strategy);
      assertEquals(100, new HashSet<>(ids(a)).size(), strategy + " picks a row twice");
    }
  }

  @Test
  void seedChangesRandomizedStrategies() {
    for (String strategy : List.of("s1", "random", "diverse")) {
      assertNotEquals(ids(Selector.forStrategy(strategy).select(pool(), cfg(strategy, 50, 1, List.of()), CODES)),
          ids(Selector.forStrategy(strategy).select(pool(), cfg(strategy, 50, 2, List.of()), CODES)), strategy);
    }
  }

  @Test
  void s1DrawsDomainsUniformlyNotProportionally() {
    List<Pick> picks = new S1Selector().select(pool(), cfg("s1", 45, 42, List.of()), CODES);
    Map<String, Long> perDomain = picks.stream().collect(Collectors.groupingBy(p -> p.candidate().domain(), Collectors.counting()));
    // Proportional sampling would give domain 92 about 1 of 45; uniform over domains gives about 15.
    assertTrue(perDomain.get("92") >= 9, "domain 92 got " + perDomain);
    assertTrue(perDomain.get("05") <= 22, "domain 05 got " + perDomain);
  }

  @Test
  void s1PrefersLongTracesWithinADomain() {
    List<Candidate> all = pool();
    List<Pick> picks = new S1Selector().select(all, cfg("s1", 30, 42, List.of()), CODES);
    List<Candidate> d05 = all.stream().filter(c -> c.domain().equals("05")).sorted(Candidates.LONGEST_FIRST).collect(Collectors.toList());
    int medianLength = d05.get(d05.size() / 2).lengthTokens();
    long longPicks = picks.stream().filter(p -> p.candidate().domain().equals("05") && p.candidate().lengthTokens() > medianLength).count();
    long d05Picks = picks.stream().filter(p -> p.candidate().domain().equals("05")).count();
    assertEquals(d05Picks, longPicks, "2^-rank draws stay among the longest traces");
    assertTrue(picks.get(0).why().startsWith("s1: domain"), picks.get(0).why());
  }

  @Test
  void s1DirectPicksComeFirstAndNeedATeacherVerifiedTrace() {
    PipelineConfig.DirectPick aime = new PipelineConfig.DirectPick(List.of("aime"), true, 0);
    List<Pick> picks = new S1Selector().select(pool(), cfg("s1", 20, 42, List.of(aime)), CODES);
    for (int i = 0; i < 5; i++) {
      assertTrue(picks.get(i).candidate().source().startsWith("aime"), picks.get(i).why());
      assertTrue(picks.get(i).why().contains("direct pick"));
    }
    assertTrue(picks.get(5).why().startsWith("s1: domain"));
    PipelineConfig.DirectPick longMath = new PipelineConfig.DirectPick(List.of("aime"), true, 1_000_000);
    List<Pick> none = new S1Selector().select(pool(), cfg("s1", 20, 42, List.of(longMath)), CODES);
    assertTrue(none.stream().noneMatch(p -> p.why().contains("direct pick")));
  }

  @Test
  void drawRankFollowsPowersOfTwo() {
    SplittableRandom random = new SplittableRandom(9);
    int[] counts = new int[4];
    for (int i = 0; i < 40_000; i++) {
      counts[S1Selector.drawRank(4, random)]++;
    }
    // p = 8/15, 4/15, 2/15, 1/15
    assertEquals(8 / 15.0, counts[0] / 40_000.0, 0.02);
    assertEquals(4 / 15.0, counts[1] / 40_000.0, 0.02);
    assertEquals(1 / 15.0, counts[3] / 40_000.0, 0.01);
  }

  @Test
  void scoreRespectsDomainCapAndSaysWhenItRelaxes() {
    List<Pick> capped = new ScoreSelector().select(pool(), cfg("score", 40, 42, List.of()), CODES);
    Map<String, Long> perDomain = capped.stream().collect(Collectors.groupingBy(p -> p.candidate().domain(), Collectors.counting()));
    assertTrue(perDomain.values().stream().allMatch(n -> n <= 16), perDomain.toString());
    List<Pick> relaxed = new ScoreSelector().select(pool(), cfg("score", 200, 42, List.of()), CODES);
    assertEquals(200, relaxed.size());
    assertTrue(relaxed.get(199).why().contains("domain cap relaxed"), relaxed.get(199).why());
  }

  @Test
  void longestIsSortedByLengthThenId() {
    List<Pick> picks = new LongestSelector().select(pool(), cfg("longest", 50, 0, List.of()), CODES);
    for (int i = 1; i < picks.size(); i++) {
      assertTrue(picks.get(i - 1).candidate().lengthTokens() >= picks.get(i).candidate().lengthTokens());
    }
  }

  @Test
  void smallPoolsSelectEverythingOnce() {
    List<Candidate> tiny = pool().subList(0, 7);
    for (String strategy : Selector.names()) {
      if (Selector.forStrategy(strategy) instanceof TableSelector) {
        continue;
      }
      List<Pick> picks = Selector.forStrategy(strategy).select(tiny, cfg(strategy, 1000, 1, List.of()), CODES);
      assertEquals(7, picks.size(), strategy);
      assertEquals(7, new HashSet<>(ids(picks)).size(), strategy);
    }
  }
}
