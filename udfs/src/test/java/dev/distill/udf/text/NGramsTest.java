package dev.distill.udf.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.udf.SharedData;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

class NGramsTest {

    @Test
    void signsAreNotCountedAsNGramWords() {
        String signed = "Let $x + y = 10$ and $x - y = 2$ in this question";
        String unsigned = "Let x y 10 and x y 2 in this question";
        assertArrayEquals(NGrams.hashes(unsigned, 8), NGrams.hashes(signed, 8));
        assertNotEquals(ContentId.of(unsigned), ContentId.of(signed));
    }

    @Test
    void fnvMatchesPublishedTestVectors() {
        assertEquals(0xcbf29ce484222325L, Hash64.fnv1a64(""));
        assertEquals(0xaf63dc4c8601ec8cL, Hash64.fnv1a64("a"));
        assertEquals(0x85944171f73967e8L, Hash64.fnv1a64("foobar"));
    }

    @Test
    void fnvHashesTheUtf8BytesWithoutAllocatingThem() {
        for (String s : List.of("café", "求函数的最小值", "emoji 😀 here", "lone \ud800 surrogate", "end\udc00")) {
            assertEquals(fnvOfBytes(s.getBytes(StandardCharsets.UTF_8)), Hash64.fnv1a64(s), s);
        }
        assertEquals(Hash64.fnv1a64("ab cd"), Hash64.fnv1a64(Hash64.fnv1a64("ab "), "cd"));
    }

    @Test
    void ngramHashIsFnvOfTheWordsJoinedBySpaces() {
        long[] h = NGrams.hashes("The quick brown fox", 3);
        long[] expected = NGrams.sortedDistinct(new long[] {
            Hash64.fnv1a64("the quick brown"), Hash64.fnv1a64("quick brown fox")});
        assertArrayEquals(expected, h);
    }

    @Test
    void formattingVariantsShareAllHashes() {
        String a = "Let $f(x) = \\frac{1}{2}x^2$. Find the minimum value of f over all real x.";
        String b = "let  f(x)=\\dfrac12 x^{2}.\nFIND the minimum value of $f$ over all real $x$";
        assertArrayEquals(NGrams.hashes(a, 8), NGrams.hashes(b, 8));
        assertTrue(NGrams.hashes(a, 8).length > 5);
    }

    @Test
    void oneChangedWordChangesOnlyTheOverlappingNgrams() {
        String a = "one two three four five six seven eight nine ten eleven twelve";
        String b = "one two three four five six SEVENTY eight nine ten eleven twelve";
        long[] ha = NGrams.hashes(a, 4);
        long[] hb = NGrams.hashes(b, 4);
        assertEquals(9, ha.length);
        // windows containing word 7 are windows 4..7 (4 of 9): 5 remain shared
        assertEquals(5, NGrams.intersectionSize(ha, hb));
    }

    @Test
    void chineseTextYieldsCharacterNgrams() {
        long[] h = NGrams.hashes("已知函数的最小值为三，求实数的取值范围。", 8);
        // 18 CJK characters -> 11 distinct 8-grams
        assertEquals(11, h.length);
        assertArrayEquals(h, NGrams.hashes("已知函数的最小值为三, 求实数的取值范围", 8));
    }

    @Test
    void shortTextsYieldOneHashOfAllWords() {
        long[] h = NGrams.hashes("Compute $\\sqrt{2}$.", 8);
        assertArrayEquals(new long[] {Hash64.fnv1a64("compute sqrt 2")}, h);
        assertArrayEquals(h, NGrams.hashes("compute \\sqrt 2", 8));
        assertNotEquals(h[0], NGrams.hashes("Compute $\\sqrt{3}$.", 8)[0]);
        assertEquals(0, NGrams.hashes("", 8).length);
        assertEquals(0, NGrams.hashes(null, 8).length);
        assertEquals(0, NGrams.hashes("$$ \\quad $$", 8).length);
    }

    @Test
    void resultIsSortedAndDistinct() {
        long[] h = NGrams.hashes("a b a b a b a b", 2);
        assertEquals(2, h.length); // "a b" and "b a"
        assertTrue(h[0] < h[1]);
        assertEquals(7, NGrams.windowHashes(TextNormalizer.words("a b a b a b a b"), 2).length);
        assertThrows(IllegalArgumentException.class, () -> NGrams.hashes("a", 0));
    }

    @Test
    void everyMath500ProblemSharesAnEightGramWithThePool() {
        List<String> eval = SharedData.jsonlStrings(SharedData.require("eval/math500.jsonl"), "problem", 500);
        List<String> pool = SharedData.jsonlStrings(
                SharedData.require("pool/math/math_test_answers.jsonl"), "problem", 10_000);
        java.util.Set<Long> poolGrams = new java.util.HashSet<>();
        for (String p : pool) {
            for (long g : NGrams.hashes(p, 8)) {
                poolGrams.add(g);
            }
        }
        int found = 0;
        for (String q : eval) {
            for (long g : NGrams.hashes(q, 8)) {
                if (poolGrams.contains(g)) {
                    found++;
                    break;
                }
            }
        }
        assertEquals(500, eval.size());
        assertEquals(500, found);
    }

    private static long fnvOfBytes(byte[] bytes) {
        long h = 0xcbf29ce484222325L;
        for (byte b : bytes) {
            h = (h ^ (b & 0xFF)) * 0x100000001b3L;
        }
        return h;
    }
}
