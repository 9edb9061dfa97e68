package dev.distill.udf.tokens;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Chooses a {@link TokenCounter} from configuration. */
public final class TokenCounters {

    private static final Logger LOG = LoggerFactory.getLogger(TokenCounters.class);
    /** Files whose fallback to DJL was logged in this JVM (once each). */
    private static final Set<String> FALLBACKS_LOGGED = ConcurrentHashMap.newKeySet();

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
        String[] whyNot = new String[1];
        Optional<BpeTokenCounter> bpe = BpeTokenCounter.forFile(path, whyNot);
        if (bpe.isPresent()) {
            return bpe.get();
        }
        HfTokenCounter djl = new HfTokenCounter(path);
        if (FALLBACKS_LOGGED.add(path)) {
            LOG.info("Counting tokens of {} with the tokenizers library (DJL), not the Java byte-level BPE counter: {}", path, whyNot[0]);
        }
        return djl;
    }
}
