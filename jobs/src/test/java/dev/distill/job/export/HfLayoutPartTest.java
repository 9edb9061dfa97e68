package dev.distill.job.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.io.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** arrow/state.json and arrow/dataset_info.json written alone, beside a stand-in data file. */
class HfLayoutPartTest {

  @Test
  void stateNamesTheDataFileAndItsShaAndInfoItsSizeRowsAndRun(@TempDir Path run) throws Exception {
    HandoffDir handoff = Bundles.handoff(run);
    byte[] data = "stand-in for an Arrow stream".getBytes(StandardCharsets.UTF_8);
    handoff.writeBytes(JsonlAndArrowPart.ARROW_DATA, data);

    HfLayoutPart.write(handoff, new BundleRun("run-7", Bundles.CONFIG_SHA, "diverse", 9, "cc-by-4.0"), 123);

    Path arrow = run.resolve("handoff/arrow");
    JsonNode state = Json.MAPPER.readTree(Files.readString(arrow.resolve("state.json")));
    assertEquals(1, state.get("_data_files").size());
    assertEquals("data-00000-of-00001.arrow", state.get("_data_files").get(0).get("filename").asText());
    assertEquals(Bundles.sha256(data).substring(0, 16), state.get("_fingerprint").asText());
    assertEquals("train", state.get("_split").asText());

    JsonNode info = Json.MAPPER.readTree(Files.readString(arrow.resolve("dataset_info.json")));
    assertEquals("distill selection run-7 (diverse, seed 9), s1 chat format in `text`", info.get("description").asText());
    assertEquals("cc-by-4.0", info.get("license").asText());
    assertEquals(123, info.get("splits").get("train").get("num_examples").asLong());
    assertEquals(data.length, info.get("splits").get("train").get("num_bytes").asLong());
    assertEquals(data.length, info.get("dataset_size").asLong());
    List<String> features = new ArrayList<>();
    info.get("features").fieldNames().forEachRemaining(features::add);
    assertEquals(BundleSchema.COLUMNS, features);
    assertTrue(Files.readString(arrow.resolve("state.json")).endsWith("}\n"), "pretty JSON with a final newline");
  }
}
