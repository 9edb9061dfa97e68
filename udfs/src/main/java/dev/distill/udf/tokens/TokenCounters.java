package dev.distill.udf.tokens;

/** Chooses a {@link TokenCounter} from configuration. */
public final class TokenCounters {

    private TokenCounters() {}

    /**
     * An exact counter for the given tokenizer, or the heuristic one when none is configured.
     *
     * <p>A byte-level BPE tokenizer (Qwen2, Llama 3, GPT-2 style) is counted by {@link
     * BpeTokenCounter}; any other by {@link HfTokenCounter} (DJL), with a log line saying why.
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
        String path = HfTokenCounter.resolve(tokenizerJsonPathOrNull);
        return BpeTokenCounter.forFile(path).<TokenCounter>map(c -> c).orElseGet(() -> new HfTokenCounter(path));
    }
}
