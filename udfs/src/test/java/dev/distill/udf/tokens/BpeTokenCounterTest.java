package dev.distill.udf.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.udf.SharedData;
import dev.distill.udf.tokens.bpe.SplitPattern;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java byte-level BPE counter against the tokenizers library (DJL) on the same texts: hand
 * picked edge cases, 10,000 random strings over the characters where the split regex, UTF-8 and
 * NFC are delicate, real pool texts, and variants of the Qwen tokenizer.json (GPT-2 and Llama 3
 * patterns, no normalizer, ignore_merges) that exercise the other supported shapes.
 */
class BpeTokenCounterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int VARIANT_MERGES = 20_000;
    private static JsonNode smallQwen;

    /** Characters the split regex, UTF-8 encoding and NFC treat specially, and some plain ones. */
    private static final String[] PIECES = {
        " ", "  ", "\t", "\n", "\r\n", "\r", "\u000B", "\f", "\u0085", "\u00A0", "\u2028", "\u3000", "\u202F",
        "a", "Z", "é", "e\u0301", "\u0301", "A\u030A", "ſ", "ß", "ǅ", "ʰ", "你", "好", "。", "，", "ا", "ب", "ह", "\u093F",
        "한", "\u1100\u1161", "0", "7", "٣", "Ⅻ", "½", "²", "\uD835\uDFCE", "\uD835\uDC00", "\uD83D\uDE00", "\uD800", "\uDC00",
        "'", "'s", "'S", "'re", "'RE", "'ve", "'ll", "'LL", "'d", "'m", "'t", "'x", "ſ",
        "$", "\\frac", "{", "}", "^", "_", "(", ")", "-", "+", "=", ".", ",", "?", "!", "#", "...", "—", "•",
        "<think>", "</think>", "<|im_start|>", "<|endoftext|>", "<|", "|>", "<tool_call>",
        "hello", "world", "The", "answer", "12345", "3.14", "x^2", "  \n\n  ", "\n\n\n", "    ",
    };

    private static Path qwen() {
        return SharedData.requireQwenTokenizer();
    }

    @Test
    void countsMatchTheQwenBpe() {
        TokenCounter counter = TokenCounters.forPath(qwen().toString());
        assertInstanceOf(BpeTokenCounter.class, counter);
        assertEquals(2, counter.count("Hello world"));
        assertEquals(7, counter.count("\\frac{1}{2}"));
        assertEquals(4, counter.count("2024"));
        assertEquals(3, counter.count("你好，世界"));
        assertEquals(6, counter.count("求函数的最小值。"));
        assertEquals(2, counter.count("<|im_start|>user"));
        assertEquals(0, counter.count(""));
        assertEquals(0, counter.count(null));
        assertTrue(counter.exact());
        assertTrue(counter.name().startsWith("bpe:") && counter.name().endsWith("tokenizer.json"), counter.name());
    }

    @Test
    void edgeCasesCountAsTheTokenizersLibraryDoes() {
        List<String> texts = new ArrayList<>(List.of(PIECES));
        texts.addAll(List.of("a  b", "a   b", "a \n b", "a\n\n b", " \n", "\n ", "x  ", "  x", "x'sy", "x'Sy", "'", "''s",
                " 'll", "$$x", " $x", " $$", "$\n\n", "1 2  3", "١٢٣", "ab12cd", "e\u0301e\u0301", "\u0301a",
                "The quick brown fox jumps over the lazy dog. ".repeat(4000).strip(), "a".repeat(5000), "你好".repeat(3000),
                "=".repeat(300), "<think>x</think>", "<<think>>", "<thin<think>", "\uD800a\uDC00b", "\uDBFF\uDFFF", "a\u0000b", "\u0000\uD800"));
        assertSameCounts(qwen(), texts);
    }

    @Test
    void randomTextsOverTheDelicateCharactersCountAsTheTokenizersLibraryDoes() {
        assertSameCounts(qwen(), randomTexts(10_000, 1));
    }

    @Test
    void poolTextsCountAsTheTokenizersLibraryDoes() {
        List<String> texts = new ArrayList<>();
        texts.addAll(SharedData.jsonlStrings(SharedData.require("pool/math/math_test_solutions.jsonl"), "solution", 2000));
        texts.addAll(SharedData.jsonArrayStrings(SharedData.require("pool/olympiadbench/Chinese_Olympiad_Mathematics.json"), "solution", 2000));
        assertSameCounts(qwen(), texts);
    }

    @Test
    void otherSupportedShapesCountAsTheTokenizersLibraryDoes(@TempDir Path dir) throws IOException {
        List<String> texts = randomTexts(1500, 2);
        texts.addAll(SharedData.jsonlStrings(SharedData.require("pool/math/math_test_solutions.jsonl"), "solution", 300));
        assertSameCounts(variant(dir, "gpt2", t -> ((ObjectNode) t).set("pre_tokenizer",
                JSON.createObjectNode().put("type", "ByteLevel").put("add_prefix_space", false)
                .put("trim_offsets", false).put("use_regex", true))), texts);
        assertSameCounts(variant(dir, "llama3", t -> ((ObjectNode) t.path("pre_tokenizer").path("pretokenizers").get(0).path("pattern"))
                .put("Regex", SplitPattern.LLAMA3.regex())), texts);
        assertSameCounts(variant(dir, "no-normalizer", t -> ((ObjectNode) t).putNull("normalizer")), texts);
        assertSameCounts(variant(dir, "ignore-merges", t -> ((ObjectNode) t.path("model")).put("ignore_merges", true)), texts);
    }

    @Test
    void unsupportedTokenizersFallBackToTheTokenizersLibrary(@TempDir Path dir) throws IOException {
        Path lowercase = variant(dir, "lowercase", t -> ((ObjectNode) t).set("normalizer", JSON.createObjectNode().put("type", "Lowercase")));
        TokenCounter counter = TokenCounters.forPath(lowercase.toString());
        assertInstanceOf(HfTokenCounter.class, counter);
        assertEquals(new HfTokenCounter(lowercase.toString()).count("hello world"), counter.count("HELLO WORLD"), "the library lowercases");
        Path prefix = variant(dir, "prefix", t -> ((ObjectNode) t.path("pre_tokenizer").path("pretokenizers").get(1)).put("add_prefix_space", true));
        assertInstanceOf(HfTokenCounter.class, TokenCounters.forPath(prefix.toString()));
    }

    @Test
    void onlyThePathIsSerialised() throws Exception {
        TokenCounter counter = TokenCounters.forPath(qwen().toString());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(counter);
        }
        assertTrue(bytes.size() < 1000, "only the path is serialised, got " + bytes.size() + " bytes");
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            TokenCounter copy = (TokenCounter) in.readObject();
            assertEquals(counter.name(), copy.name());
            assertEquals(7, copy.count("\\frac{1}{2}"));
        }
    }

    @Test
    void countsConsistentlyFromSeveralThreads() throws Exception {
        TokenCounter counter = TokenCounters.forPath(qwen().toString());
        List<String> texts = randomTexts(2000, 3);
        long expected = texts.stream().mapToLong(counter::count).sum();
        List<Thread> threads = new ArrayList<>();
        long[] sums = new long[4];
        for (int t = 0; t < sums.length; t++) {
            int slot = t;
            threads.add(new Thread(() -> sums[slot] = texts.stream().mapToLong(counter::count).sum()));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        for (long s : sums) {
            assertEquals(expected, s);
        }
    }

    /** Asserts that both counters agree on every text, listing the first few that differ. */
    static void assertSameCounts(Path tokenizer, List<String> texts) {
        TokenCounter ours = TokenCounters.forPath(tokenizer.toString());
        assertInstanceOf(BpeTokenCounter.class, ours, tokenizer + " should be counted in Java");
        try (HfTokenCounter djl = new HfTokenCounter(tokenizer.toString())) {
            List<String> differ = new ArrayList<>();
            for (String t : texts) {
                int a = ours.count(t);
                int b = djl.count(t);
                if (a != b && differ.size() < 5) {
                    differ.add("ours " + a + " vs library " + b + " on \"" + escape(t.length() > 300 ? t.substring(0, 300) : t) + "\"");
                }
            }
            assertEquals(List.of(), differ, tokenizer.getFileName() + ": counts differ");
        }
    }

    /** Printable ASCII as is, everything else as a Java escape. */
    private static String escape(String s) {
        StringBuilder out = new StringBuilder();
        for (char c : s.toCharArray()) {
            out.append(c >= 0x20 && c < 0x7F ? String.valueOf(c) : String.format("\\u%04X", (int) c));
        }
        return out.toString();
    }

    /** Deterministic strings of 1..40 pieces drawn from {@link #PIECES}. */
    static List<String> randomTexts(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            StringBuilder s = new StringBuilder();
            int pieces = 1 + r.nextInt(40);
            for (int p = 0; p < pieces; p++) {
                s.append(PIECES[r.nextInt(PIECES.length)]);
            }
            out.add(s.toString());
        }
        return out;
    }

    /**
     * A small tokenizer.json cut from the Qwen one (its byte symbols, its first
     * {@value #VARIANT_MERGES} merges and the tokens they make, its added tokens), with
     * {@code edit} applied, as {@code dir/name/tokenizer.json}: quick to load for both counters.
     */
    private static Path variant(Path dir, String name, Consumer<JsonNode> edit) throws IOException {
        JsonNode tree = smallQwen().deepCopy();
        edit.accept(tree);
        Path file = dir.resolve(name).resolve("tokenizer.json");
        Files.createDirectories(file.getParent());
        JSON.writeValue(file.toFile(), tree);
        return file;
    }

    private static synchronized JsonNode smallQwen() throws IOException {
        if (smallQwen != null) {
            return smallQwen;
        }
        JsonNode tree = JSON.readTree(qwen().toFile());
        ObjectNode model = (ObjectNode) tree.path("model");
        JsonNode vocab = model.path("vocab");
        ObjectNode small = JSON.createObjectNode();
        ArrayNode merges = JSON.createArrayNode();
        for (int i = 0; i < VARIANT_MERGES; i++) {
            JsonNode m = model.path("merges").get(i);
            merges.add(m);
            String merged = m.get(0).asText() + m.get(1).asText();
            small.set(merged, vocab.get(merged));
        }
        vocab.fields().forEachRemaining(e -> {
            if (e.getKey().codePointCount(0, e.getKey().length()) == 1) {
                small.set(e.getKey(), e.getValue());
            }
        });
        model.set("vocab", small);
        model.set("merges", merges);
        smallQwen = tree;
        return tree;
    }
}
