package dev.distill.job.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Checks shared by the end-to-end tests: run.json reconciliation and the selection's ids. */
public final class RunAssertions {

  public static JsonNode runJson(Path runDir) throws Exception {
    return Json.MAPPER.readTree(Files.readString(runDir.resolve("run.json")));
  }

  /** rows read = ingested + quarantined; per stage rows_in = rows_out + removed; each stage reads what the previous one kept. */
  public static void assertReconciles(JsonNode run) {
    assertEquals("completed", run.get("status").asText(), "run status");
    JsonNode stages = run.get("stages");
    JsonNode ingest = stages.get(0);
    assertEquals("ingest", ingest.get("name").asText());
    assertEquals(ingest.get("rows_read").asLong(), ingest.get("rows_out").asLong() + ingest.get("quarantined").asLong());
    long previousOut = ingest.get("rows_out").asLong();
    for (int i = 1; i < stages.size(); i++) {
      JsonNode s = stages.get(i);
      long removed = 0;
      for (JsonNode n : s.get("removed")) {
        removed += n.asLong();
      }
      String name = s.get("name").asText();
      if (name.equals("export")) {
        // Export reads the selection and removes only rows over the block size (reason too_long).
        assertEquals(s.get("rows_in").asLong(), s.get("rows_out").asLong() + removed, "export: rows_in = rows_out + removed");
        assertEquals(stages.get(i - 1).get("rows_out").asLong(), s.get("rows_in").asLong(), "export reads the selection");
      } else if (!name.equals("select")) {
        assertEquals(s.get("rows_in").asLong(), s.get("rows_out").asLong() + removed, name + ": rows_in = rows_out + removed");
        assertEquals(previousOut, s.get("rows_in").asLong(), name + " reads what the previous stage kept");
        previousOut = s.get("rows_out").asLong();
      }
    }
  }

  public static List<String> selectedIds(SparkSession spark, Path selectionDir) {
    List<String> ids = new ArrayList<>();
    for (Row r : spark.read().parquet(selectionDir.toString()).orderBy("rank").select("id", "rank").collectAsList()) {
      ids.add(r.getString(0));
    }
    return ids;
  }

  public static long removedCount(JsonNode run, String stage, String reason) {
    for (JsonNode s : run.get("stages")) {
      if (s.get("name").asText().equals(stage)) {
        JsonNode n = s.get("removed").get(reason);
        return n == null ? 0 : n.asLong();
      }
    }
    throw new AssertionError("no stage " + stage);
  }

  private RunAssertions() {}
}
