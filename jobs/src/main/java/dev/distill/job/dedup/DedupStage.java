package dev.distill.job.dedup;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import dev.distill.job.api.Stage;
import dev.distill.job.api.StageContext;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.schema.CandidateSchema;
import dev.distill.job.schema.Columns;
import dev.distill.udf.hash.LshBands;
import dev.distill.udf.hash.MinHash;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;

/**
 * Exact dedup on the content id (hash of the normalised question), then near-duplicates with
 * MinHash + LSH banding. One deterministic representative per cluster (trace, then solution,
 * then smallest id); every other member is removed with {@code dup_of} = the representative's id.
 */
public final class DedupStage implements Stage {
  public static final String NAME = "dedup";
  /** Same normalised question as its cluster's representative. */
  public static final String EXACT_DUPLICATE = "exact_duplicate";
  /** Shingle-set Jaccard at or above dedup.threshold with its cluster's representative. */
  public static final String NEAR_DUPLICATE = "near_duplicate";
  /** Embeddings at or above dedup.semantic_threshold cosine with its cluster's representative, the same numbers stated. */
  public static final String SEMANTIC_DUPLICATE = "semantic_duplicate";
  /** How far below dedup.threshold the LSH candidate curve is centred (recall; verification keeps precision). */
  static final double LSH_SLACK = 0.1;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<String> reasons() {
    return List.of(EXACT_DUPLICATE, NEAR_DUPLICATE, SEMANTIC_DUPLICATE);
  }

  @Override
  public String description() {
    return "dedup: exact (normalised question) and near-duplicate (MinHash LSH) clusters";
  }

  /** New rows are clustered with the base run's kept rows; the cluster's representative is chosen as in a full run. */
  @Override
  public Incumbents incumbents() {
    return Incumbents.OUTPUT;
  }

  /** A row dedup keeps is its cluster's representative: an input row with no {@code dup_of}. */
  @Override
  public Optional<UnaryOperator<Dataset<Row>>> keptFromInput() {
    return Optional.of(rows -> rows.withColumn(Columns.DUP_OF, noValue()));
  }

  @Override
  public Dataset<Row> apply(StageContext context, Dataset<Row> input) {
    CandidateSchema.require(input.schema(), NAME, Columns.ID, Columns.QUESTION, Columns.TRACE, Columns.SOLUTION, Columns.ORIGIN);
    PipelineConfig.Dedup cfg = context.config().dedup();
    Dataset<Row> flagged = input.withColumn(Columns.DUP_OF, noValue()).withColumn(Columns.REASON, noValue()).withColumn(Columns.DETAIL, noValue());
    if (cfg.exact()) {
      flagged = flagExactDuplicates(input, flagged);
    }
    if (cfg.near()) {
      flagged = flagNearDuplicates(context, input, flagged, cfg);
    }
    return cfg.semantic() ? flagSemanticDuplicates(context, flagged, cfg) : flagged;
  }

  /**
   * Among the rows exact and near dedup kept, those {@link SemanticDuplicates} pairs, grouped and
   * resolved like near duplicates; their exact copies point at the same representative.
   */
  private static Dataset<Row> flagSemanticDuplicates(StageContext context, Dataset<Row> verdicts, PipelineConfig.Dedup cfg) {
    // Read three times below (the pairs, the representatives, the join back): exact and near dedup's shuffles run once.
    Dataset<Row> flagged = verdicts.localCheckpoint();
    Dataset<Row> kept = onePerId(flagged.filter(col(Columns.REASON).isNull()));
    Dataset<Row> repOf = representatives(context, SemanticDuplicates.edges(context, kept, cfg), kept, "semantic_duplicate")
        .select(col(Columns.ID).as("_sem_id"), col(ClusterRepresentatives.REP).as("_sem_rep"));
    Column rep = col("_sem_rep");
    Column semantic = col(Columns.REASON).isNull().and(rep.isNotNull());
    return flagged.join(repOf, col(Columns.ID).equalTo(col("_sem_id")), "left_outer")
        .withColumn(Columns.DETAIL, when(semantic, concat(lit("same meaning as "), rep)).otherwise(col(Columns.DETAIL)))
        .withColumn(Columns.DUP_OF, when(rep.isNotNull(), rep).otherwise(col(Columns.DUP_OF)))
        .withColumn(Columns.REASON, when(semantic, lit(SEMANTIC_DUPLICATE)).otherwise(col(Columns.REASON)))
        .drop("_sem_id", "_sem_rep");
  }

  private static Dataset<Row> flagExactDuplicates(Dataset<Row> input, Dataset<Row> flagged) {
    Column loses = col("_rep").isNotNull();
    return flagged.join(exactLosers(input), col(Columns.ORIGIN).equalTo(col("_loser")), "left_outer")
        .withColumn(Columns.REASON, when(loses, lit(EXACT_DUPLICATE)))
        .withColumn(Columns.DUP_OF, when(loses, col(Columns.ID)))
        .withColumn(Columns.DETAIL, when(loses, concat(lit("same question as "), col("_rep"))))
        .drop("_loser", "_rep");
  }

  /**
   * (_loser, _rep): the origin of every row that is not the best of its content id, and the origin
   * it loses to. Ranked on a light projection (no trace or question text in the window's shuffle)
   * and joined back to the rows by origin on the executors.
   */
  private static Dataset<Row> exactLosers(Dataset<Row> input) {
    var byContent = Window.partitionBy(col(Columns.ID))
        .orderBy(col("_t").desc(), col("_s").desc(), col(Columns.SOURCE_ORDER), col(Columns.ORIGIN));
    return input.select(col(Columns.ID), col(Columns.ORIGIN), col(Columns.SOURCE_ORDER), hasTrace().as("_t"), hasSolution().as("_s"))
        .withColumn("_rn", row_number().over(byContent))
        .withColumn("_rep", first(col(Columns.ORIGIN)).over(byContent))
        .filter(col("_rn").gt(1))
        .select(col(Columns.ORIGIN).as("_loser"), col("_rep"));
  }

