package dev.distill.udf.tokens;

import java.io.Serializable;

/**
 * Counts the tokens a text occupies for a model. Implementations are serialisable so that a
 * counter built on the Spark driver can be shipped to executors inside a UDF.
 */
public interface TokenCounter extends Serializable {

    /**
     * The number of tokens of {@code text}, without any special tokens (no BOS/EOS, no chat
     * template).
     *
     * @param text the text; null and empty count 0
     * @return the token count, at least 0
     */
    int count(String text);

    /**
     * A short description for logs, reports and manifests (for example {@code
     * hf:/path/tokenizer.json} or {@code estimated}).
     *
     * @return the counter's name
     */
    String name();

    /**
     * Whether {@link #count} is the exact count of a real tokenizer rather than an estimate.
     *
     * @return true for a real tokenizer
     */
    boolean exact();
}
