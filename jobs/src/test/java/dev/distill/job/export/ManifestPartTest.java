package dev.distill.job.export;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** manifest.json written alone over a bundle of stand-in files, each checked against its bytes on disk. */
class ManifestPartTest {
  static final List<String> BUNDLE = List.of("train.jsonl", "train.parquet", "arrow/data-00000-of-00001.arrow",
      "arrow/dataset_info.json", "arrow/state.json", "README.md", "train/recipe.json", "train/train.py", "train/launch.sh");

  @Test
  void manifestListsEveryOtherFileWithItsSha256AndSizeAndTheRun(@TempDir Path run) throws Exception {
    HandoffDir handoff = Bundles.handoff(run);
    for (String name : BUNDLE) {
      handoff.writeString(name, ("content of " + name + "\n").repeat(name.length()));
    }
    RowTally tally = Bundles.tally(Bundles.trainRows("drop").collectAsList());
    Map<String, Object> tokens = tally.tokens().toMap("estimated", "chars/4");

    ManifestPart.write(handoff, new BundleRun(Bundles.RUN_ID, Bundles.CONFIG_SHA, "s1", 42, "mit"), tally, tokens);

    Path dir = run.resolve("handoff");
    JsonNode manifest = Json.MAPPER.readTree(Files.readString(dir.resolve("manifest.json")));
    JsonNode files = manifest.get("files");
    List<String> listed = new ArrayList<>();
    files.fieldNames().forEachRemaining(listed::add);
    assertEquals(BUNDLE, listed);
    assertEquals(new TreeSet<>(BUNDLE), filesOnDisk(dir), "every file but the manifest, nothing else");
    for (String name : BUNDLE) {
      byte[] bytes = Files.readAllBytes(dir.resolve(name));
      assertEquals(Bundles.sha256(bytes), files.get(name).get("sha256").asText(), name);
      assertEquals(bytes.length, files.get(name).get("bytes").asLong(), name);
    }
    assertEquals(5, manifest.get("rows").asLong());
    assertEquals(BundleSchema.COLUMNS, Json.MAPPER.convertValue(manifest.get("columns"), List.class));
    assertEquals(Bundles.RUN_ID, manifest.get("run_id").asText());
    assertEquals(Bundles.CONFIG_SHA, manifest.get("config_sha256").asText());
    assertEquals(42, manifest.get("seed").asLong());
    assertEquals("mit", manifest.get("license").asText());
    assertEquals(1, manifest.get("rows_without_teacher_trace").asLong());
    assertEquals(Json.MAPPER.readTree(Json.compact(tokens)), manifest.get("tokens"));
    assertEquals(1000, manifest.get("arrow").get("record_batch_rows").asInt());
  }

  /** Names under {@code dir}, as the manifest writes them, without manifest.json and the local filesystem's .crc files. */
  private static TreeSet<String> filesOnDisk(Path dir) throws Exception {
    TreeSet<String> names = new TreeSet<>();
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString().replace('\\', '/'))
          .filter(n -> !n.endsWith(".crc") && !n.equals("manifest.json")).forEach(names::add);
    }
    return names;
  }
}
