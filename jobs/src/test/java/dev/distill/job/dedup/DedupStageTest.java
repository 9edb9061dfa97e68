package dev.distill.job.dedup;

import static dev.distill.job.SparkTestSession.candidate;
import static dev.distill.job.SparkTestSession.candidates;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.KeptFromInputCheck;
import dev.distill.job.SparkTestSession;
import dev.distill.job.SparkTestSession.CandidateRow;
import dev.distill.job.api.StageContext;
import dev.distill.job.io.StageResult;
import dev.distill.job.api.StageRunner;
import dev.distill.job.schema.Columns;
import dev.distill.udf.hash.MinHash;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DedupStageTest {
  private static final String SUM = "What is the sum of the first 100 positive integers?";
  private static final String MEAN = "What is the arithmetic mean of the first 20 odd positive integers?";

  /** ~40 words each, unrelated to one another. */
  private static final String LONG_A = "A bag contains five red marbles, seven blue marbles and eight green marbles. Three marbles are drawn "
      + "at random without replacement. What is the probability that all three marbles drawn are of different colours? "
      + "Express the answer as a common fraction.";
  private static final String LONG_B = "A cylindrical water tank has a radius of three metres and a height of ten metres. Water flows "
      + "into the tank at a constant rate of two cubic metres per minute. How many minutes does it take to fill "
      + "the empty tank completely?";
  private static final String LONG_C = "Alice and Bob play a game with a pile of twenty stones. On each turn a player removes one, two "
      + "or three stones from the pile, and the player who takes the last stone wins. If Alice moves first, "
      + "how many stones should she take?";
  private static final String LONG_D = "The sequence is defined by the first term equal to one and each later term equal to twice "
      + "the previous term plus three. Find the tenth term of the sequence, and determine the remainder when "
      + "the tenth term is divided by seven.";
  private static final String LONG_E = "A rectangular garden is surrounded by a path of uniform width. The garden measures twelve "
      + "metres by eighteen metres and the total area of garden and path together is four hundred square metres. "
      + "Find the width of the path in metres.";
  private static final String SHOW = " Show your work.";

  @TempDir
  Path tmp;

  @Test
  void exactDuplicatesKeepTheRowWithTraceThenSolution() {
    CandidateRow sumBare = candidate(SUM).source("s", 0);
    CandidateRow sumSolution = candidate("what is  the SUM of the first 100\tpositive integers ?").source("s", 0).solution("5050");
    CandidateRow sumTrace = candidate("WHAT IS THE SUM OF THE FIRST 100 POSITIVE INTEGERS?").source("s", 1).trace("Pair the terms: 50 pairs of 101.");
    CandidateRow meanBare = candidate(MEAN).source("s", 0);
    CandidateRow meanSolution = candidate("What is the arithmetic mean of the first 20 odd positive integers").source("s", 1).solution("20");
    assertEquals(sumBare.id(), sumSolution.id(), "formatting-only differences give one content id");
    assertEquals(sumBare.id(), sumTrace.id());
    assertEquals(meanBare.id(), meanSolution.id());

    StageContext context = SparkTestSession.context(tmp);
    StageResult result = StageRunner.run(new DedupStage(), context,
        candidates(List.of(sumBare.row(), sumSolution.row(), sumTrace.row(), meanBare.row(), meanSolution.row())));

    assertEquals(Map.of("exact_duplicate", 3L), result.removed());
    assertEquals(2, result.rowsOut());
    assertTrue(result.reconciles());

    Map<String, Row> removed = byOrigin(context.spark().read().parquet(context.run().removed(DedupStage.NAME))
        .select(Columns.ORIGIN, Columns.REASON, Columns.DUP_OF, Columns.DETAIL).collectAsList());
    assertEquals(Set.of(sumBare.origin(), sumSolution.origin(), meanBare.origin()), removed.keySet());
    for (CandidateRow dup : List.of(sumBare, sumSolution)) {
      Row r = removed.get(dup.origin());
      assertEquals("exact_duplicate", r.getString(1));
      assertEquals(sumBare.id(), r.getString(2));
      assertEquals("same question as " + sumTrace.origin(), r.getString(3));
    }
    assertEquals(meanBare.id(), removed.get(meanBare.origin()).getString(2));
    assertEquals("same question as " + meanSolution.origin(), removed.get(meanBare.origin()).getString(3));

    Set<String> kept = keptOrigins(context);
    assertEquals(Set.of(sumTrace.origin(), meanSolution.origin()), kept);
  }

  @Test
  void nearDuplicatesKeepOneRepresentativeByTraceSolutionThenSmallestId() {
    // Pair A: the copy with the larger id gets the trace, and still represents the pair.
    CandidateRow a1 = candidate(LONG_A);
    CandidateRow a2 = candidate(LONG_A + SHOW);
    CandidateRow aTraced = larger(a1, a2).trace("Count the colour triples: 5 * 7 * 8 = 280 of C(20,3) = 1140.");
    CandidateRow aPlain = aTraced == a1 ? a2 : a1;
    // Pair B: the copy with the larger id gets the only solution, and represents the pair.
    CandidateRow b1 = candidate(LONG_B);
    CandidateRow b2 = candidate(LONG_B + SHOW);
    CandidateRow bSolved = larger(b1, b2).solution("About 141 minutes.");
    CandidateRow bPlain = bSolved == b1 ? b2 : b1;
    // Pair C: nothing decides but the smaller id.
    CandidateRow c1 = candidate(LONG_C);
    CandidateRow c2 = candidate(LONG_C + SHOW);
    CandidateRow d = candidate(LONG_D);
    CandidateRow e = candidate(LONG_E);
    String cRep = c1.id().compareTo(c2.id()) < 0 ? c1.id() : c2.id();
    CandidateRow cDup = cRep.equals(c1.id()) ? c2 : c1;

    StageContext context = SparkTestSession.context(tmp);
    StageResult result = StageRunner.run(new DedupStage(), context,
        candidates(List.of(aPlain.row(), aTraced.row(), bSolved.row(), bPlain.row(), c1.row(), c2.row(), d.row(), e.row())));

    assertEquals(Map.of("near_duplicate", 3L), result.removed());
    assertEquals(5, result.rowsOut());
    assertTrue(result.reconciles());
    assertEquals(3, result.extra().get("near_duplicate_rows"));

    Map<String, Row> removed = byOrigin(context.spark().read().parquet(context.run().removed(DedupStage.NAME))
        .select(Columns.ORIGIN, Columns.REASON, Columns.DUP_OF, Columns.DETAIL).collectAsList());
    Map<String, String> dupOf = new HashMap<>();
    removed.forEach((origin, r) -> {
      assertEquals("near_duplicate", r.getString(1));
      assertEquals("near-duplicate of " + r.getString(2), r.getString(3));
      dupOf.put(origin, r.getString(2));
    });
    assertEquals(Map.of(aPlain.origin(), aTraced.id(), bPlain.origin(), bSolved.id(), cDup.origin(), cRep), dupOf);

    assertEquals(Set.of(aTraced.origin(), bSolved.origin(), (cDup == c1 ? c2 : c1).origin(), d.origin(), e.origin()),
        keptOrigins(context));
  }

  @Test
  void exactCopiesOfANearDuplicatePointAtTheClusterRepresentative() {
    CandidateRow copy1 = candidate(LONG_D);
    CandidateRow copy2 = candidate(LONG_D.toUpperCase());
    CandidateRow traced = candidate(LONG_D + SHOW).trace("t(n) = 4 * 2^(n-1) - 3, so t(10) = 2045, which leaves 1 mod 7.");
    assertEquals(copy1.id(), copy2.id());

    StageContext context = SparkTestSession.context(tmp);
    StageResult result = StageRunner.run(new DedupStage(), context,
        candidates(List.of(copy1.row(), copy2.row(), traced.row())));

    assertEquals(Map.of("exact_duplicate", 1L, "near_duplicate", 1L), result.removed());
    assertEquals(Set.of(traced.origin()), keptOrigins(context));
    Map<String, Row> removed = byOrigin(context.spark().read().parquet(context.run().removed(DedupStage.NAME))
        .select(Columns.ORIGIN, Columns.REASON, Columns.DUP_OF).collectAsList());
    assertEquals(traced.id(), removed.get(copy1.origin()).getString(2), "dup_of is the representative of the whole cluster");
    assertEquals(traced.id(), removed.get(copy2.origin()).getString(2), "dup_of is the representative of the whole cluster");
  }

  @Test
  void distinctQuestionsAreAllKept() {
    List<CandidateRow> rows = List.of(candidate(LONG_A), candidate(LONG_B), candidate(LONG_C), candidate(LONG_D),
        candidate(LONG_E), candidate(SUM), candidate(MEAN));
    StageContext context = SparkTestSession.context(tmp);
    StageResult result = StageRunner.run(new DedupStage(), context,
        candidates(rows.stream().map(CandidateRow::row).collect(Collectors.toList())));

    assertEquals(Map.of(), result.removed());
    assertEquals(rows.size(), result.rowsOut());
    assertEquals(rows.stream().map(CandidateRow::origin).collect(Collectors.toSet()), keptOrigins(context));
  }

  @Test
  void keptRowsFromTheInputAreTheRowsTheVerdictsKeep() {
    List<Row> rows = new ArrayList<>();
    for (String q : List.of(LONG_A, LONG_B, LONG_C, LONG_D, LONG_E, SUM, MEAN)) {
      rows.add(candidate(q).row());
      rows.add(candidate(q + SHOW).row());
      rows.add(candidate(q.toUpperCase()).solution("s").row());
    }
    StageContext context = SparkTestSession.context(tmp);
    Dataset<Row> input = candidates(rows).repartition(3);
    StageResult result = KeptFromInputCheck.run(new DedupStage(), context, input, tmp);
    // 7 questions in 3 spellings: the upper-case copy (with a solution) wins its exact pair; the
    // copy with a sentence added is a near-duplicate of it for the 5 long questions only.
    assertEquals(Map.of("exact_duplicate", 7L, "near_duplicate", 5L), result.removed());
  }

  @Test
  void theSharedBandFilterGivesThePairsOfBucketingEveryRow() {
    List<CandidateRow> rows = List.of(candidate(LONG_A), candidate(LONG_A + SHOW), candidate(LONG_B), candidate(LONG_B + SHOW),
        candidate(LONG_C), candidate(LONG_D), candidate(LONG_E), candidate(SUM), candidate(MEAN));
    StageContext context = SparkTestSession.context(tmp);
    Dataset<Row> one = candidates(rows.stream().map(CandidateRow::row).collect(Collectors.toList()))
        .select(col(Columns.ID), col(Columns.QUESTION),
            lit(false).as("trace"), lit(false).as("solution"));
    MinHash minHash = new MinHash(128, 3, 1);
    Set<String> filtered = pairs(LshCandidates.pairs(one, minHash, 16, 8, 0.7, 200));
    Set<String> everyRow = pairs(LshCandidates.pairs(one, minHash, 16, 8, 0.7, 200, 0));
    assertEquals(Set.of(pair(rows.get(0), rows.get(1)), pair(rows.get(2), rows.get(3))), filtered, "the two near-duplicate pairs");
    assertEquals(everyRow, filtered);
  }

  private static Set<String> pairs(Dataset<Row> pairs) {
    return pairs.collectAsList().stream().map(r -> r.getString(0) + "|" + r.getString(3)).collect(Collectors.toSet());
  }

  private static String pair(CandidateRow x, CandidateRow y) {
    return x.id().compareTo(y.id()) < 0 ? x.id() + "|" + y.id() : y.id() + "|" + x.id();
  }

  private static CandidateRow larger(CandidateRow x, CandidateRow y) {
    return x.id().compareTo(y.id()) > 0 ? x : y;
  }

  private static Map<String, Row> byOrigin(List<Row> rows) {
    Map<String, Row> out = new HashMap<>();
    rows.forEach(r -> out.put(r.getString(0), r));
    return out;
  }

  private static Set<String> keptOrigins(StageContext context) {
    return context.spark().read().parquet(context.run().stage(DedupStage.NAME)).select(Columns.ORIGIN).collectAsList()
        .stream().map(r -> r.getString(0)).collect(Collectors.toSet());
  }
}
