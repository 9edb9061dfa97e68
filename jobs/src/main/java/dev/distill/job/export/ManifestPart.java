package dev.distill.job.export;

import dev.distill.job.io.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * manifest.json, written last: the sha256 and size of every other file of the bundle as it lies
 * on disk, so that a finished manifest means a finished bundle, with the row count, the columns,
 * the run and the token statistics.
 */
final class ManifestPart {
  static final String CHAT_FORMAT = "qwen2.5 chat template with <|im_start|>think / <|im_start|>answer sections (s1)";

  /** Every other file of the bundle, in the manifest's order. */
  static List<String> files() {
    List<String> names = new ArrayList<>(List.of(ExportStage.JSONL, ExportStage.PARQUET, JsonlAndArrowPart.ARROW_DATA,
        HfLayoutPart.INFO, HfLayoutPart.STATE, ExportStage.CARD, RecipePart.RECIPE));
    TrainingRecipe.SCRIPTS.forEach(s -> names.add(RecipePart.script(s)));
    return names;
  }

  /** {@code tokens}: {@link TokenStats#toMap}. */
  static void write(HandoffDir handoff, BundleRun origin, RowTally tally, Map<String, Object> tokens) {
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("rows", tally.rows());
    manifest.put("columns", BundleSchema.COLUMNS);
    manifest.put("files", checksums(handoff));
    manifest.put("run_id", origin.runId());
    manifest.put("config_sha256", origin.configSha256());
    manifest.put("strategy", origin.strategy());
    manifest.put("seed", origin.seed());
    manifest.put("tokens", tokens);
    manifest.put("rows_without_teacher_trace", tally.withoutTrace());
    manifest.put("chat_format", CHAT_FORMAT);
    manifest.put("chat_markers", ChatFormat.MARKERS);
    manifest.put("arrow", Map.of("layout", "datasets.Dataset.save_to_disk", "format", "Arrow IPC stream",
        "record_batch_rows", ExportStage.ARROW_BATCH_ROWS));
    manifest.put("license", origin.license());
    handoff.writeString(ExportStage.MANIFEST, Json.pretty(manifest));
  }

  private static Map<String, Object> checksums(HandoffDir handoff) {
    Map<String, Object> files = new LinkedHashMap<>();
    for (String name : files()) {
      files.put(name, Map.of("sha256", handoff.sha256(name), "bytes", handoff.size(name)));
    }
    return files;
  }

  private ManifestPart() {}
}
