package dev.distill.job.export;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The two JSON files of the {@code datasets.Dataset.save_to_disk} layout beside the Arrow data
 * file, so that {@code datasets.load_from_disk(dir)} opens handoff/arrow/ unchanged:
 * {@code state.json} (data file list, fingerprint, format, split) and {@code dataset_info.json}
 * (features, license, the train split's size).
 */
public final class HfDatasetLayout {
  public static final String DIR = "arrow";
  public static final String DATA_FILE = "data-00000-of-00001.arrow";
  public static final String STATE = "state.json";
  public static final String INFO = "dataset_info.json";

  /** state.json; the fingerprint is the first 16 hex digits of the data file's sha256. */
  public static Map<String, Object> state(String dataSha256) {
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("_data_files", List.of(Map.of("filename", DATA_FILE)));
    state.put("_fingerprint", dataSha256.substring(0, 16));
    state.put("_format_columns", null);
    state.put("_format_kwargs", Map.of());
    state.put("_format_type", null);
    state.put("_output_all_columns", false);
    state.put("_split", "train");
    return state;
  }

  /** dataset_info.json, with only the fields every {@code datasets} version knows. */
  public static Map<String, Object> info(HfFeatures features, String description, String license, long rows, long dataBytes) {
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("citation", "");
    info.put("description", description);
    info.put("features", features.features());
    info.put("homepage", "");
    info.put("license", license);
    Map<String, Object> train = new LinkedHashMap<>();
    train.put("name", "train");
    train.put("num_bytes", dataBytes);
    train.put("num_examples", rows);
    info.put("splits", Map.of("train", train));
    info.put("dataset_size", dataBytes);
    return info;
  }

  private HfDatasetLayout() {}
}
