package dev.distill.udf.tokens;

/** Chooses a {@link TokenCounter} from configuration. */
public final class TokenCounters {

    private TokenCounters() {}

    /**
     * An exact counter for the given tokenizer, or the heuristic one when none is configured.
     *
     * @param tokenizerJsonPathOrNull path of a Hugging Face {@code tokenizer.json} (or of its
     *     directory); null or blank selects {@link EstimatedTokenCounter}
     * @return the counter
     * @throws IllegalArgumentException when a path is given but no tokenizer file is there (a
     *     configured tokenizer never silently falls back to estimates)
     */
    public static TokenCounter forPath(String tokenizerJsonPathOrNull) {
        if (tokenizerJsonPathOrNull == null || tokenizerJsonPathOrNull.isBlank()) {
            return new EstimatedTokenCounter();
        }
        return new HfTokenCounter(tokenizerJsonPathOrNull);
    }
}
