package dev.distill.job.embed;

import static dev.distill.job.SparkTestSession.candidate;
import static dev.distill.job.SparkTestSession.candidates;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.distill.job.SparkTestSession;
import dev.distill.job.api.StageContext;
import dev.distill.job.api.StageRunner;
import dev.distill.job.io.StageResult;
import dev.distill.job.schema.Columns;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbedStageTest {
  @TempDir
  Path tmp;

  private static final List<String> QUESTIONS = List.of(
      "What is the sum of all positive divisors of 36?",
      "A train travels 120 miles in 2 hours. What is its average speed?",
      "Find the area of a circle with radius 5.");

  private StageContext context(String runId, String... more) {
    String[] overrides = new String[more.length + 2];
    overrides[0] = "embeddings.enabled=true";
    overrides[1] = "run.output='" + tmp.resolve("out") + "'";
    System.arraycopy(more, 0, overrides, 2, more.length);
    return SparkTestSession.context(tmp.resolve("out").resolve(runId), overrides);
  }

  private static Dataset<Row> pool(List<String> questions) {
    return candidates(questions.stream().map(q -> candidate(q).row()).toList());
  }

  @Test
  void embedsEachQuestionOnceAndASecondRunOnlyTheNewOnes() {
    // A copy of the first question up to formatting: the same content id, embedded once.
    List<String> first = List.of(QUESTIONS.get(0), QUESTIONS.get(1), "what is the SUM of all positive divisors of 36 ?");
    StageContext one = context("run-1");
    StageResult r1 = StageRunner.run(new EmbedStage(), one, pool(first));
    assertEquals(3, r1.rowsIn());
    assertEquals(3, r1.rowsOut(), "embed removes nothing");
    assertEquals(2L, r1.extra().get("embedded"));
    assertEquals(0L, r1.extra().get("cached"));

    StageContext two = context("run-2");
    StageResult r2 = StageRunner.run(new EmbedStage(), two, pool(QUESTIONS));
    assertEquals(1L, r2.extra().get("embedded"), "only the question run-1 did not see");
    assertEquals(2L, r2.extra().get("cached"));

    StageResult r3 = StageRunner.run(new EmbedStage(), context("run-3", "run.partitions=3"), pool(QUESTIONS));
    assertEquals(0L, r3.extra().get("embedded"), "a rerun embeds nothing");
    assertEquals(3L, r3.extra().get("cached"));

    Map<String, float[]> vectors = new HashMap<>();
    for (Row r : Embeddings.read(two).collectAsList()) {
      vectors.put(r.getString(0), Embeddings.vector(r, 1));
    }
    assertEquals(3, vectors.size(), "one vector per content id");
    SentenceEncoder encoder = ExecutorEncoders.get(Embeddings.model(two), 1);
    for (Row r : pool(QUESTIONS).select(Columns.ID, Columns.QUESTION).collectAsList()) {
      assertEquals(1.0, Vectors.dot(vectors.get(r.getString(0)), encoder.embed(r.getString(1))), 1e-6,
          "the cached vector of " + r.getString(1) + " is its embedding");
    }
    assertEquals(3, SparkTestSession.get().read().parquet(two.run().stage(EmbedStage.NAME)).count(), "the candidates pass through");
  }

  @Test
  void anotherModelHasItsOwnCache() {
    StageRunner.run(new EmbedStage(), context("run-a"), pool(QUESTIONS));
    StageResult q = StageRunner.run(new EmbedStage(), context("run-b", "embeddings.model=all-minilm-l6-v2-q"), pool(QUESTIONS));
    assertEquals(3L, q.extra().get("embedded"));
    assertEquals(0L, q.extra().get("cached"));
  }
}
