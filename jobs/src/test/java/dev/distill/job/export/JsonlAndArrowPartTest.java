package dev.distill.job.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.io.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train.jsonl and the Arrow data file written alone, from a one-shot iterator like toLocalIterator's. */
class JsonlAndArrowPartTest {

  @Test
  void onePassWritesTheKeptRowsInRankOrderToBothFilesAndTalliesEveryRow(@TempDir Path run) throws Exception {
    List<Row> built = Bundles.trainRows("drop").collectAsList();
    List<String> keptQuestions = built.stream().filter(r -> r.isNullAt(r.fieldIndex(TrainRowBuilder.REASON)))
        .map(r -> r.<String>getAs("question")).toList();
    assertEquals(5, keptQuestions.size(), "the long row is dropped");
    Iterator<Row> once = built.iterator();
    RowTally tally = new RowTally(new TokenStats(400, TooLongPolicy.DROP));

    double seconds = JsonlAndArrowPart.write(Bundles.handoff(run), once, tally);

    assertFalse(once.hasNext(), "every row read");
    assertTrue(seconds >= 0);
    Path handoff = run.resolve("handoff");
    List<String> lines = Files.readAllLines(handoff.resolve(ExportStage.JSONL), StandardCharsets.UTF_8);
    List<String> jsonlQuestions = new ArrayList<>();
    for (String line : lines) {
      JsonNode row = Json.MAPPER.readTree(line);
      List<String> keys = new ArrayList<>();
      row.fieldNames().forEachRemaining(keys::add);
      assertEquals(BundleSchema.COLUMNS, keys, "the bundle's columns, in order, and no helper column");
      assertTrue(row.get("cot").isNull());
      jsonlQuestions.add(row.get("question").asText());
    }
    assertEquals(keptQuestions, jsonlQuestions, "rank order");

    List<Schema> schema = new ArrayList<>();
    List<List<Object>> arrow = ExportStageTest.arrowRows(handoff.resolve(JsonlAndArrowPart.ARROW_DATA), schema);
    assertEquals(BundleSchema.COLUMNS, schema.get(0).getFields().stream().map(Field::getName).toList());
    int question = BundleSchema.COLUMNS.indexOf("question");
    int text = BundleSchema.COLUMNS.indexOf("text");
    assertEquals(keptQuestions, arrow.stream().map(r -> (String) r.get(question)).toList());
    for (int i = 0; i < lines.size(); i++) {
      assertEquals(Json.MAPPER.readTree(lines.get(i)).get("text").asText(), arrow.get(i).get(text), "row " + i);
    }

    assertEquals(5, tally.rows());
    assertEquals(1, tally.tokens().dropped());
    assertEquals(1, tally.withoutTrace());
    assertEquals(Map.of("11", 4L, "51", 1L), tally.domains());
    try (Stream<Path> files = Files.walk(handoff)) {
      assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "temporary files moved into place");
    }
  }
}
