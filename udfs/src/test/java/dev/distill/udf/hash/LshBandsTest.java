package dev.distill.udf.hash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class LshBandsTest {

    @Test
    void identicalSignaturesGiveIdenticalKeys() {
        MinHash m = new MinHash(128, 5, 3);
        int[] a = m.signature("Find all primes p such that p^2 + 2 is also prime, and prove it.");
        int[] b = m.signature("find all primes $p$ such that $p^2+2$ is also prime and prove it");
        assertArrayEquals(LshBands.bandKeys(a, 16, 8), LshBands.bandKeys(b, 16, 8));
    }

    @Test
    void equalRowsInDifferentBandsGiveDifferentKeys() {
        int[] constant = new int[64];
        Arrays.fill(constant, 12345);
        long[] keys = LshBands.bandKeys(constant, 8, 8);
        Set<Long> distinct = new HashSet<>();
        for (long k : keys) {
            distinct.add(k);
        }
        assertEquals(8, distinct.size());
    }

    @Test
    void changingOneSlotChangesOnlyItsBand() {
        int[] sig = new int[32];
        for (int i = 0; i < sig.length; i++) {
            sig[i] = i * 7919;
        }
        long[] before = LshBands.bandKeys(sig, 8, 4);
        sig[13]++; // band 3 (slots 12..15)
        long[] after = LshBands.bandKeys(sig, 8, 4);
        for (int band = 0; band < 8; band++) {
            if (band == 3) {
                assertNotEquals(before[band], after[band]);
            } else {
                assertEquals(before[band], after[band]);
            }
        }
    }

    @Test
    void rowOrderMatters() {
        long[] ab = LshBands.bandKeys(new int[] {1, 2}, 1, 2);
        long[] ba = LshBands.bandKeys(new int[] {2, 1}, 1, 2);
        assertNotEquals(ab[0], ba[0]);
    }

    @Test
    void nearDuplicatesCollideAndUnrelatedTextsDoNot() {
        MinHash m = new MinHash(128, 3, 11);
        int[] br = LshBands.chooseBandsRows(128, 0.7);
        String a = "In triangle ABC, the angle bisector from A meets BC at D. Given AB = 6, AC = 8 "
                + "and BC = 7, find the length of BD and the length of DC, and then compute the "
                + "ratio of the areas of triangles ABD and ADC.";
        String nearA = a.replace("Given AB = 6", "Suppose AB = 6");
        String other = "A bag contains 5 red and 7 blue marbles. Two marbles are drawn without "
                + "replacement. What is the probability that both are the same colour?";
        assertTrue(MinHash.jaccard(a, nearA, 3) > 0.8); // 1 word of 41 changed: 35/41 shingles
        assertTrue(shareABand(m.signature(a), m.signature(nearA), br));
        assertTrue(!shareABand(m.signature(a), m.signature(other), br));
    }

    @Test
    void chooseBandsRowsMatchesTheThreshold() {
        assertArrayEquals(new int[] {11, 11}, LshBands.chooseBandsRows(128, 0.8));
        for (int n : new int[] {16, 64, 128, 256}) {
            for (double t : new double[] {0.5, 0.7, 0.8, 0.9}) {
                int[] br = LshBands.chooseBandsRows(n, t);
                assertTrue(br[0] * br[1] <= n);
                double closest = Double.MAX_VALUE;
                for (int r = 1; r <= n; r++) {
                    closest = Math.min(closest, Math.abs(LshBands.sCurveThreshold(n / r, r) - t));
                }
                assertEquals(closest, Math.abs(LshBands.sCurveThreshold(br[0], br[1]) - t), 1e-12);
            }
        }
        int[] br = LshBands.chooseBandsRows(128, 0.8);
        assertTrue(LshBands.candidateProbability(0.95, br[0], br[1]) > 0.99);
        assertTrue(LshBands.candidateProbability(0.5, br[0], br[1]) < 0.01);
    }

    @Test
    void rejectsImpossibleBanding() {
        assertThrows(IllegalArgumentException.class, () -> LshBands.bandKeys(new int[10], 3, 4));
        assertThrows(IllegalArgumentException.class, () -> LshBands.chooseBandsRows(128, 1.0));
        assertThrows(IllegalArgumentException.class, () -> LshBands.chooseBandsRows(0, 0.5));
    }

    private static boolean shareABand(int[] x, int[] y, int[] br) {
        long[] kx = LshBands.bandKeys(x, br[0], br[1]);
        long[] ky = LshBands.bandKeys(y, br[0], br[1]);
        for (int i = 0; i < kx.length; i++) {
            if (kx[i] == ky[i]) {
                return true;
            }
        }
        return false;
    }
}