  private static Dataset<Row> flagNearDuplicates(StageContext context, Dataset<Row> input, Dataset<Row> flagged, PipelineConfig.Dedup cfg) {
    Dataset<Row> repOf = nearDuplicates(context, onePerId(input), cfg);
    Column rep = col("_near_rep");
    Column near = col(Columns.REASON).isNull().and(rep.isNotNull());
    Dataset<Row> reps = repOf.select(col(Columns.ID).as("_near_id"), col(ClusterRepresentatives.REP).as("_near_rep"));
    return flagged.join(reps, col(Columns.ID).equalTo(col("_near_id")), "left_outer")
        .withColumn(Columns.DETAIL, when(near, concat(lit("near-duplicate of "), rep)).otherwise(col(Columns.DETAIL)))
        // rep is looked up by content id, so exact copies of a near-duplicate also point at the cluster's representative
        .withColumn(Columns.DUP_OF, when(rep.isNotNull(), rep).otherwise(col(Columns.DUP_OF)))
        .withColumn(Columns.REASON, when(near, lit(NEAR_DUPLICATE)).otherwise(col(Columns.REASON)))
        .drop("_near_id", "_near_rep");
  }

  /**
   * One row per content id (what exact dedup keeps: the best trace/solution pair), taken from the
   * input so the exact ranking's window is not computed a second time for the near-duplicate search.
   */
  private static Dataset<Row> onePerId(Dataset<Row> input) {
    return input.groupBy(col(Columns.ID))
        .agg(first(col(Columns.QUESTION)).as(Columns.QUESTION),
            max(struct(hasTrace().as("trace"), hasSolution().as("solution"))).as("_best"))
        .select(col(Columns.ID), col(Columns.QUESTION), col("_best.trace").as("trace"), col("_best.solution").as("solution"));
  }

  private static Column noValue() {
    return lit(null).cast(DataTypes.StringType);
  }

  private static Column hasTrace() {
    return col(Columns.TRACE).isNotNull().and(col(Columns.TRACE).notEqual(""));
  }

  private static Column hasSolution() {
    return col(Columns.SOLUTION).isNotNull().and(col(Columns.SOLUTION).notEqual(""));
  }

  /**
   * The near-duplicate search the stage runs, on rows already one per content id (columns id,
   * question, trace, solution), all on the executors: LSH candidate pairs screened on the MinHash
   * estimate, verified on the exact Jaccard of their shingle sets, connected components of the
   * verified pairs and one representative per component. Returns (id, rep) for every id that is
   * not its cluster's representative (a local checkpoint, so it outlives the input's cache), and
   * records the LSH shape, the candidate and verified pair counts and the rounds of the components.
   */
  public static Dataset<Row> nearDuplicates(StageContext context, Dataset<Row> input, PipelineConfig.Dedup cfg) {
    // Read twice (signatures, then the candidates' questions): kept rather than computed again.
    Dataset<Row> rows = input.persist(StorageLevel.MEMORY_AND_DISK());
    try {
      return search(context, rows, cfg);
    } finally {
      rows.unpersist();
    }
  }

  private static Dataset<Row> search(StageContext context, Dataset<Row> rows, PipelineConfig.Dedup cfg) {
    MinHash minHash = new MinHash(cfg.numHashes(), cfg.shingleWords(), cfg.seed());
    // The banding S-curve is centred LSH_SLACK below the threshold: a pair at the threshold or a
    // little above becomes a candidate almost surely (128 slots at 0.8: 16 bands x 8 rows, 99.9%
    // of pairs at Jaccard 0.88 rather than 95% with 11 x 11), and the exact Jaccard then decides.
    int[] br = LshBands.chooseBandsRows(cfg.numHashes(), Math.max(0.05, cfg.threshold() - LSH_SLACK));
    context.stat("lsh_bands", br[0]);
    context.stat("lsh_rows_per_band", br[1]);
    // The estimate only screens; a candidate within LSH_SLACK of the threshold is decided on the exact Jaccard.
    double screen = Math.max(0, cfg.threshold() - LSH_SLACK);
    Dataset<Row> candidates = LshCandidates.pairs(rows, minHash, br[0], br[1], screen, cfg.maxBucket());
    Dataset<Row> edges = new JaccardVerifier(cfg.threshold(), cfg.shingleWords()).verified(candidates, rows).localCheckpoint();
    context.stat("near_duplicate_candidates", Math.toIntExact(candidates.count()));
    context.stat("near_duplicate_pairs", Math.toIntExact(edges.count()));
    return representatives(context, edges, rows, "near_duplicate");
  }

  /**
   * (id, rep) of every member of an edge's component that is not its representative, on the
   * executors: the one grouping and rule of near and semantic duplicates ({@code figure}_component_rounds, _rows).
   */
  private static Dataset<Row> representatives(StageContext context, Dataset<Row> edges, Dataset<Row> rows, String figure) {
    ConnectedComponents components = ConnectedComponents.of(edges);
    context.stat(figure + "_component_rounds", components.rounds());
    Dataset<Row> members = components.labels()
        .join(rows.select(col(Columns.ID).as("_id"), col("trace"), col("solution")), col(Columns.ID).equalTo(col("_id")))
        .drop("_id");
    Dataset<Row> repOf = ClusterRepresentatives.resolve(members).localCheckpoint();
    context.stat(figure + "_rows", Math.toIntExact(repOf.count()));
    return repOf;
  }
}
