package dev.distill.udf.text;

/**
 * Stable 64-bit hashing, identical on every JVM and platform (never {@link String#hashCode}).
 *
 * <p>{@link #fnv1a64(CharSequence)} is FNV-1a 64 over the UTF-8 bytes of the text, computed
 * without allocating a byte array. Unpaired surrogates are encoded as {@code '?'}, exactly as
 * {@code String.getBytes(StandardCharsets.UTF_8)} does, so the value can be reproduced from the
 * bytes by any FNV-1a 64 implementation. {@link #mix64(long)} is a bijective avalanche finaliser
 * for when well-spread bits are needed (bucketing, MinHash, band keys).
 */
public final class Hash64 {

    /** FNV-1a 64 offset basis: the hash of the empty byte sequence. */
    public static final long FNV_OFFSET = 0xcbf29ce484222325L;

    private static final long FNV_PRIME = 0x100000001b3L;

    private Hash64() {}

    /**
     * FNV-1a 64 of the UTF-8 bytes of {@code text}.
     *
     * @param text the text; null hashes like the empty string
     * @return the hash
     */
    public static long fnv1a64(CharSequence text) {
        return fnv1a64(FNV_OFFSET, text);
    }

    /**
     * Continues an FNV-1a 64 hash with the UTF-8 bytes of {@code text}, so that
     * {@code fnv1a64(fnv1a64(a), b) == fnv1a64(a + b)}.
     *
     * @param state a previous hash value, or {@link #FNV_OFFSET} to start
     * @param text the text to append; null appends nothing
     * @return the updated hash
     */
    public static long fnv1a64(long state, CharSequence text) {
        if (text == null) {
            return state;
        }
        long h = state;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                h = (h ^ c) * FNV_PRIME;
            } else if (c < 0x800) {
                h = (h ^ (0xC0 | (c >>> 6))) * FNV_PRIME;
                h = (h ^ (0x80 | (c & 0x3F))) * FNV_PRIME;
            } else if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n
                        && Character.isLowSurrogate(text.charAt(i + 1))) {
                    int cp = Character.toCodePoint(c, text.charAt(++i));
                    h = (h ^ (0xF0 | (cp >>> 18))) * FNV_PRIME;
                    h = (h ^ (0x80 | ((cp >>> 12) & 0x3F))) * FNV_PRIME;
                    h = (h ^ (0x80 | ((cp >>> 6) & 0x3F))) * FNV_PRIME;
                    h = (h ^ (0x80 | (cp & 0x3F))) * FNV_PRIME;
                } else {
                    h = (h ^ '?') * FNV_PRIME;
                }
            } else {
                h = (h ^ (0xE0 | (c >>> 12))) * FNV_PRIME;
                h = (h ^ (0x80 | ((c >>> 6) & 0x3F))) * FNV_PRIME;
                h = (h ^ (0x80 | (c & 0x3F))) * FNV_PRIME;
            }
        }
        return h;
    }

    /**
     * Continues an FNV-1a 64 hash with one byte.
     *
     * @param state a previous hash value
     * @param b the byte (only the low 8 bits are used)
     * @return the updated hash
     */
    public static long fnv1a64Byte(long state, int b) {
        return (state ^ (b & 0xFF)) * FNV_PRIME;
    }

    /**
     * Avalanche finaliser: a bijection on 64-bit values in which every input bit affects every
     * output bit (xor-shift / multiply rounds with the constants of MurmurHash3's fmix64).
     *
     * @param x any value
     * @return the mixed value
     */
    public static long mix64(long x) {
        x ^= x >>> 33;
        x *= 0xff51afd7ed558ccdL;
        x ^= x >>> 33;
        x *= 0xc4ceb9fe1a85ec53L;
        x ^= x >>> 33;
        return x;
    }

    /**
     * SplitMix64 step: returns the next pseudo-random value of the sequence whose state is
     * {@code state[0]}, advancing it. Used to derive seeded coefficients deterministically.
     *
     * @param state a one-element array holding the generator state, updated in place
     * @return the next value
     */
    public static long splitMix64(long[] state) {
        long z = (state[0] += 0x9e3779b97f4a7c15L);
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /**
     * Lower-case hexadecimal rendering of {@code value}, 16 digits, zero padded.
     *
     * @param value the value
     * @return 16 hex digits
     */
    public static String toHex(long value) {
        String s = Long.toHexString(value);
        return s.length() == 16 ? s : "0".repeat(16 - s.length()) + s;
    }
}
