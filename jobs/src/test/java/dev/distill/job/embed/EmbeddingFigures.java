package dev.distill.job.embed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.job.SharedPaths;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.udf.text.NGrams;
import dev.distill.udf.text.StatedNumbers;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;

/**
 * The figures README's Embeddings section quotes, measured in one run on ../shared/data (not a
 * test): questions embedded per second on one thread, short (MATH500) and 500-word, beside the
 * n-gram hashing decontam does per question (the reference, same run, same texts); paraphrase
 * recall on paraphrases of MATH500 planted by {@link Paraphraser}; the public pool's nearest-eval
 * cosine on a sample of sources that hold no eval item, and the flagged rows for a hand count.
 *
 * <p>Run: {@code java -cp jobs/target/test-classes:jobs/target/classes:<classpath> dev.distill.job.embed.EmbeddingFigures OUT.md [model...]}
 */
public final class EmbeddingFigures {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int CHUNK = Integer.getInteger("chunk", 32);

  public static void main(String[] args) throws IOException {
    Path data = SharedPaths.dataRoot();
    List<String[]> eval = new ArrayList<>();
    for (String set : List.of("math500", "aime24", "aime25", "amc23")) {
      for (JsonNode n : jsonl(data.resolve("eval/" + set + ".jsonl"))) {
        String q = n.hasNonNull("problem") ? n.get("problem").asText() : n.get("prompt").asText();
        eval.add(new String[] {set + ":" + (n.hasNonNull("unique_id") ? n.get("unique_id").asText() : n.path("id").asText(String.valueOf(eval.size()))), q});
      }
    }
    List<String> math500 = eval.stream().filter(e -> e[0].startsWith("math500:")).map(e -> e[1]).toList();
    List<String> long500 = longTexts(math500, 500, 40);
    List<String> pool = poolSample(data);
    List<String> models = args.length > 1 ? Arrays.asList(args).subList(1, args.length) : List.of("all-minilm-l6-v2", "all-minilm-l6-v2-q");
    try (PrintStream out = new PrintStream(Files.newOutputStream(Path.of(args[0])))) {
      out.println("# Embedding figures (one thread, this machine, one run)\n");
      double ngramShort = ngramRate(math500);
      double ngramLong = ngramRate(long500);
      out.printf("reference: 8-gram hashing %.0f short questions/s, %.0f 500-word texts/s%n%n", ngramShort, ngramLong);
      for (String name : models) {
        SentenceEncoder encoder = SentenceEncoder.open(ModelRef.of(config(name), new Configuration()), 1);
        encoder.embed(math500.subList(0, 20));
        double shortRate = rate(encoder, math500.subList(0, 300));
        double longRate = rate(encoder, long500);
        out.printf("## %s%n%nspeed: %.1f short questions/s (%.4f x the n-gram reference), %.2f 500-word questions/s (%.5f x)%n",
            name, shortRate, shortRate / ngramShort, longRate, longRate / ngramLong);
        double shortAlone = oneByOneRate(encoder, math500.subList(0, 300));
        double longAlone = oneByOneRate(encoder, long500);
        out.printf("one by one (langchain4j's path for every text): %.1f short questions/s, %.2f 500-word; batched / one by one: %.2fx, %.2fx%n",
            shortAlone, longAlone, shortRate / shortAlone, longRate / longAlone);
        agreement(out, encoder, concat(math500, pool));
        if (name.equals(models.get(0)) && !Boolean.getBoolean("speedOnly")) {
          quality(out, encoder, eval, math500, pool);
        }
        out.flush();
        encoder.close();
      }
    }
  }

