package dev.distill.udf.text;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Stable content ids: the same question, up to formatting, always gets the same id. */
public final class ContentId {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(
                    "Cannot compute content ids: this JVM has no SHA-256", e);
        }
    });

    private ContentId() {}

    /**
     * The first 16 hex digits (64 bits, lower case) of the SHA-256 of the UTF-8 bytes of {@link
     * TextNormalizer#normalizeForMatch(String) normalizeForMatch(question)}. A null or blank
     * question gets the id of the empty string, {@code e3b0c44298fc1c14}.
     *
     * @param question the question text, may be null
     * @return 16 lower-case hex characters
     */
    public static String of(String question) {
        byte[] bytes = TextNormalizer.normalizeForMatch(question).getBytes(StandardCharsets.UTF_8);
        MessageDigest digest = SHA256.get();
        digest.reset();
        byte[] sha = digest.digest(bytes);
        char[] out = new char[16];
        for (int i = 0; i < 8; i++) {
            out[2 * i] = HEX[(sha[i] >>> 4) & 0xF];
            out[2 * i + 1] = HEX[sha[i] & 0xF];
        }
        return new String(out);
    }
}
