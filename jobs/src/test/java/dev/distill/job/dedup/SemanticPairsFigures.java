package dev.distill.job.dedup;

import static dev.distill.job.SparkTestSession.candidate;
import static dev.distill.job.SparkTestSession.candidates;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.job.SharedPaths;
import dev.distill.job.SparkTestSession;
import dev.distill.job.api.StageContext;
import dev.distill.job.api.StageRunner;
import dev.distill.job.embed.EmbedStage;
import dev.distill.job.embed.Embeddings;
import dev.distill.job.embed.Vectors;
import dev.distill.job.schema.Columns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Not part of the suite (no *Test name): the pairs behind dedup.semantic_threshold. Embeds the
 * first 3,000 MATH training problems of the shared pool, compares every pair, and writes the
 * count per cosine band and examples of each to target/semantic-pairs.md.
 * Run: ./mvnw -pl jobs -am -Dtest=SemanticPairsFigures -Dsurefire.failIfNoSpecifiedTests=false test
 */
class SemanticPairsFigures {
  private static final double[] BANDS = {0.85, 0.88, 0.90, 0.92, 0.95, 0.98, 1.01};

  @Test
  void pairsAroundTheThreshold() throws Exception {
    Path file = SharedPaths.dataRoot().resolve("pool/math/math_train_answers.jsonl");
    Assumptions.assumeTrue(Files.exists(file), "shared data absent: " + file);
    ObjectMapper json = new ObjectMapper();
    List<Row> rows = new ArrayList<>();
    Map<String, String> question = new HashMap<>();
    for (String line : Files.readAllLines(file).subList(0, 3000)) {
      JsonNode n = json.readTree(line);
      var c = candidate(n.get("problem").asText());
      if (question.putIfAbsent(c.id(), n.get("problem").asText()) == null) {
        rows.add(c.row());
      }
    }
    Path out = Path.of("target", "semantic-pairs-run");
    StageContext context = SparkTestSession.context(out.resolve("run").toAbsolutePath(), "embeddings.enabled=true",
        "run.output='" + out.toAbsolutePath() + "'");
    long start = System.nanoTime();
    StageRunner.run(new EmbedStage(), context, candidates(rows));
    double seconds = (System.nanoTime() - start) / 1e9;
    List<String> ids = new ArrayList<>();
    List<float[]> vectors = new ArrayList<>();
    for (Row r : Embeddings.read(context).collectAsList()) {
      if (question.containsKey(r.getString(0))) {
        ids.add(r.getString(0));
        vectors.add(Embeddings.vector(r, 1));
      }
    }
    Map<Integer, List<String>> examples = new LinkedHashMap<>();
    long[] counts = new long[BANDS.length - 1];
    long sameNumbers[] = new long[BANDS.length - 1];
    for (int a = 0; a < ids.size(); a++) {
      for (int b = a + 1; b < ids.size(); b++) {
        double cos = Vectors.dot(vectors.get(a), vectors.get(b));
        for (int k = 0; k < counts.length; k++) {
          if (cos >= BANDS[k] && cos < BANDS[k + 1]) {
            counts[k]++;
            boolean same = dev.distill.udf.text.StatedNumbers.of(question.get(ids.get(a))).equals(dev.distill.udf.text.StatedNumbers.of(question.get(ids.get(b))));
            if (same) {
              sameNumbers[k]++;
            }
            List<String> ex = examples.computeIfAbsent(k, x -> new ArrayList<>());
            if (ex.size() < 8) {
              ex.add(String.format("- %.4f, same numbers: %s\n  - A: %s\n  - B: %s", cos, same, flat(question.get(ids.get(a))), flat(question.get(ids.get(b)))));
            }
          }
        }
      }
    }
    StringBuilder md = new StringBuilder("# Cosine bands over all pairs of " + ids.size() + " MATH training problems (all-minilm-l6-v2)\n\n");
    md.append(String.format("embedded in %.1f s\n\n| band | pairs | with the same numbers |\n|---|---|---|\n", seconds));
    for (int k = 0; k < counts.length; k++) {
      md.append(String.format("| [%.2f, %.2f) | %d | %d |\n", BANDS[k], Math.min(1.0, BANDS[k + 1]), counts[k], sameNumbers[k]));
    }
    for (var e : examples.entrySet()) {
      md.append(String.format("\n## [%.2f, %.2f)\n\n", BANDS[e.getKey()], BANDS[e.getKey() + 1])).append(String.join("\n", e.getValue())).append('\n');
    }
    Files.writeString(Path.of("target", "semantic-pairs.md"), md);
    assertTrue(ids.size() > 2000, "embedded " + ids.size());
  }

  private static String flat(String s) {
    String one = s.replaceAll("\\s+", " ");
    return one.length() > 300 ? one.substring(0, 300) + "..." : one;
  }
}
