package dev.distill.udf.tokens;

import dev.distill.udf.tokens.bpe.ByteLevelBpeTokenizer;
import dev.distill.udf.tokens.bpe.TokenizerJson;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

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

    /** Path -> the tokenizer, or empty when the file is not supported (the reason is logged once). */
    private static final ConcurrentHashMap<String, Loaded> LOADED = new ConcurrentHashMap<>();

    private record Loaded(ByteLevelBpeTokenizer tokenizer, String unsupported) {}

    private final String path;
    private transient volatile ByteLevelBpeTokenizer tokenizer;

    private BpeTokenCounter(String path, ByteLevelBpeTokenizer tokenizer) {
        this.path = path;
        this.tokenizer = tokenizer;
    }

    /**
     * The counter of {@code tokenizerJson} (an absolute, normalised path of an existing file),
     * or empty with {@code whyNot[0]} set when this counter does not implement that tokenizer.
     */
    static Optional<BpeTokenCounter> forFile(String tokenizerJson, String[] whyNot) {
        Loaded loaded = LOADED.computeIfAbsent(tokenizerJson, BpeTokenCounter::load);
        if (loaded.tokenizer() == null) {
            whyNot[0] = loaded.unsupported();
            return Optional.empty();
        }
        return Optional.of(new BpeTokenCounter(tokenizerJson, loaded.tokenizer()));
    }

    private static Loaded load(String path) {
        try {
            return new Loaded(TokenizerJson.read(Path.of(path)), null);
        } catch (TokenizerJson.UnsupportedTokenizerException e) {
            return new Loaded(null, e.getMessage());
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

    /** @return the absolute, normalised path of the tokenizer file */
    public String path() {
        return path;
    }

    private ByteLevelBpeTokenizer tokenizer() {
        ByteLevelBpeTokenizer t = tokenizer;
        if (t == null) {
            t = LOADED.computeIfAbsent(path, BpeTokenCounter::load).tokenizer();
            if (t == null) {
                throw new IllegalStateException("Cannot count with " + path + ": it is no longer a supported byte-level BPE");
            }
            tokenizer = t;
        }
        return t;
    }
}
