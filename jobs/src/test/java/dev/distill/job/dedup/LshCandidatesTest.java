package dev.distill.job.dedup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.distill.udf.hash.LshBands;
import dev.distill.udf.hash.MinHash;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

/** Banding signatures and pairing a bucket's members, without Spark. */
class LshCandidatesTest {
  private static final int[] SAME = {1, 2, 3, 4};

  @Test
  void pairsAreInIdOrderAndCarryEachSidesAttributes() {
    List<Row> bucket = List.of(member("c", false, true, SAME), member("a", true, false, SAME), member("b", false, false, SAME));
    List<String> pairs = describe(new LshCandidates.BucketPairs(0.9, 200).pairs(bucket));
    assertEquals(List.of("a,true,false|b,false,false", "a,true,false|c,false,true", "b,false,false|c,false,true"), pairs);
  }

  @Test
  void anOversizedBucketIsComparedInWindowsOfConsecutiveIds() {
    List<Row> bucket = List.of(member("d", SAME), member("b", SAME), member("a", SAME), member("c", SAME));
    assertEquals(List.of("a|b", "b|c", "c|d"), ids(new LshCandidates.BucketPairs(0.9, 2).pairs(bucket)));
    assertEquals(List.of("a|b", "a|c", "b|c", "b|d", "c|d"), ids(new LshCandidates.BucketPairs(0.9, 3).pairs(bucket)));
  }

  @Test
  void pairsBelowTheScreenAreDropped() {
    // a and b agree on 3 of 4 slots (estimate 0.75); c agrees with neither.
    List<Row> bucket = List.of(member("a", SAME), member("b", new int[] {1, 2, 3, 9}), member("c", new int[] {5, 6, 7, 8}));
    assertEquals(List.of("a|b"), ids(new LshCandidates.BucketPairs(0.75, 200).pairs(bucket)));
    assertEquals(List.of(), ids(new LshCandidates.BucketPairs(0.76, 200).pairs(bucket)));
  }

  @Test
  void aSignatureGivesOneRowPerBandAndAQuestionWithoutWordsNone() throws Exception {
    int[] sig = new MinHash(8, 2, 1).signature("the quick brown fox jumps");
    List<Row> banded = new ArrayList<>();
    new LshCandidates.Bands(4, 2).call(member("a", true, false, sig)).forEachRemaining(banded::add);
    long[] keys = banded.stream().mapToLong(r -> r.getLong(0)).toArray();
    assertArrayEquals(LshBands.bandKeys(sig, 4, 2), keys);
    for (Row r : banded) {
      assertEquals("a", r.getString(1));
      assertEquals(true, r.getBoolean(2));
      assertEquals(false, r.getBoolean(3));
      assertArrayEquals(sig, LshCandidates.unpack((byte[]) r.get(4)));
    }
    int[] empty = new MinHash(8, 2, 1).signature("");
    assertEquals(MinHash.EMPTY_SLOT, empty[0]);
    assertFalse(new LshCandidates.Bands(4, 2).call(member("e", empty)).hasNext());
  }

  @Test
  void packedSignaturesRoundTrip() {
    int[] sig = {0, 1, Integer.MAX_VALUE, 123456789};
    assertEquals(16, LshCandidates.pack(sig).length);
    assertArrayEquals(sig, LshCandidates.unpack(LshCandidates.pack(sig)));
  }

  private static Row member(String id, int[] sig) {
    return member(id, false, false, sig);
  }

  private static Row member(String id, boolean trace, boolean solution, int[] sig) {
    return RowFactory.create(id, trace, solution, LshCandidates.pack(sig));
  }

  private static List<String> ids(List<Row> pairs) {
    return pairs.stream().map(p -> p.getString(0) + "|" + p.getString(3)).toList();
  }

  private static List<String> describe(List<Row> pairs) {
    List<String> out = new ArrayList<>();
    for (Row p : pairs) {
      out.add(String.join(",", Arrays.asList(p.getString(0), "" + p.getBoolean(1), "" + p.getBoolean(2)))
          + "|" + String.join(",", Arrays.asList(p.getString(3), "" + p.getBoolean(4), "" + p.getBoolean(5))));
    }
    return out;
  }
}
