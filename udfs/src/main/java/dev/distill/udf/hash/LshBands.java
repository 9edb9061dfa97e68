package dev.distill.udf.hash;

import dev.distill.udf.text.Hash64;

/**
 * Locality-sensitive hashing of MinHash signatures by banding: two texts become candidate
 * duplicates when all {@code rows} slots of at least one band agree, which happens with
 * probability {@code 1 - (1 - J^rows)^bands} for Jaccard similarity {@code J} (the S-curve).
 */
public final class LshBands {

    private static final long BAND_SALT = 0x9e3779b97f4a7c15L;

    private LshBands() {}

    /**
     * One 64-bit key per band: a hash of the band index followed by the band's {@code
     * rowsPerBand} slot values in order. Equal keys mean (up to 64-bit collisions) equal bands at
     * the same band index; the same slot values in different bands give different keys, so keys
     * of all bands can share one join column.
     *
     * @param signature a MinHash signature
     * @param bands number of bands
     * @param rowsPerBand slots per band; {@code bands * rowsPerBand <= signature.length} (slots
     *     past {@code bands * rowsPerBand} are ignored)
     * @return {@code bands} keys
     */
    public static long[] bandKeys(int[] signature, int bands, int rowsPerBand) {
        if (bands < 1 || rowsPerBand < 1 || (long) bands * rowsPerBand > signature.length) {
            throw new IllegalArgumentException("Cannot band a signature of length "
                    + signature.length + " into " + bands + " bands of " + rowsPerBand
                    + " rows; need bands >= 1, rows >= 1 and bands * rows <= length");
        }
        long[] keys = new long[bands];
        for (int band = 0; band < bands; band++) {
            long h = Hash64.mix64((band + 1) * BAND_SALT);
            int base = band * rowsPerBand;
            for (int r = 0; r < rowsPerBand; r++) {
                h = Hash64.mix64(h ^ (signature[base + r] & 0xFFFFFFFFL)) + BAND_SALT;
            }
            keys[band] = h;
        }
        return keys;
    }

    /**
     * Chooses bands {@code b} and rows {@code r} for a signature of {@code numHashes} slots so
     * that the S-curve's threshold {@code (1/b)^(1/r)} (roughly the similarity at which a pair has
     * even odds of becoming a candidate) is closest to {@code threshold}. For each {@code r} from 1
     * to {@code numHashes} it takes the largest {@code b = numHashes / r}, because using every
     * available slot gives the steepest curve, then keeps the {@code r} with the smallest
     * distance (the smaller {@code r} on a tie). Example: 128 slots at 0.8 gives 11 bands of 11
     * rows (threshold 0.804).
     *
     * @param numHashes signature length, at least 1
     * @param threshold Jaccard threshold in (0, 1)
     * @return {@code {bands, rowsPerBand}}
     */
    public static int[] chooseBandsRows(int numHashes, double threshold) {
        if (numHashes < 1) {
            throw new IllegalArgumentException(
                    "Cannot choose LSH bands: numHashes must be at least 1, got " + numHashes);
        }
        if (!(threshold > 0 && threshold < 1)) {
            throw new IllegalArgumentException(
                    "Cannot choose LSH bands: threshold must be in (0, 1), got " + threshold);
        }
        int bestBands = numHashes;
        int bestRows = 1;
        double bestDistance = Double.MAX_VALUE;
        for (int r = 1; r <= numHashes; r++) {
            int b = numHashes / r;
            double distance = Math.abs(sCurveThreshold(b, r) - threshold);
            if (distance < bestDistance) {
                bestDistance = distance;
                bestBands = b;
                bestRows = r;
            }
        }
        return new int[] {bestBands, bestRows};
    }

    /**
     * The approximate threshold of the banding S-curve, {@code (1/bands)^(1/rows)}.
     *
     * @param bands number of bands
     * @param rowsPerBand rows per band
     * @return the similarity near which candidate probability crosses one half
     */
    public static double sCurveThreshold(int bands, int rowsPerBand) {
        return Math.pow(1.0 / bands, 1.0 / rowsPerBand);
    }

    /**
     * Probability that a pair with Jaccard similarity {@code j} shares at least one band key:
     * {@code 1 - (1 - j^rows)^bands}.
     *
     * @param j Jaccard similarity
     * @param bands number of bands
     * @param rowsPerBand rows per band
     * @return the candidate probability
     */
    public static double candidateProbability(double j, int bands, int rowsPerBand) {
        return 1 - Math.pow(1 - Math.pow(j, rowsPerBand), bands);
    }
}
