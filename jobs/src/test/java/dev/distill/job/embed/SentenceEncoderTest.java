package dev.distill.job.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.distill.job.SharedPaths;
import dev.distill.job.SparkTestSession;
import dev.distill.job.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SentenceEncoderTest {
  // Real sentence triples: a question, its paraphrase (other words, same numbers), a related question, an unrelated one.
  // (MiniLM puts "how many positive divisors does 36 have?" above a reworded paraphrase of the first: close wording
  // with another meaning still scores high, which is why the review band exists.)
  private static final List<List<String>> TRIPLES = List.of(
      List.of("What is the sum of all positive divisors of 36?",
          "Add up every positive integer that divides 36. What total do you get?",
          "Find the greatest common divisor of 36 and 48.",
          "Describe the causes of the French Revolution."),
      List.of("A train travels 120 miles in 2 hours. What is its average speed?",
          "If a train covers 120 miles in two hours, how fast is it going on average?",
          "A car travels 120 miles using 4 gallons of fuel. What is its fuel economy?",
          "Which enzyme breaks down starch in human saliva?"),
      List.of("Find the area of a circle with radius 5.",
          "What is the area enclosed by a circle whose radius is 5?",
          "Find the circumference of a circle with radius 5.",
          "Translate 'good morning' into Japanese."));

  @ParameterizedTest
  @ValueSource(strings = {"all-minilm-l6-v2", "all-minilm-l6-v2-q"})
  void paraphraseIsCloserThanRelatedIsCloserThanUnrelated(String name) {
    ModelRef ref = ModelRef.of(SparkTestSession.config("embeddings.model=" + name).embeddings(), new org.apache.hadoop.conf.Configuration());
    SentenceEncoder encoder = ExecutorEncoders.get(ref, 1);
    for (List<String> t : TRIPLES) {
      float[][] v = encoder.embed(t);
      double paraphrase = Vectors.dot(v[0], v[1]);
      double related = Vectors.dot(v[0], v[2]);
      double unrelated = Vectors.dot(v[0], v[3]);
      assertTrue(paraphrase > related && related > unrelated,
          name + " on \"" + t.get(0) + "\": paraphrase " + paraphrase + ", related " + related + ", unrelated " + unrelated);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"all-minilm-l6-v2"})
  void vectorsAreUnitLengthAndTheSameAloneOrInABatch(String name) {
    ModelRef ref = ModelRef.of(SparkTestSession.config("embeddings.model=" + name).embeddings(), new org.apache.hadoop.conf.Configuration());
    SentenceEncoder encoder = ExecutorEncoders.get(ref, 1);
    String longText = "Let n be a positive integer. ".repeat(200) + "Find n.";
    float[][] batch = encoder.embed(List.of("Find the area of a circle with radius 5.", longText, " "));
    assertEquals(384, batch[0].length);
    assertEquals(1.0, Vectors.dot(batch[0], batch[0]), 1e-5);
    assertEquals(1.0, Vectors.dot(batch[1], batch[1]), 1e-5, "a text over 512 tokens is windowed, still one unit vector");
    assertEquals(0.0, Vectors.dot(batch[2], batch[2]), "a blank text gets the zero vector");
    float[] alone = encoder.embed("Find the area of a circle with radius 5.");
    assertEquals(1.0, Vectors.dot(alone, batch[0]), 1e-6);
  }

  /**
   * The batched path (texts of one token count in one ONNX call) gives langchain4j's one-by-one
   * vectors to the bit, and a text's vector does not depend on the texts batched with it: real
   * questions of the pool (MATH, with LaTeX, of every length), embedded in pool order and shuffled.
   */
  @ParameterizedTest
  @ValueSource(strings = {"all-minilm-l6-v2", "all-minilm-l6-v2-q"})
  void batchesGiveTheOneByOneVectorsToTheBit(String name) throws IOException {
    Path file = SharedPaths.dataRoot().resolve("pool/math/math_test_answers.jsonl");
    assumeTrue(Files.isRegularFile(file), file + " not found: skipping the batched-embedding comparison (set DISTILL_DATA)");
    List<String> texts = new ArrayList<>();
    for (String line : Files.readAllLines(file).subList(0, 400)) {
      texts.add(Json.MAPPER.readTree(line).get("problem").asText());
    }
    texts.add("Let n be a positive integer. ".repeat(120) + "Find n.");
    ModelRef ref = ModelRef.of(SparkTestSession.config("embeddings.model=" + name).embeddings(), new org.apache.hadoop.conf.Configuration());
    SentenceEncoder encoder = ExecutorEncoders.get(ref, 1);
    float[][] batched = encoder.embed(texts);
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      order.add(i);
    }
    Collections.shuffle(order, new Random(7));
    List<String> shuffled = new ArrayList<>();
    order.forEach(i -> shuffled.add(texts.get(i)));
    float[][] reshuffled = encoder.embed(shuffled);
    for (int k = 0; k < order.size(); k++) {
      int i = order.get(k);
      assertArrayEquals(encoder.embedOneByOne(texts.get(i)), batched[i], "text " + i + " batched vs alone: " + texts.get(i));
      assertArrayEquals(batched[i], reshuffled[k], "text " + i + " in another batch");
    }
  }
}
