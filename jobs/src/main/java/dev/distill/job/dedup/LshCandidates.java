package dev.distill.job.dedup;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.udf;

import dev.distill.job.api.StageRunner;
import dev.distill.job.schema.Columns;
import dev.distill.udf.hash.LshBands;
import dev.distill.udf.hash.MinHash;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * The candidate pairs of the near-duplicate search: every row's MinHash signature cut into LSH
 * bands, and the rows that share a band's key compared pairwise on their estimated Jaccard.
 * Signatures travel as binary (4 bytes a slot, decoded straight into int[]): no boxed
 * List<Integer> per row when rows are banded and buckets compared.
 */
final class LshCandidates {
  private static final String SIG = "_sig";

  /** One row per band of a signature: the band's key, the row's id and preference attributes, its signature. */
  static final StructType BANDED = new StructType()
      .add("band", DataTypes.LongType, false)
      .add(Columns.ID, DataTypes.StringType, false)
      .add("trace", DataTypes.BooleanType, false)
      .add("solution", DataTypes.BooleanType, false)
      .add(SIG, DataTypes.BinaryType, false);

  /** A candidate pair, its smaller id first. */
  static final StructType PAIR = new StructType()
      .add("a", DataTypes.StringType).add("a_trace", DataTypes.BooleanType).add("a_solution", DataTypes.BooleanType)
      .add("b", DataTypes.StringType).add("b_trace", DataTypes.BooleanType).add("b_solution", DataTypes.BooleanType);

  /**
   * The distinct {@link #PAIR}s of {@code rows} (columns id, question, trace, solution) that share a
   * band and whose estimated Jaccard is at least {@code screen}, as a local checkpoint.
   */
  static Dataset<Row> pairs(Dataset<Row> rows, MinHash minHash, int bands, int rowsPerBand, double screen, int maxBucket) {
    return pairs(rows, minHash, bands, rowsPerBand, screen, maxBucket, StageRunner.MAX_BROADCAST_KEYS);
  }

  static Dataset<Row> pairs(Dataset<Row> rows, MinHash minHash, int bands, int rowsPerBand, double screen, int maxBucket, long maxBroadcastKeys) {
    // Banded twice (the shared keys, then the buckets): the signatures are computed once.
    Dataset<Row> signed = signed(rows, minHash).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Dataset<Row> banded = signed.flatMap(new Bands(bands, rowsPerBand), Encoders.row(BANDED));
      return buckets(inSharedBands(banded, maxBroadcastKeys))
          .flatMap(new BucketPairs(screen, maxBucket), Encoders.row(PAIR)).distinct().localCheckpoint();
    } finally {
      signed.unpersist();
    }
  }

  /**
   * The banded rows whose band key another row has too: the keys are counted first (8 bytes a
   * row), so only those rows carry their signatures through the buckets' shuffle, not every row
   * once per band (at 1,000,000 questions, 16 bands x 512 bytes). The shared keys are broadcast to
   * the tasks; more than {@code maxBroadcastKeys} of them and every banded row is shuffled.
   */
  private static Dataset<Row> inSharedBands(Dataset<Row> banded, long maxBroadcastKeys) {
    Dataset<Row> shared = banded.groupBy("band").count().filter(col("count").gt(1)).select(col("band").as("_shared")).localCheckpoint();
    if (shared.count() > maxBroadcastKeys) {
      return banded;
    }
    return banded.join(broadcast(shared), col("band").equalTo(col("_shared")), "left_semi");
  }

  private static Dataset<Row> signed(Dataset<Row> rows, MinHash minHash) {
    UserDefinedFunction signature = udf((UDF1<String, byte[]>) q -> pack(minHash.signature(q)), DataTypes.BinaryType);
    return rows.select(col(Columns.ID), col("trace"), col("solution"), signature.apply(col(Columns.QUESTION)).as(SIG));
  }

  /** The rows of each band key that more than one row has, as one list of members (id, trace, solution, signature). */
  private static Dataset<Row> buckets(Dataset<Row> banded) {
    return banded.groupBy("band")
        .agg(collect_list(struct(
            col(Columns.ID), col("trace"), col("solution"), col(SIG))).as("members"))
        .filter(size(col("members")).gt(1));
  }

  /** A signed row (id, trace, solution, signature) as one {@link #BANDED} row per band; none for a question without words. */
  static final class Bands implements FlatMapFunction<Row, Row> {
    private final int bands;
    private final int rowsPerBand;

    Bands(int bands, int rowsPerBand) {
      this.bands = bands;
      this.rowsPerBand = rowsPerBand;
    }

    @Override
    public Iterator<Row> call(Row r) {
      byte[] packed = (byte[]) r.get(3);
      int[] sig = unpack(packed);
      List<Row> out = new ArrayList<>();
      if (sig.length == 0 || sig[0] == MinHash.EMPTY_SLOT) {
        return out.iterator();
      }
      for (long key : LshBands.bandKeys(sig, bands, rowsPerBand)) {
        out.add(RowFactory.create(key, r.getString(0), r.getBoolean(1), r.getBoolean(2), packed));
      }
      return out.iterator();
    }
  }

  /**
   * The {@link #PAIR}s of one bucket (band, members) whose estimated Jaccard reaches the screen.
   * Oversized buckets are compared in consecutive windows of {@code window} members (in id order)
   * so one boilerplate band cannot explode.
   */
  static final class BucketPairs implements FlatMapFunction<Row, Row> {
    private final double screen;
    private final int window;

    BucketPairs(double screen, int window) {
      this.screen = screen;
      this.window = window;
    }

    @Override
    public Iterator<Row> call(Row bucket) {
      return pairs(bucket.getList(1)).iterator();
    }

    List<Row> pairs(List<Row> bucketMembers) {
      List<Row> members = new ArrayList<>(bucketMembers);
      members.sort(Comparator.comparing(m -> m.getString(0)));
      int[][] sigs = new int[members.size()][];
      for (int i = 0; i < sigs.length; i++) {
        sigs[i] = unpack((byte[]) members.get(i).get(3));
      }
      List<Row> out = new ArrayList<>();
      for (int i = 0; i < members.size(); i++) {
        for (int j = i + 1; j < members.size() && j < i + window; j++) {
          if (MinHash.estimateJaccard(sigs[i], sigs[j]) >= screen) {
            Row ma = members.get(i);
            Row mb = members.get(j);
            out.add(RowFactory.create(ma.getString(0), ma.getBoolean(1), ma.getBoolean(2), mb.getString(0), mb.getBoolean(1), mb.getBoolean(2)));
          }
        }
      }
      return out;
    }
  }

  /** A signature as 4 big-endian bytes a slot. */
  static byte[] pack(int[] sig) {
    ByteBuffer b = ByteBuffer.allocate(sig.length * 4);
    b.asIntBuffer().put(sig);
    return b.array();
  }

  static int[] unpack(byte[] packed) {
    int[] sig = new int[packed.length / 4];
    ByteBuffer.wrap(packed).asIntBuffer().get(sig);
    return sig;
  }

  private LshCandidates() {}
}
