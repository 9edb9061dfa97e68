package dev.distill.udf.tokens;

import dev.distill.udf.tokens.bpe.ByteLevelBpeTokenizer;
import dev.distill.udf.tokens.bpe.TokenizerJson;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exact token counts of a byte-level BPE {@code tokenizer.json} (Qwen2, Llama 3, GPT-2 style)
 * in Java: the same count as {@link HfTokenCounter} (the tokenizers library through DJL),
 * several times faster, with no native library. {@link #forFile} says when a file is outside
 * what it implements (see {@link TokenizerJson}); {@link TokenCounters} then uses DJL.
 *
 * <p>In Spark only the path is serialised; the tokenizer is read once per JVM and shared, and
 * each thread (each running task) keeps its own cache of word counts.
 */
public final class BpeTokenCounter implements TokenCounter {
    private static final long serialVersionUID = 1L;

    private static final Logger LOG = LoggerFactory.getLogger(BpeTokenCounter.class);
    /** Path -> the tokenizer, or empty when the file is not supported (read, and the reason logged, once per JVM). */
    private static final ConcurrentHashMap<String, Optional<ByteLevelBpeTokenizer>> LOADED = new ConcurrentHashMap<>();

    private final String path;
    private transient volatile ByteLevelBpeTokenizer tokenizer;

    private BpeTokenCounter(String path, ByteLevelBpeTokenizer tokenizer) {
        this.path = path;
        this.tokenizer = tokenizer;
    }

    /**
     * The counter of {@code tokenizerJson} (an absolute, normalised path of an existing file), or
     * empty when this counter does not implement that tokenizer (logged once, with why).
     */
    static Optional<BpeTokenCounter> forFile(String tokenizerJson) {
        return LOADED.computeIfAbsent(tokenizerJson, BpeTokenCounter::load).map(t -> new BpeTokenCounter(tokenizerJson, t));
    }

    private static Optional<ByteLevelBpeTokenizer> load(String path) {
        try {
            return Optional.of(TokenizerJson.read(Path.of(path)));
        } catch (TokenizerJson.UnsupportedTokenizerException e) {
            LOG.info("Counting tokens of {} with the tokenizers library (DJL), not the Java byte-level BPE counter: {}", path, e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Number of BPE tokens of {@code text}, no special tokens added (those in the text count one each).
     *
     * @param text the text; null and empty count 0
     */
    @Override
    public int count(String text) {
        return tokenizer().count(text);
    }

    /** @return {@code bpe:} followed by the absolute path of the tokenizer file */
    @Override
    public String name() {
        return "bpe:" + path;
    }

    /** @return true */
    @Override
    public boolean exact() {
        return true;
    }

    private ByteLevelBpeTokenizer tokenizer() {
        ByteLevelBpeTokenizer t = tokenizer;
        if (t == null) {
            t = LOADED.computeIfAbsent(path, BpeTokenCounter::load).orElseThrow(
                () -> new IllegalStateException("Cannot count with " + path + ": it is no longer a supported byte-level BPE"));
            tokenizer = t;
        }
        return t;
    }
}
