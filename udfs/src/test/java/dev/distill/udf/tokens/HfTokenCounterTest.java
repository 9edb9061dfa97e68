package dev.distill.udf.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.udf.SharedData;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

class HfTokenCounterTest {

    private static HfTokenCounter qwen() {
        return new HfTokenCounter(SharedData.requireQwenTokenizer().toString());
    }

    @Test
    void countsMatchTheQwenBpe() {
        HfTokenCounter counter = qwen();
        // "Hello" + "Ġworld"
        assertEquals(2, counter.count("Hello world"));
        // "\" "frac" "{" "1" "}{" "2" "}": the pre-tokenizer splits letters from punctuation
        assertEquals(7, counter.count("\\frac{1}{2}"));
        // Qwen splits numbers into single digits
        assertEquals(4, counter.count("2024"));
        // "你好" "，" "世界"
        assertEquals(3, counter.count("你好，世界"));
        // "求" "函数" "的" "最小" "值" "。"
        assertEquals(6, counter.count("求函数的最小值。"));
        assertEquals(0, counter.count(""));
        assertEquals(0, counter.count(null));
        assertTrue(counter.exact());
        assertTrue(counter.name().startsWith("hf:") && counter.name().endsWith("tokenizer.json"));
    }

    @Test
    void addsNoSpecialTokensAndNeverTruncates() {
        HfTokenCounter counter = qwen();
        // special tokens in the text are recognised, none are added around it
        assertEquals(2, counter.count("<|im_start|>user"));
        String longText = "The quick brown fox jumps over the lazy dog. ".repeat(4000).strip();
        assertEquals(4000 * 10, counter.count(longText)); // 9 words + "." per sentence
    }

    @Test
    void fastPathCountsLikeThePublicApi() {
        HfTokenCounter counter = qwen();
        List<String> texts = SharedData.jsonlStrings(
                SharedData.require("pool/math/math_test_solutions.jsonl"), "solution", 300);
        for (String t : texts) {
            assertEquals(counter.tokenizer().encode(t, false, false).getIds().length, counter.count(t));
        }
    }

    @Test
    void oneTokenizerPerFileIsSharedAndSurvivesSerialisation() throws Exception {
        HfTokenCounter first = qwen();
        HfTokenCounter second = new HfTokenCounter(
                SharedData.requireQwenTokenizer().getParent().toString()); // the directory also works
        assertSame(first.tokenizer(), second.tokenizer());
        int loaded = HfTokenCounter.loadedTokenizerCount();

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(first);
        }
        assertTrue(bytes.size() < 1000, "only the path is serialised, got " + bytes.size() + " bytes");
        TokenCounter copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (TokenCounter) in.readObject();
        }
        assertEquals(2, copy.count("Hello world"));
        assertSame(first.tokenizer(), ((HfTokenCounter) copy).tokenizer());
        assertEquals(loaded, HfTokenCounter.loadedTokenizerCount());

        first.close();
        assertEquals(2, first.count("Hello world"), "a closed counter reattaches to the shared tokenizer");
    }

    @Test
    void countsConsistentlyFromSeveralThreads() throws Exception {
        HfTokenCounter counter = qwen();
        List<String> texts = SharedData.jsonlStrings(
                SharedData.require("pool/math/math_train_answers.jsonl"), "problem", 400);
        int[] expected = texts.stream().mapToInt(counter::count).toArray();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<int[]>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                results.add(pool.submit(() -> texts.stream().mapToInt(counter::count).toArray()));
            }
            for (Future<int[]> r : results) {
                assertEquals(java.util.Arrays.toString(expected), java.util.Arrays.toString(r.get()));
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void missingFileIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new HfTokenCounter("/nonexistent/dir/tokenizer.json"));
        assertTrue(e.getMessage().contains("/nonexistent/dir/tokenizer.json"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new HfTokenCounter(" "));
    }

    @Test
    void notATokenizerIsAClearError() {
        Path notTokenizer = SharedData.require("reference/msc.json");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new HfTokenCounter(notTokenizer.toString()));
        assertTrue(e.getMessage().contains("msc.json"), e.getMessage());
    }

    @Test
    void printsSingleThreadThroughput() {
        HfTokenCounter counter = qwen();
        List<String> texts = SharedData.jsonlStrings(
                SharedData.require("pool/math/math_train_answers.jsonl"), "problem", 2000);
        texts.forEach(counter::count); // warm up
        long start = System.nanoTime();
        long tokens = 0;
        for (String t : texts) {
            tokens += counter.count(t);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("HfTokenCounter single thread: %d texts, %d tokens in %.3f s: "
                + "%.0f tokens/s, %.0f texts/s%n", texts.size(), tokens, seconds,
                tokens / seconds, texts.size() / seconds);
        assertEquals(2000, texts.size());
    }
}
