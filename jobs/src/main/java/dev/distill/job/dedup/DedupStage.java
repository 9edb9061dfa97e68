package dev.distill.job.dedup;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import dev.distill.job.api.Stage;
import dev.distill.job.api.StageContext;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.schema.CandidateSchema;
import dev.distill.job.schema.Columns;
import dev.distill.udf.hash.LshBands;
import dev.distill.udf.hash.MinHash;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

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
  private static final String SIG = "_sig";
  /** How far below dedup.threshold the LSH candidate curve is centred (recall; verification keeps precision). */
  static final double LSH_SLACK = 0.1;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<String> reasons() {
    return List.of(EXACT_DUPLICATE, NEAR_DUPLICATE);
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

  @Override
  public Dataset<Row> apply(StageContext context, Dataset<Row> input) {
    CandidateSchema.require(input.schema(), NAME, Columns.ID, Columns.QUESTION, Columns.TRACE, Columns.SOLUTION, Columns.ORIGIN);
    PipelineConfig.Dedup cfg = context.config().dedup();
    Column hasTrace = col(Columns.TRACE).isNotNull().and(col(Columns.TRACE).notEqual(""));
    Column hasSolution = col(Columns.SOLUTION).isNotNull().and(col(Columns.SOLUTION).notEqual(""));
    Dataset<Row> flagged = input.withColumn(Columns.DUP_OF, lit(null).cast(DataTypes.StringType))
        .withColumn(Columns.REASON, lit(null).cast(DataTypes.StringType))
        .withColumn(Columns.DETAIL, lit(null).cast(DataTypes.StringType));
    if (cfg.exact()) {
      // Ranked on a light projection (no trace or question text in the shuffle); the few rows that
      // lose are looked up by origin from a broadcast map, so the full rows are never shuffled.
      var byContent = Window.partitionBy(col(Columns.ID))
          .orderBy(col("_t").desc(), col("_s").desc(), col(Columns.SOURCE_ORDER), col(Columns.ORIGIN));
      Map<String, String> exactRep = new java.util.HashMap<>();
      for (Row r : input.select(col(Columns.ID), col(Columns.ORIGIN), col(Columns.SOURCE_ORDER), hasTrace.as("_t"), hasSolution.as("_s"))
          .withColumn("_rn", row_number().over(byContent))
          .withColumn("_rep", org.apache.spark.sql.functions.first(col(Columns.ORIGIN)).over(byContent))
          .filter(col("_rn").gt(1)).select(col(Columns.ORIGIN), col("_rep")).collectAsList()) {
        exactRep.put(r.getString(0), r.getString(1));
      }
      Broadcast<Map<String, String>> losers = context.spark().sparkContext()
          .broadcast(exactRep, scala.reflect.ClassTag$.MODULE$.apply(Map.class));
      Column rep = udf((UDF1<String, String>) origin -> losers.value().get(origin), DataTypes.StringType).apply(col(Columns.ORIGIN));
      flagged = flagged.withColumn("_rep", rep)
          .withColumn(Columns.REASON, when(col("_rep").isNotNull(), lit(EXACT_DUPLICATE)))
          .withColumn(Columns.DUP_OF, when(col("_rep").isNotNull(), col(Columns.ID)))
          .withColumn(Columns.DETAIL, when(col("_rep").isNotNull(), concat(lit("same question as "), col("_rep"))))
          .drop("_rep");
    }
    if (!cfg.near()) {
      return flagged;
    }
    // One row per content id (what exact dedup keeps: the best trace/solution pair), taken from the
    // input so the window above is not computed a second time for the near-duplicate search.
    Dataset<Row> perId = input.groupBy(col(Columns.ID))
        .agg(org.apache.spark.sql.functions.first(col(Columns.QUESTION)).as(Columns.QUESTION),
            org.apache.spark.sql.functions.max(org.apache.spark.sql.functions.struct(hasTrace.as("trace"), hasSolution.as("solution"))).as("_best"))
        .select(col(Columns.ID), col(Columns.QUESTION), col("_best.trace").as("trace"), col("_best.solution").as("solution"));
    Map<String, String> repOf = nearDuplicates(context, perId, cfg);
    context.stat("near_duplicate_rows", repOf.size());
    Broadcast<Map<String, String>> reps = context.spark().sparkContext()
        .broadcast(repOf, scala.reflect.ClassTag$.MODULE$.apply(Map.class));
    UserDefinedFunction repFor = udf((UDF1<String, String>) id -> reps.value().get(id), DataTypes.StringType);
    Column rep = repFor.apply(col(Columns.ID));
    Column near = col(Columns.REASON).isNull().and(rep.isNotNull());
    return flagged
        .withColumn(Columns.DETAIL, when(near, concat(lit("near-duplicate of "), rep)).otherwise(col(Columns.DETAIL)))
        // rep is looked up by content id, so exact copies of a near-duplicate also point at the cluster's representative
        .withColumn(Columns.DUP_OF, when(rep.isNotNull(), rep).otherwise(col(Columns.DUP_OF)))
        .withColumn(Columns.REASON, when(near, lit(NEAR_DUPLICATE)).otherwise(col(Columns.REASON)));
  }

  /**
   * The near-duplicate search of the dedup stage on its own: LSH candidate pairs screened on the
   * MinHash estimate and verified on the exact Jaccard of their shingle sets (at least
   * {@code cfg.threshold()}), resolved into clusters on the driver (edges are few).
   *
   * <p>Records its LSH shape and pair counts as stats of {@code context} ({@code lsh_bands},
   * {@code lsh_rows_per_band}, {@code near_duplicate_candidates}, {@code near_duplicate_pairs}).
   *
   * @param input one row per content id with columns id, question, trace, solution (booleans:
   *     whether the id has a trace, a solution; a cluster's representative is a row with a trace
   *     first, then one with a solution, then the smallest id)
   * @return member id to its cluster's representative id, for every id in a cluster except the
   *     representative itself; ids absent from the map are alone
   */
  public static Map<String, String> nearDuplicates(StageContext context, Dataset<Row> input, PipelineConfig.Dedup cfg) {
    // Read twice (signatures, then the candidates' questions): kept rather than computed again.
    Dataset<Row> rows = input.persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
    try {
      return search(context, rows, cfg);
    } finally {
      rows.unpersist();
    }
  }

  private static Map<String, String> search(StageContext context, Dataset<Row> rows, PipelineConfig.Dedup cfg) {
    MinHash minHash = new MinHash(cfg.numHashes(), cfg.shingleWords(), cfg.seed());
    // The banding S-curve is centred LSH_SLACK below the threshold: a pair at the threshold or a
    // little above becomes a candidate almost surely (128 slots at 0.8: 16 bands x 8 rows, 99.9%
    // of pairs at Jaccard 0.88 rather than 95% with 11 x 11), and the exact Jaccard then decides.
    int[] br = LshBands.chooseBandsRows(cfg.numHashes(), Math.max(0.05, cfg.threshold() - LSH_SLACK));
    int bands = br[0];
    int rowsPerBand = br[1];
    context.stat("lsh_bands", bands);
    context.stat("lsh_rows_per_band", rowsPerBand);
    double threshold = cfg.threshold();
    int maxBucket = cfg.maxBucket();
    // Signatures travel as binary (4 bytes a slot, decoded straight into int[]): no boxed
    // List<Integer> per row when rows are banded and buckets compared.
    UserDefinedFunction signature = udf((UDF1<String, byte[]>) q -> pack(minHash.signature(q)), DataTypes.BinaryType);
    StructType keyed = new StructType()
        .add("band", DataTypes.LongType, false)
        .add(Columns.ID, DataTypes.StringType, false)
        .add("trace", DataTypes.BooleanType, false)
        .add("solution", DataTypes.BooleanType, false)
        .add(SIG, DataTypes.BinaryType, false);
    Dataset<Row> signed = rows.select(col(Columns.ID), col("trace"), col("solution"), signature.apply(col(Columns.QUESTION)).as(SIG));
    Dataset<Row> banded = signed.flatMap((FlatMapFunction<Row, Row>) r -> {
      byte[] packed = (byte[]) r.get(3);
      int[] sig = unpack(packed);
      List<Row> out = new ArrayList<>();
      if (sig.length == 0 || sig[0] == Integer.MAX_VALUE) {
        return out.iterator();
      }
      for (long key : LshBands.bandKeys(sig, bands, rowsPerBand)) {
        out.add(RowFactory.create(key, r.getString(0), r.getBoolean(1), r.getBoolean(2), packed));
      }
      return out.iterator();
    }, Encoders.row(keyed));
    StructType edgeSchema = new StructType()
        .add("a", DataTypes.StringType).add("a_trace", DataTypes.BooleanType).add("a_solution", DataTypes.BooleanType)
        .add("b", DataTypes.StringType).add("b_trace", DataTypes.BooleanType).add("b_solution", DataTypes.BooleanType);
    Dataset<Row> buckets = banded.groupBy("band")
        .agg(org.apache.spark.sql.functions.collect_list(org.apache.spark.sql.functions.struct(
            col(Columns.ID), col("trace"), col("solution"), col(SIG))).as("members"))
        .filter(org.apache.spark.sql.functions.size(col("members")).gt(1));
    // The estimate only screens (it errs by about 0.035 at 0.8 with 128 slots); a candidate within
    // LSH_SLACK of the threshold is then decided on the exact Jaccard of the two shingle sets.
    double screen = Math.max(0, threshold - LSH_SLACK);
    Dataset<Row> candidates = buckets.flatMap((FlatMapFunction<Row, Row>) bucket -> {
      List<Row> members = new ArrayList<>(bucket.getList(1));
      members.sort(Comparator.comparing(m -> m.getString(0)));
      int[][] sigs = new int[members.size()][];
      for (int i = 0; i < sigs.length; i++) {
        sigs[i] = unpack((byte[]) members.get(i).get(3));
      }
      List<Row> out = new ArrayList<>();
      // Oversized buckets are compared in consecutive windows so one boilerplate band cannot explode.
      for (int i = 0; i < members.size(); i++) {
        int[] a = sigs[i];
        for (int j = i + 1; j < members.size() && j < i + maxBucket; j++) {
          Row mb = members.get(j);
          if (MinHash.estimateJaccard(a, sigs[j]) >= screen) {
            Row ma = members.get(i);
            out.add(RowFactory.create(ma.getString(0), ma.getBoolean(1), ma.getBoolean(2), mb.getString(0), mb.getBoolean(1), mb.getBoolean(2)));
          }
        }
      }
      return out.iterator();
    }, Encoders.row(edgeSchema)).distinct();
    // Candidates are few: their questions come to the driver (no shuffle of the pool's text) and
    // each pair is decided there on its exact Jaccard.
    List<Row> pairs = candidates.collectAsList();
    java.util.Set<String> involved = new java.util.HashSet<>();
    for (Row e : pairs) {
      involved.add(e.getString(0));
      involved.add(e.getString(3));
    }
    Broadcast<java.util.Set<String>> wanted = context.spark().sparkContext()
        .broadcast(involved, scala.reflect.ClassTag$.MODULE$.apply(java.util.Set.class));
    Map<String, String> question = new java.util.HashMap<>();
    for (Row r : rows.select(col(Columns.ID), col(Columns.QUESTION))
        .filter((org.apache.spark.api.java.function.FilterFunction<Row>) r -> wanted.value().contains(r.getString(0))).collectAsList()) {
      question.put(r.getString(0), r.getString(1));
    }
    wanted.destroy();
    List<ClusterRepresentatives.Edge> list = new ArrayList<>();
    for (Row e : pairs) {
      if (MinHash.jaccard(question.get(e.getString(0)), question.get(e.getString(3)), cfg.shingleWords()) >= threshold) {
        list.add(new ClusterRepresentatives.Edge(new ClusterRepresentatives.Member(e.getString(0), e.getBoolean(1), e.getBoolean(2)),
            new ClusterRepresentatives.Member(e.getString(3), e.getBoolean(4), e.getBoolean(5))));
      }
    }
    context.stat("near_duplicate_candidates", pairs.size());
    context.stat("near_duplicate_pairs", list.size());
    return ClusterRepresentatives.resolve(list);
  }

  /** A signature as 4 big-endian bytes a slot. */
  static byte[] pack(int[] sig) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(sig.length * 4);
    b.asIntBuffer().put(sig);
    return b.array();
  }

  static int[] unpack(byte[] packed) {
    int[] sig = new int[packed.length / 4];
    java.nio.ByteBuffer.wrap(packed).asIntBuffer().get(sig);
    return sig;
  }
}
