package dev.distill.udf.hash;

import dev.distill.udf.text.Hash64;
import dev.distill.udf.text.NGrams;

import java.io.Serializable;
import java.util.Arrays;

/**
 * MinHash signatures of word shingles, for near-duplicate detection.
 *
 * <p>Shingles are the distinct word n-grams of {@code normalizeForMatch(text)} as hashed by
 * {@link NGrams#hashes} ({@code shingleSize} words; a text shorter than that is one shingle of all
 * its words). Each of the {@code numHashes} functions is a universal hash {@code (a*x + b) mod p}
 * with the Mersenne prime {@code p = 2^61 - 1} and coefficients drawn from SplitMix64 seeded with
 * {@code seed}, applied to the avalanche-mixed 64-bit shingle hash; a signature slot keeps the
 * minimum, reduced to 31 bits so that slots are non-negative {@code int}s. Equal seeds give equal
 * signatures on every JVM.
 */
public final class MinHash implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Signature value of every slot for a text without words. */
    public static final int EMPTY_SLOT = Integer.MAX_VALUE;

    private static final long MERSENNE_61 = (1L << 61) - 1;

    /** Signature length. */
    private final int numHashes;
    /** Words per shingle. */
    private final int shingleSize;
    /** Seed the coefficients were drawn from. */
    private final long seed;
    /** Multipliers of the hash functions, in [1, p). */
    private final long[] a;
    /** Offsets of the hash functions, in [0, p). */
    private final long[] b;

    /**
     * Creates the hash family.
     *
     * @param numHashes signature length, at least 1
     * @param shingleSize words per shingle, at least 1
     * @param seed seed of the coefficients
     */
    public MinHash(int numHashes, int shingleSize, long seed) {
        if (numHashes < 1) {
            throw new IllegalArgumentException(
                    "Cannot create MinHash: numHashes must be at least 1, got " + numHashes);
        }
        if (shingleSize < 1) {
            throw new IllegalArgumentException(
                    "Cannot create MinHash: shingleSize must be at least 1, got " + shingleSize);
        }
        this.numHashes = numHashes;
        this.shingleSize = shingleSize;
        this.seed = seed;
        this.a = new long[numHashes];
        this.b = new long[numHashes];
        long[] state = {seed};
        for (int i = 0; i < numHashes; i++) {
            a[i] = 1 + Long.remainderUnsigned(Hash64.splitMix64(state), MERSENNE_61 - 1);
            b[i] = Long.remainderUnsigned(Hash64.splitMix64(state), MERSENNE_61);
        }
    }

    /** @return the signature length */
    public int numHashes() {
        return numHashes;
    }

    /** @return words per shingle */
    public int shingleSize() {
        return shingleSize;
    }

    /** @return the coefficient seed */
    public long seed() {
        return seed;
    }

    /**
     * The MinHash signature of a text.
     *
     * @param text the text, may be null
     * @return {@code numHashes} values in {@code [0, 2^31 - 2]}; all {@link #EMPTY_SLOT} for a text
     *     without words
     */
    public int[] signature(String text) {
        return signatureOfShingles(NGrams.hashes(text, shingleSize));
    }

    /**
     * The MinHash signature of precomputed shingle hashes (for example {@link NGrams#hashes}).
     *
     * @param shingles 64-bit shingle hashes; duplicates are harmless
     * @return {@code numHashes} values; all {@link #EMPTY_SLOT} when there are no shingles
     */
    public int[] signatureOfShingles(long[] shingles) {
        long[] min = new long[numHashes];
        Arrays.fill(min, Long.MAX_VALUE);
        for (long shingle : shingles) {
            long x = mod61(Hash64.mix64(shingle));
            for (int i = 0; i < numHashes; i++) {
                long h = universal(a[i], b[i], x);
                if (h < min[i]) {
                    min[i] = h;
                }
            }
        }
        int[] sig = new int[numHashes];
        for (int i = 0; i < numHashes; i++) {
            // top 31 of the 61 bits, kept below EMPTY_SLOT so that only empty texts have it
            sig[i] = min[i] == Long.MAX_VALUE
                    ? EMPTY_SLOT
                    : (int) Math.min(min[i] >>> 30, EMPTY_SLOT - 1L);
        }
        return sig;
    }

    /**
     * The fraction of slots in which two signatures agree: an unbiased estimate of the Jaccard
     * similarity of the shingle sets (standard error about {@code sqrt(J(1-J)/numHashes)}). Two
     * signatures of empty texts agree everywhere and estimate 1.
     *
     * @param x a signature
     * @param y a signature of the same length from the same {@code MinHash}
     * @return the estimate in [0, 1]
     */
    public static double estimateJaccard(int[] x, int[] y) {
        if (x.length != y.length || x.length == 0) {
            throw new IllegalArgumentException("Cannot compare MinHash signatures of lengths "
                    + x.length + " and " + y.length + "; use one MinHash for both");
        }
        int equal = 0;
        for (int i = 0; i < x.length; i++) {
            if (x[i] == y[i]) {
                equal++;
            }
        }
        return (double) equal / x.length;
    }

    /**
     * Exact Jaccard similarity of the shingle sets of two texts (shingles as in {@link
     * #signature}), for verifying candidate pairs. Two texts without words have similarity 1; one
     * empty and one non-empty text have similarity 0.
     *
     * @param x a text
     * @param y a text
     * @param shingleSize words per shingle
     * @return |X ∩ Y| / |X ∪ Y|
     */
    public static double jaccard(String x, String y, int shingleSize) {
        long[] sx = NGrams.hashes(x, shingleSize);
        long[] sy = NGrams.hashes(y, shingleSize);
        if (sx.length == 0 && sy.length == 0) {
            return 1.0;
        }
        int common = NGrams.intersectionSize(sx, sy);
        return (double) common / (sx.length + sy.length - common);
    }

    /** (a * x + b) mod (2^61 - 1) for a, b, x in [0, 2^61 - 1). */
    private static long universal(long a, long b, long x) {
        long lo = a * x;
        long hi = Math.multiplyHigh(a, x); // a, x < 2^61: the 122-bit product is hi:lo
        long r = (lo & MERSENNE_61) + ((lo >>> 61) | (hi << 3));
        r = mod61(r) + b;
        return mod61(r);
    }

    /** Reduces any non-negative or negative 64-bit value into [0, 2^61 - 1). */
    private static long mod61(long v) {
        long r = (v & MERSENNE_61) + (v >>> 61);
        return r >= MERSENNE_61 ? r - MERSENNE_61 : r;
    }
}
