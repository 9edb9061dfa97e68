package dev.distill.job.filter;

import static dev.distill.job.SparkTestSession.candidate;
import static dev.distill.job.SparkTestSession.candidates;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.job.SharedPaths;
import dev.distill.job.SparkTestSession;
import dev.distill.job.api.StageContext;
import dev.distill.job.api.StageRunner;
import dev.distill.job.embed.EmbedStage;
import dev.distill.job.embed.Paraphraser;
import dev.distill.job.io.StageResult;
import dev.distill.job.schema.Columns;
import dev.distill.udf.text.NGrams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embed step and decontam on real data, with the default thresholds: every MATH500 problem of
 * the public pool's MATH test set is still removed, and paraphrases of MATH500 items planted by
 * the test (reworded and reordered by {@link Paraphraser}, numbers kept, sharing no 8-gram with
 * their item, so only meaning can find them) are removed as paraphrased_eval naming their item.
 * A subset of the pool: embedding all 77,000 rows on two cores takes too long for the suite.
 */
class SemanticDecontamIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PLANTED = 40;
  /** The share of planted paraphrases removed as paraphrased_eval at the default thresholds (measured 0.866 of those 8-grams miss: README). */
  private static final double MIN_RECALL = 0.75;

  @TempDir
  Path tmp;

  @Test
  void math500IsStillFlaggedAndPlantedParaphrasesAreRemovedByMeaning() throws IOException {
    Path data = SharedPaths.dataRoot();
    assumeTrue(Files.isDirectory(data.resolve("pool")), data + "/pool not found: skipping the semantic decontamination test (set DISTILL_DATA)");
    Map<String, String> math500 = new LinkedHashMap<>();
    for (JsonNode n : jsonl(data.resolve("eval/math500.jsonl"))) {
      math500.put(n.get("unique_id").asText(), n.get("problem").asText());
    }
    List<Row> rows = new ArrayList<>();
    Map<String, String> poolCopies = new HashMap<>();
    for (JsonNode n : jsonl(data.resolve("pool/math/math_test_answers.jsonl"))) {
      if (math500.containsKey(n.get("unique_id").asText())) {
        var c = candidate(n.get("problem").asText()).source("math/test", 0);
        poolCopies.put(c.origin(), n.get("unique_id").asText());
        rows.add(c.row());
      }
    }
    Map<String, String> planted = new HashMap<>();
    for (Map.Entry<String, String> e : math500.entrySet()) {
      String p = Paraphraser.paraphrase(e.getValue());
      if (planted.size() < PLANTED && !sharesNgram(p, e.getValue())) {
        var c = candidate(p).source("planted", 1);
        planted.put(c.origin(), e.getKey());
        rows.add(c.row());
      }
    }
    List<JsonNode> gsm = jsonl(data.resolve("pool/gsm8k/train.jsonl"));
    for (int i = 0; i < 100; i++) {
      rows.add(candidate(gsm.get(i * 70).get("question").asText()).source("gsm8k/train", 2).row());
    }
    assertEquals(500, poolCopies.size(), "MATH500 is a subset of the pool's MATH test set");
    assertEquals(PLANTED, planted.size());

    StageContext context = SparkTestSession.context(tmp.resolve("out/run"), "embeddings.enabled=true", "run.output='" + tmp.resolve("out") + "'",
        "decontam.eval_sets=[{name: math500, path: '" + data.resolve("eval/math500.jsonl") + "', question: problem, id_field: unique_id}]");
    StageResult embedded = StageRunner.run(new EmbedStage(), context, candidates(rows));
    assertEquals(rows.size(), embedded.rowsOut());
    StageResult result = StageRunner.run(new DecontamStage(), context, SparkTestSession.get().read().parquet(context.run().stage(EmbedStage.NAME)));
    assertEquals(0L, result.extra().get("questions_embedded_here"), "the embed step embedded every candidate");

    Map<String, String[]> removed = new HashMap<>();
    for (Row r : SparkTestSession.get().read().parquet(context.run().removed(DecontamStage.NAME))
        .select(Columns.ORIGIN, Columns.REASON, Columns.DETAIL).collectAsList()) {
      removed.put(r.getString(0), new String[] {r.getString(1), r.getString(2)});
    }
    for (Map.Entry<String, String> c : poolCopies.entrySet()) {
      assertTrue(removed.containsKey(c.getKey()), "MATH500 " + c.getValue() + " is flagged");
    }
    int byMeaning = 0;
    for (Map.Entry<String, String> p : planted.entrySet()) {
      String[] verdict = removed.get(p.getKey());
      if (verdict != null && DecontamStage.PARAPHRASED_EVAL.equals(verdict[0])) {
        assertTrue(verdict[1].startsWith("math500:" + p.getValue() + " cosine "), "the detail names the planted item: " + Arrays.toString(verdict));
        byMeaning++;
      }
    }
    assertTrue(byMeaning >= MIN_RECALL * PLANTED, byMeaning + " of " + PLANTED + " planted paraphrases removed as paraphrased_eval");
    long gsmRemoved = removed.keySet().stream().filter(o -> !poolCopies.containsKey(o) && !planted.containsKey(o)).count();
    assertTrue(gsmRemoved <= 2, gsmRemoved + " of 100 GSM8K questions (none of them a MATH500 item) removed");
  }

  private static boolean sharesNgram(String a, String b) {
    long[] ga = NGrams.sortedDistinct(NGrams.hashes(a, 8));
    long[] gb = NGrams.sortedDistinct(NGrams.hashes(b, 8));
    return NGrams.intersectionSize(ga, gb) > 0;
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
}
