package dev.distill.udf.hash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.udf.SharedData;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class MinHashTest {

    private static final String TEXT = "Let $a$ and $b$ be positive integers such that $a+b=20$. "
            + "Find the largest possible value of the product $ab$ and justify your answer.";

    @Test
    void signaturesAreDeterministicPerSeed() {
        MinHash m = new MinHash(64, 3, 42);
        int[] s = m.signature(TEXT);
        assertEquals(64, s.length);
        assertArrayEquals(s, new MinHash(64, 3, 42).signature(TEXT));
        assertFalse(Arrays.equals(s, new MinHash(64, 3, 43).signature(TEXT)));
        for (int v : s) {
            assertTrue(v >= 0 && v < MinHash.EMPTY_SLOT);
        }
    }

    @Test
    void formattingVariantsHaveIdenticalSignatures() {
        MinHash m = new MinHash(128, 5, 1);
        String variant = "let a and b be positive integers such that a + b = 20 .\n"
                + "FIND the largest possible value of the product ab and justify your answer";
        assertArrayEquals(m.signature(TEXT), m.signature(variant));
        assertEquals(1.0, MinHash.estimateJaccard(m.signature(TEXT), m.signature(variant)));
    }

    @Test
    void emptyTextHasTheEmptySignature() {
        MinHash m = new MinHash(16, 5, 7);
        int[] empty = m.signature("  $$ ");
        for (int v : empty) {
            assertEquals(MinHash.EMPTY_SLOT, v);
        }
        assertArrayEquals(empty, m.signature(null));
        assertEquals(1.0, MinHash.estimateJaccard(empty, m.signature("")));
        assertEquals(0.0, MinHash.estimateJaccard(empty, m.signature(TEXT)));
        assertEquals(1.0, MinHash.jaccard("", null, 5));
        assertEquals(0.0, MinHash.jaccard("", TEXT, 5));
    }

    @Test
    void shortTextsAreOneShingle() {
        MinHash m = new MinHash(32, 5, 7);
        assertArrayEquals(m.signature("Compute 2+2."), m.signature("compute 2 + 2"));
        assertEquals(0.0, MinHash.jaccard("Compute 2+2.", "Compute 2+3.", 5));
    }

    @Test
    void exactJaccardOfShingleSets() {
        // unigrams {a,b,c,d} vs {a,b,c,e}: 3 shared of 5
        assertEquals(0.6, MinHash.jaccard("a b c d", "A, b; c e", 1), 1e-12);
        // bigrams {ab,bc,cd} vs {ab,bc,ce}: 2 of 4
        assertEquals(0.5, MinHash.jaccard("a b c d", "a b c e", 2), 1e-12);
    }

    @Test
    void estimateIsWithinTenPointsOfExactJaccardOnRealText() {
        List<String> solutions = SharedData.jsonlStrings(
                SharedData.require("pool/math/math_test_solutions.jsonl"), "solution", 5000);
        List<String> longOnes = new ArrayList<>();
        for (String s : solutions) {
            if (s.length() > 800) {
                longOnes.add(s);
            }
        }
        MinHash m = new MinHash(256, 5, 2025);
        Random random = new Random(7);
        double worst = 0;
        double sumError = 0;
        int pairs = 0;
        for (int i = 0; i < 60; i++) {
            String a = longOnes.get(i);
            String b = edit(a, 0.02 + 0.3 * random.nextDouble(), random, longOnes.get(i + 100));
            double exact = MinHash.jaccard(a, b, 5);
            double estimate = MinHash.estimateJaccard(m.signature(a), m.signature(b));
            worst = Math.max(worst, Math.abs(exact - estimate));
            sumError += Math.abs(exact - estimate);
            pairs++;
        }
        assertTrue(worst < 0.1, "worst error " + worst);
        assertTrue(sumError / pairs < 0.03, "mean error " + sumError / pairs);
    }

    @Test
    void survivesJavaSerialisation() throws Exception {
        MinHash m = new MinHash(32, 4, 99);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(m);
        }
        MinHash copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (MinHash) in.readObject();
        }
        assertArrayEquals(m.signature(TEXT), copy.signature(TEXT));
        assertEquals(4, copy.shingleSize());
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new MinHash(0, 5, 1));
        assertThrows(IllegalArgumentException.class, () -> new MinHash(8, 0, 1));
        assertThrows(IllegalArgumentException.class,
                () -> MinHash.estimateJaccard(new int[3], new int[4]));
    }

    /** Replaces a fraction of the words and appends part of another text: a near duplicate. */
    private static String edit(String text, double fraction, Random random, String other) {
        String[] words = text.split(" ");
        for (int i = 0; i < words.length; i++) {
            if (random.nextDouble() < fraction) {
                words[i] = "w" + random.nextInt(1000);
            }
        }
        String tail = other.substring(0, Math.min(other.length(), random.nextInt(400)));
        return String.join(" ", words) + " " + tail;
    }
}
