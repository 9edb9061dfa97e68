package dev.distill.job.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.distill.job.SparkTestSession;
import dev.distill.job.schema.Columns;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class JaccardVerifierTest {
  private static final String BASE = "one two three four five six seven eight nine ten";

  @Test
  void keepsThePairsAtOrAboveTheThreshold() {
    // 1-word shingles: "near" shares 9 of 11 words with BASE (0.818), "far" 5 of 15 (0.333).
    Map<String, String> questions = Map.of("base", BASE, "near", BASE.replace("ten", "eleven"), "far",
        "one two three four five alpha beta gamma delta epsilon", "copy", BASE);
    List<String> pairs = List.of("base|near", "base|far", "copy|base");
    assertEquals(List.of("base|near", "copy|base"), verified(new JaccardVerifier(0.8, 1), pairs, questions));
    assertEquals(List.of("copy|base"), verified(new JaccardVerifier(0.82, 1), pairs, questions));
  }

  @Test
  void theThresholdItselfIsANearDuplicate() {
    // 2 of 4 one-word shingles shared: exactly 0.5.
    Map<String, String> questions = Map.of("x", "red green blue", "y", "red green yellow");
    assertEquals(List.of("x|y"), verified(new JaccardVerifier(0.5, 1), List.of("x|y"), questions));
  }

  private static List<String> verified(JaccardVerifier verifier, List<String> pairs, Map<String, String> questions) {
    List<Row> pairRows = new ArrayList<>();
    pairs.forEach(p -> pairRows.add(RowFactory.create((Object[]) p.split("\\|"))));
    List<Row> questionRows = new ArrayList<>();
    questions.forEach((id, q) -> questionRows.add(RowFactory.create(id, q)));
    Dataset<Row> candidates = SparkTestSession.get().createDataFrame(pairRows,
        new StructType().add("a", DataTypes.StringType).add("b", DataTypes.StringType));
    Dataset<Row> rows = SparkTestSession.get().createDataFrame(questionRows,
        new StructType().add(Columns.ID, DataTypes.StringType).add(Columns.QUESTION, DataTypes.StringType));
    return verifier.verified(candidates, rows).orderBy("a", "b").collectAsList().stream()
        .map(r -> r.getString(0) + "|" + r.getString(1)).toList();
  }
}