  private static void quality(PrintStream out, SentenceEncoder encoder, List<String[]> eval, List<String> math500, List<String> pool) {
    float[][] evalVectors = encoder.embed(eval.stream().map(e -> e[1]).toList());
    List<String> planted = math500.stream().map(Paraphraser::paraphrase).toList();
    List<Boolean> ngramFree = new ArrayList<>();
    float[][] plantedVectors = encoder.embed(planted);
    double[] thresholds = {0.75, 0.8, 0.85, 0.9, 0.95};
    int[] recalled = new int[thresholds.length];
    int[] recalledFree = new int[thresholds.length];
    int ngramMissed = 0;
    int nearestIsSource = 0;
    List<Double> sims = new ArrayList<>();
    for (int i = 0; i < planted.size(); i++) {
      int source = eval.indexOf(eval.stream().filter(e -> e[0].startsWith("math500:")).toList().get(i));
      int[] best = nearest(plantedVectors[i], evalVectors);
      double sim = Vectors.dot(plantedVectors[i], evalVectors[best[0]]);
      boolean sharesGram = shares(planted.get(i), math500.get(i));
      if (!sharesGram) {
        ngramMissed++;
      }
      ngramFree.add(!sharesGram);
      if (best[0] == source) {
        nearestIsSource++;
      }
      sims.add(Vectors.dot(plantedVectors[i], evalVectors[source]));
      boolean sameNumbers = StatedNumbers.of(planted.get(i)).equals(StatedNumbers.of(math500.get(i)));
      for (int t = 0; t < thresholds.length; t++) {
        if (sim >= thresholds[t] && best[0] == source && sameNumbers) {
          recalled[t]++;
          if (!sharesGram) {
            recalledFree[t]++;
          }
        }
      }
    }
    sims.sort(null);
    out.printf("planted paraphrases of MATH500: %d; 8-gram decontam misses %d of them; nearest eval item is the source for %d%n",
        planted.size(), ngramMissed, nearestIsSource);
    out.printf("cosine to the source: min %.3f, p05 %.3f, p25 %.3f, median %.3f%n", sims.get(0), sims.get(sims.size() / 20), sims.get(sims.size() / 4),
        sims.get(sims.size() / 2));
    float[][] poolVectors = encoder.embed(pool);
    int[] flagged = new int[thresholds.length];
    List<String> rows = new ArrayList<>();
    List<double[]> order = new ArrayList<>();
    for (int i = 0; i < pool.size(); i++) {
      int[] best = nearest(poolVectors[i], evalVectors);
      double sim = Vectors.dot(poolVectors[i], evalVectors[best[0]]);
      boolean sameNumbers = StatedNumbers.of(pool.get(i)).equals(StatedNumbers.of(eval.get(best[0])[1]));
      for (int t = 0; t < thresholds.length; t++) {
        if (sim >= thresholds[t] && sameNumbers) {
          flagged[t]++;
        }
      }
      order.add(new double[] {sim, i, best[0]});
    }
    order.sort((a, b) -> Double.compare(b[0], a[0]));
    out.printf("public-pool sample without eval items (%d questions sampled from gsm8k train, theoremqa, aime 1983-2023, mmlu_pro, svamp):%n", pool.size());
    out.println("| threshold | paraphrase recall (all planted) | recall (those 8-grams miss) | pool rows flagged (cosine and same numbers) |");
    out.println("|---|---|---|---|");
    for (int t = 0; t < thresholds.length; t++) {
      out.printf("| %.2f | %.3f (%d/%d) | %.3f (%d/%d) | %d (%.2f%%) |%n", thresholds[t], recalled[t] / (double) planted.size(), recalled[t],
          planted.size(), recalledFree[t] / (double) ngramMissed, recalledFree[t], ngramMissed, flagged[t], 100.0 * flagged[t] / pool.size());
    }
    out.println("\n### The 50 pool questions nearest an eval item\n");
    out.println("| cosine | pool question | nearest eval item | eval question |");
    out.println("|---|---|---|---|");
    for (double[] o : order.subList(0, Math.min(50, order.size()))) {
      String[] e = eval.get((int) o[2]);
      out.printf("| %.3f | %s | %s | %s |%n", o[0], cell(pool.get((int) o[1])), e[0], e[0].startsWith("gpqa") ? "(not shown)" : cell(e[1]));
    }
    out.println();
    rows.clear();
  }

  private static String cell(String s) {
    String one = s.replace("|", "\\|").replace("\n", " ");
    return one.length() > 220 ? one.substring(0, 220) + "..." : one;
  }

