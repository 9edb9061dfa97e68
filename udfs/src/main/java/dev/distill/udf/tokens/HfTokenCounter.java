package dev.distill.udf.tokens;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Exact token counts from a local Hugging Face {@code tokenizer.json}, through DJL's bindings of
 * the Rust {@code tokenizers} library (its native library is bundled in the DJL jar). {@link
 * TokenCounters} uses it for the tokenizers {@link BpeTokenCounter} does not implement.
 *
 * <p><b>Local only.</b> The tokenizer is built from the file path, never from a hub name. Before
 * DJL is first touched this class sets the system properties {@code ai.djl.offline=true} and
 * {@code OPT_OUT_TRACKING=true} unless they (or the environment variables {@code DJL_OFFLINE},
 * {@code OPT_OUT_TRACKING}) are already set: offline mode stops DJL from downloading a CUDA build
 * of the native library on GPU hosts and, with the opt-out, from its telemetry call. DJL extracts
 * the bundled native library to {@code ~/.djl.ai/tokenizers} (override with the environment
 * variable {@code DJL_CACHE_DIR} where the home directory is not writable).
 *
 * <p><b>Counting.</b> No special tokens are added, and truncation and padding are disabled, so
 * {@code count} is the length of the plain BPE encoding, however long the text.
 *
 * <p><b>In Spark.</b> Only the path is serialised; the native tokenizer is transient, reloaded
 * lazily after deserialisation, and shared by all counters of the same file in a JVM (one load
 * per executor, not per task or row). The underlying tokenizer is safe to use from several
 * threads.
 */
public final class HfTokenCounter implements TokenCounter, AutoCloseable {

    private static final long serialVersionUID = 1L;

    private static final ConcurrentHashMap<String, HuggingFaceTokenizer> LOADED =
            new ConcurrentHashMap<>();

    /** False once the direct JNI path failed to link (a DJL version without it). */
    private static volatile boolean directIds = true;

    static {
        setIfUnset("ai.djl.offline", "DJL_OFFLINE");
        setIfUnset("OPT_OUT_TRACKING", "OPT_OUT_TRACKING");
    }

    /** Absolute, normalised path of the tokenizer file: the only state that is serialised. */
    private final String path;
    private transient volatile HuggingFaceTokenizer tokenizer;

    /**
     * Loads (or reuses) the tokenizer at {@code tokenizerJson}.
     *
     * @param tokenizerJson path of a {@code tokenizer.json} file, or of a directory containing one
     * @throws IllegalArgumentException when the file does not exist
     * @throws UncheckedIOException when the file cannot be read or parsed as a tokenizer
     */
    public HfTokenCounter(String tokenizerJson) {
        this.path = resolve(tokenizerJson);
        this.tokenizer = shared(path);
    }

    /**
     * Number of BPE tokens of {@code text}, no special tokens.
     *
     * @param text the text; null and empty count 0
     * @return the exact token count
     */
    @Override
    public int count(String text) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        HuggingFaceTokenizer t = tokenizer();
        if (directIds) {
            try {
                return countIdsDirectly(t, text);
            } catch (LinkageError e) {
                directIds = false;
            }
        }
        return t.encode(text, false, false).getIds().length;
    }

    /**
     * Same count as {@code encode(text, false, false).getIds().length}, about twice as fast: it
     * asks the native encoding for its ids only, where {@code encode} also copies tokens,
     * offsets, masks and word ids into Java objects that counting never reads.
     */
    static int countIdsDirectly(HuggingFaceTokenizer t, String text) {
        long encoding = TokenizersLibrary.LIB.encode(t.getHandle(), text, false);
        try {
            return TokenizersLibrary.LIB.getTokenIds(encoding).length;
        } finally {
            TokenizersLibrary.LIB.deleteEncoding(encoding);
        }
    }

    /** @return {@code hf:} followed by the absolute path of the tokenizer file */
    @Override
    public String name() {
        return "hf:" + path;
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

    /**
     * Drops this counter's reference to the tokenizer. The native tokenizer itself stays loaded,
     * shared with the other counters of the same file in this JVM, and a later {@link #count}
     * picks it up again; this keeps executors from reloading it task after task.
     */
    @Override
    public void close() {
        tokenizer = null;
    }

    HuggingFaceTokenizer tokenizer() {
        HuggingFaceTokenizer t = tokenizer;
        if (t == null) {
            t = shared(path);
            tokenizer = t;
        }
        return t;
    }

    static int loadedTokenizerCount() {
        return LOADED.size();
    }

    private static HuggingFaceTokenizer shared(String path) {
        return LOADED.computeIfAbsent(path, HfTokenCounter::load);
    }

    private static HuggingFaceTokenizer load(String path) {
        try {
            return HuggingFaceTokenizer.builder()
                    .optTokenizerPath(Paths.get(path))
                    .optAddSpecialTokens(false)
                    .optTruncation(false)
                    .optPadding(false)
                    .optWithOverflowingTokens(false)
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot load tokenizer " + path + ": " + e.getMessage()
                    + "; point the tokenizer setting at a Hugging Face tokenizer.json", e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Cannot load tokenizer " + path + ": "
                    + e.getMessage() + "; is it a Hugging Face tokenizer.json?", e);
        }
    }

    /** The absolute, normalised path of the tokenizer file ({@code tokenizer.json} inside a directory). */
    static String resolve(String tokenizerJson) {
        if (tokenizerJson == null || tokenizerJson.isBlank()) {
            throw new IllegalArgumentException(
                    "Cannot load tokenizer: no path given; set it to a tokenizer.json file");
        }
        Path p = Paths.get(tokenizerJson).toAbsolutePath().normalize();
        if (Files.isDirectory(p)) {
            p = p.resolve("tokenizer.json");
        }
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("Cannot load tokenizer: " + p
                    + " does not exist; set the tokenizer path to a Hugging Face tokenizer.json");
        }
        return p.toString();
    }

    private static void setIfUnset(String property, String envVariable) {
        if (System.getProperty(property) == null && System.getenv(envVariable) == null) {
            System.setProperty(property, "true");
        }
    }
}
