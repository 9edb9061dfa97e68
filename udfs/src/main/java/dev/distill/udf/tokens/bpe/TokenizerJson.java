package dev.distill.udf.tokens.bpe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a Hugging Face {@code tokenizer.json} into a {@link ByteLevelBpeTokenizer}, or says why
 * it cannot. Supported: model {@code BPE} (no dropout, no byte fallback, no subword prefix or
 * suffix; {@code ignore_merges} either way) over the 256 byte-level symbols; normalizer none or
 * NFC (alone or in a Sequence); pre-tokenizer {@code ByteLevel} (its GPT-2 regex or none) or a
 * Sequence of a {@code Split} on one of the {@link SplitPattern}s (Isolated, not inverted) and a
 * {@code ByteLevel} without regex, neither adding a prefix space; added tokens matched on the
 * raw text (not normalised, no single_word / lstrip / rstrip). The post-processor, decoder,
 * truncation and padding do not change a count without special tokens and are not read.
 */
public final class TokenizerJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerJson() {}

    /** A tokenizer.json this counter does not implement, and why. */
    public static final class UnsupportedTokenizerException extends Exception {
        private static final long serialVersionUID = 1L;

        UnsupportedTokenizerException(String reason) {
            super(reason);
        }
    }

    /**
     * The counter of the tokenizer in {@code file}.
     *
     * @throws UnsupportedTokenizerException naming what is not supported (or not readable as a tokenizer)
     * @throws UncheckedIOException when the file cannot be read
     */
    public static ByteLevelBpeTokenizer read(Path file) throws UnsupportedTokenizerException {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UnsupportedTokenizerException("not JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read tokenizer " + file + ": " + e.getMessage(), e);
        }
        return of(root);
    }

    static ByteLevelBpeTokenizer of(JsonNode root) throws UnsupportedTokenizerException {
        JsonNode model = root.path("model");
        if (!"BPE".equals(model.path("type").asText(null))) {
            throw new UnsupportedTokenizerException("model type " + describe(model.path("type")) + " (only BPE)");
        }
        boolean nfc = normalizer(root.path("normalizer"));
        SplitPattern pattern = preTokenizer(root.path("pre_tokenizer"));
        AddedTokens added = addedTokens(root.path("added_tokens"));
        return new ByteLevelBpeTokenizer(added, nfc, pattern, bpe(model));
    }

    private static ByteLevelBpe bpe(JsonNode model) throws UnsupportedTokenizerException {
        if (!model.path("dropout").isNull() && !model.path("dropout").isMissingNode() && model.path("dropout").asDouble() != 0) {
            throw new UnsupportedTokenizerException("BPE dropout " + model.path("dropout"));
        }
        if (model.path("byte_fallback").asBoolean(false)) {
            throw new UnsupportedTokenizerException("BPE byte_fallback");
        }
        for (String affix : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
            if (!model.path(affix).asText("").isEmpty()) {
                throw new UnsupportedTokenizerException("BPE " + affix + " " + model.path(affix));
            }
        }
        JsonNode vocabNode = model.path("vocab");
        if (!vocabNode.isObject()) {
            throw new UnsupportedTokenizerException("BPE without a vocab object");
        }
        Map<String, Integer> vocab = new HashMap<>(vocabNode.size() * 2);
        vocabNode.fields().forEachRemaining(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        char[] alphabet = ByteLevelBpe.byteAlphabet();
        int[] byteIds = new int[256];
        for (int b = 0; b < 256; b++) {
            Integer id = vocab.get(String.valueOf(alphabet[b]));
            if (id == null) {
                throw new UnsupportedTokenizerException("vocab lacks the byte-level symbol of byte " + b + " (not a byte-level BPE)");
            }
            byteIds[b] = id;
        }
        JsonNode mergesNode = model.path("merges");
        MergeRanks merges = new MergeRanks(Math.max(1, mergesNode.size()));
        int rank = 0;
        for (JsonNode m : mergesNode) {
            String[] pair = pair(m);
            Integer left = vocab.get(pair[0]);
            Integer right = vocab.get(pair[1]);
            Integer merged = vocab.get(pair[0] + pair[1]);
            if (left == null || right == null || merged == null) {
                throw new UnsupportedTokenizerException("merge " + rank + " (" + m + ") names a token outside the vocab");
            }
            merges.put(left, right, rank++, merged);
        }
        return new ByteLevelBpe(byteIds, merges, model.path("ignore_merges").asBoolean(false) ? vocab : null);
    }

    /** A merge as {@code "a b"} or {@code ["a", "b"]}. */
    private static String[] pair(JsonNode m) throws UnsupportedTokenizerException {
        if (m.isArray() && m.size() == 2) {
            return new String[] {m.get(0).asText(), m.get(1).asText()};
        }
        String[] parts = m.asText().split(" ", -1);
        if (!m.isTextual() || parts.length != 2) {
            throw new UnsupportedTokenizerException("merge " + m + " is neither \"a b\" nor [a, b]");
        }
        return parts;
    }

    /** True for NFC, false for none. */
    private static boolean normalizer(JsonNode n) throws UnsupportedTokenizerException {
        if (n.isMissingNode() || n.isNull()) {
            return false;
        }
        String type = n.path("type").asText("");
        if (type.equals("NFC")) {
            return true;
        }
        if (type.equals("Sequence")) {
            boolean nfc = false;
            for (JsonNode inner : n.path("normalizers")) {
                nfc |= normalizer(inner);
            }
            return nfc;
        }
        throw new UnsupportedTokenizerException("normalizer " + type + " (only none or NFC)");
    }

    private static SplitPattern preTokenizer(JsonNode p) throws UnsupportedTokenizerException {
        String type = p.path("type").asText("");
        if (type.equals("ByteLevel")) {
            return byteLevel(p) ? SplitPattern.GPT2 : SplitPattern.WHOLE;
        }
        JsonNode steps = p.path("pretokenizers");
        if (type.equals("Sequence") && steps.size() == 1 && steps.get(0).path("type").asText("").equals("ByteLevel")) {
            return preTokenizer(steps.get(0));
        }
        if (type.equals("Sequence") && steps.size() == 2 && steps.get(0).path("type").asText("").equals("Split")
                && steps.get(1).path("type").asText("").equals("ByteLevel")) {
            JsonNode split = steps.get(0);
            if (byteLevel(steps.get(1))) {
                throw new UnsupportedTokenizerException("a Split followed by a ByteLevel with its own regex");
            }
            if (!split.path("behavior").asText("").equals("Isolated") || split.path("invert").asBoolean(false)) {
                throw new UnsupportedTokenizerException("Split behavior " + split.path("behavior") + ", invert "
                        + split.path("invert") + " (only Isolated, not inverted)");
            }
            JsonNode regex = split.path("pattern").path("Regex");
            if (!regex.isTextual()) {
                throw new UnsupportedTokenizerException("Split pattern " + split.path("pattern") + " (only a known Regex)");
            }
            return SplitPattern.ofRegex(regex.asText()).orElseThrow(() -> new UnsupportedTokenizerException(
                    "Split regex " + regex + " (only the Qwen2, Llama 3 and GPT-2 patterns)"));
        }
        throw new UnsupportedTokenizerException("pre-tokenizer " + (p.isMissingNode() || p.isNull() ? "none" : p.toString())
                + " (only ByteLevel, or Split + ByteLevel)");
    }

    /** Whether a ByteLevel pre-tokenizer applies its GPT-2 regex; refuses a prefix space. */
    private static boolean byteLevel(JsonNode b) throws UnsupportedTokenizerException {
        if (b.path("add_prefix_space").asBoolean(false)) {
            throw new UnsupportedTokenizerException("ByteLevel add_prefix_space");
        }
        return b.path("use_regex").asBoolean(true);
    }

    private static AddedTokens addedTokens(JsonNode list) throws UnsupportedTokenizerException {
        List<String> contents = new ArrayList<>();
        for (JsonNode t : list) {
            for (String flag : List.of("single_word", "lstrip", "rstrip", "normalized")) {
                if (t.path(flag).asBoolean(false)) {
                    throw new UnsupportedTokenizerException("added token " + t.path("content") + " with " + flag);
                }
            }
            contents.add(t.path("content").asText(""));
        }
        return new AddedTokens(contents);
    }

    private static String describe(JsonNode n) {
        return n.isMissingNode() || n.isNull() ? "none" : n.asText();
    }
}
