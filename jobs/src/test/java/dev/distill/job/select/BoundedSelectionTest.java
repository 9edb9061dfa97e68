package dev.distill.job.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.SparkTestSession;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.schema.Columns;
import dev.distill.job.score.MscCodes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every strategy asking bounded questions of the candidates on Spark (several partitions) picks the
 * same ids in the same order, for the same reasons, as the strategy did with the whole id-sorted
 * pool on the driver ({@link WholePoolSelectors}).
 */
class BoundedSelectionTest {
  private static final MscCodes CODES = MscCodes.load(Map.of());
  private static List<Candidate> pool;
  private static CandidateTable table;

  /**
   * 6,000 candidates in 5 domains of very different sizes; lengths from a narrow range (many ties,
   * broken by id) with a long tail, so a domain's draws reach far down its length order.
   */
  @BeforeAll
  static void pool() {
    Random random = new Random(11);
    String[] domains = {"05", "11", "26", "60", "92"};
    int[] sizes = {4200, 1200, 450, 140, 10};
    pool = new ArrayList<>();
    for (int d = 0; d < domains.length; d++) {
      for (int i = 0; i < sizes[d]; i++) {
        int length = random.nextInt(10) < 8 ? 100 + random.nextInt(300) : 100 + random.nextInt(30_000);
        boolean aime = random.nextInt(50) == 0;
        pool.add(new Candidate(String.format("%016x", random.nextLong()), aime ? "aime/1983-2023" : "src" + d, domains[d], length,
            "trace", random.nextInt(6) == 0 ? null : length, aime ? Boolean.valueOf(random.nextBoolean()) : null,
            random.nextInt(5) / 4.0, random.nextBoolean(), random.nextBoolean(), random.nextInt(4) > 0));
      }
    }
    table = CandidateTable.of(scored(pool).repartition(7));
  }

  @AfterAll
  static void release() {
    table.close();
  }

  @Test
  void everyStrategyMatchesTheWholePoolSelection() {
    PipelineConfig.DirectPick aime = new PipelineConfig.DirectPick(List.of("aime"), true, 0);
    PipelineConfig.DirectPick anyLong = new PipelineConfig.DirectPick(List.of("src1", "aime"), false, 20_000);
    for (String strategy : Selector.names()) {
      if (Selector.forStrategy(strategy) instanceof TableSelector) {
        continue; // selects on the scored table with its embeddings: ClusterDiverseSelectorTest
      }
      PipelineConfig.Select cfg = SelectorsTest.cfg(strategy, 1500, 42, List.of(aime, anyLong));
      List<Pick> expected = WholePoolSelectors.select(strategy, pool, cfg, CODES);
      List<Pick> actual = Selector.forStrategy(strategy).select(table, cfg, CODES);
      assertEquals(SelectorsTest.ids(expected), SelectorsTest.ids(actual), strategy);
      if (!strategy.equals("score")) {
        assertEquals(expected.stream().map(Pick::why).toList(), actual.stream().map(Pick::why).toList(), strategy);
      }
    }
  }

  @Test
  void s1DrawsReachDeepIntoALargeDomain() {
    // The draw's reach is the point of the bound: some picks of the big domain lie far below its
    // longest select.size, yet none beyond select.size + S1Selector.REACH.
    PipelineConfig.Select cfg = SelectorsTest.cfg("s1", 3000, 7, List.of());
    List<Pick> picks = new S1Selector().select(table, cfg, CODES);
    List<String> longest05 = pool.stream().filter(c -> c.domain().equals("05")).sorted(Candidates.LONGEST_FIRST).map(Candidate::id).toList();
    int deepest = picks.stream().filter(p -> p.candidate().domain().equals("05")).mapToInt(p -> longest05.indexOf(p.candidate().id()))
        .max().orElseThrow();
    long drawsFrom05 = picks.stream().filter(p -> p.candidate().domain().equals("05")).count();
    assertTrue(deepest >= drawsFrom05, "picks reach past the domain's first " + drawsFrom05 + ": " + deepest);
    assertTrue(deepest < cfg.size() + S1Selector.REACH, "deepest pick " + deepest);
    assertEquals(SelectorsTest.ids(WholePoolSelectors.select("s1", pool, cfg, CODES)), SelectorsTest.ids(picks));
  }

  /** The candidates as rows of a scored table (the columns the select step reads). */
  private static Dataset<Row> scored(List<Candidate> candidates) {
    SparkSession spark = SparkTestSession.get();
    StructType schema = new StructType()
        .add(Columns.ID, DataTypes.StringType).add(Columns.SOURCE, DataTypes.StringType).add(Columns.DOMAIN, DataTypes.StringType)
        .add(Columns.LENGTH_TOKENS, DataTypes.IntegerType).add(Columns.LENGTH_BASIS, DataTypes.StringType)
        .add(Columns.TRACE_TOKENS, DataTypes.IntegerType).add(Columns.TEACHER_CORRECT, DataTypes.BooleanType)
        .add(Columns.DIFFICULTY, DataTypes.DoubleType).add(Columns.ANSWER, DataTypes.StringType)
        .add(Columns.SOLUTION, DataTypes.StringType).add(Columns.TRACE, DataTypes.StringType);
    List<Row> rows = new ArrayList<>();
    for (Candidate c : candidates) {
      rows.add(RowFactory.create(c.id(), c.source(), c.domain(), c.lengthTokens(), c.lengthBasis(), c.traceTokens(),
          c.teacherCorrect(), c.difficulty(), c.hasAnswer() ? "42" : "", c.hasSolution() ? "s" : null, c.hasTrace() ? "t" : ""));
    }
    return spark.createDataFrame(rows, schema);
  }
}