  private static int[] nearest(float[] v, float[][] all) {
    int best = 0;
    double bestSim = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < all.length; i++) {
      double s = Vectors.dot(v, all[i]);
      if (s > bestSim) {
        bestSim = s;
        best = i;
      }
    }
    return new int[] {best};
  }

  private static boolean shares(String a, String b) {
    Set<Long> grams = new HashSet<>();
    for (long h : NGrams.hashes(b, 8)) {
      grams.add(h);
    }
    for (long h : NGrams.hashes(a, 8)) {
      if (grams.contains(h)) {
        return true;
      }
    }
    return false;
  }

  private static double rate(SentenceEncoder encoder, List<String> texts) {
    long start = System.nanoTime();
    for (int i = 0; i < texts.size(); i += CHUNK) {
      encoder.embed(texts.subList(i, Math.min(texts.size(), i + CHUNK)));
    }
    return texts.size() / ((System.nanoTime() - start) / 1e9);
  }

  private static double oneByOneRate(SentenceEncoder encoder, List<String> texts) {
    long start = System.nanoTime();
    for (String t : texts) {
      encoder.embedOneByOne(t);
    }
    return texts.size() / ((System.nanoTime() - start) / 1e9);
  }

  /** How many texts get langchain4j's vector to the bit from the batched path (the rest are tokenized differently), and the lowest cosine. */
  private static void agreement(PrintStream out, SentenceEncoder encoder, List<String> texts) {
    float[][] batched = encoder.embed(texts);
    int same = 0;
    double lowest = 1;
    for (int i = 0; i < texts.size(); i++) {
      float[] alone = encoder.embedOneByOne(texts.get(i));
      if (Arrays.equals(alone, batched[i])) {
        same++;
      } else {
        lowest = Math.min(lowest, Vectors.dot(alone, batched[i]));
      }
    }
    out.printf("batched vs one by one on %d texts (MATH500 + the pool sample): %d identical to the bit, the others' lowest cosine %.5f%n",
        texts.size(), same, lowest);
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  private static double ngramRate(List<String> texts) {
    long start = System.nanoTime();
    long sink = 0;
    int rounds = 0;
    while (System.nanoTime() - start < 2_000_000_000L) {
      for (String t : texts) {
        sink += NGrams.hashes(t, 8).length;
      }
      rounds++;
    }
    if (sink == 42) {
      System.out.println();
    }
    return rounds * texts.size() / ((System.nanoTime() - start) / 1e9);
  }

  /** Texts of about {@code words} words, each joined from consecutive questions. */
  private static List<String> longTexts(List<String> questions, int words, int count) {
    List<String> out = new ArrayList<>();
    StringBuilder b = new StringBuilder();
    int n = 0;
    for (int i = 0; out.size() < count; i = (i + 1) % questions.size()) {
      String q = questions.get(i);
      b.append(q).append(' ');
      n += q.split("\\s+").length;
      if (n >= words) {
        out.add(b.toString().strip());
        b.setLength(0);
        n = 0;
      }
    }
    return out;
  }

  private static List<String> poolSample(Path data) throws IOException {
    List<String> out = new ArrayList<>();
    List<JsonNode> gsm = jsonl(data.resolve("pool/gsm8k/train.jsonl"));
    for (int i = 0; i < gsm.size(); i += 75) {
      out.add(gsm.get(i).get("question").asText());
    }
    JsonNode theorem = JSON.readTree(data.resolve("pool/theoremqa/theoremqa_test.json").toFile());
    for (int i = 0; i < theorem.size(); i += 5) {
      out.add(theorem.get(i).get("Question").asText());
    }
    JsonNode aime = JSON.readTree(data.resolve("pool/aime/aime_1983_2023.json").toFile());
    for (int i = 0; i < aime.size(); i += 3) {
      out.add(aime.get(i).get("problem").asText());
    }
    List<JsonNode> mmlu = jsonl(data.resolve("pool/mmlu_pro/mmlu_pro_test_with_model_preds.jsonl"));
    for (int i = 0; i < mmlu.size(); i += 120) {
      out.add(mmlu.get(i).get("question").asText());
    }
    List<JsonNode> svamp = jsonl(data.resolve("pool/qwen_math_evals/svamp_test.jsonl"));
    for (int i = 0; i < svamp.size(); i += 10) {
      JsonNode n = svamp.get(i);
      out.add(n.hasNonNull("question") ? n.get("question").asText() : n.path("Body").asText() + " " + n.path("Question").asText());
    }
    return out;
  }

  private static List<JsonNode> jsonl(Path file) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      if (!line.isBlank()) {
        out.add(JSON.readTree(line));
      }
    }
    return out;
  }

  private static PipelineConfig.Embeddings config(String model) {
    return new PipelineConfig.Embeddings(true, model, "mean", 1, 64);
  }

  private EmbeddingFigures() {}
}
