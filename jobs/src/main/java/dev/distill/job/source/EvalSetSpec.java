package dev.distill.job.source;

import dev.distill.job.error.ConfigException;
import dev.distill.job.error.KeySuggestions;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One eval set to decontaminate against ({@code decontam.eval_sets[i]}), validated: its name, the
 * files as a source whose only field is the question, and the field that names an item.
 */
public record EvalSetSpec(String name, SourceSpec source, String idField) implements Serializable {
  public static final List<String> KEYS = List.of("name", "path", "question", "format", "records", "id_field");

  public String keyPath() {
    return source.keyPath();
  }

  public List<String> paths() {
    return source.paths();
  }

  /** Reads and validates one eval set; {@code key}: where it is, e.g. {@code decontam.eval_sets[0]}. */
  public static EvalSetSpec fromMap(Map<String, Object> set, String key) {
    for (String k : set.keySet()) {
      if (!KEYS.contains(k)) {
        throw ConfigException.forKey(key + "." + k, "unknown key", KeySuggestions.didYouMean(k, KEYS, key) + "valid keys under " + key
            + " are " + KEYS + " (see conf/pipeline.yaml)");
      }
    }
    if (set.get("name") == null || set.get("question") == null) {
      throw ConfigException.forKey(key, "name and question are required", "write e.g. {name: math500, path: ..., question: problem}");
    }
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("name", String.valueOf(set.get("name")));
    spec.put("path", set.get("path"));
    spec.put("format", set.getOrDefault("format", "auto"));
    if (set.containsKey("records")) {
      spec.put("records", set.get("records"));
    }
    spec.put("fields", Map.of("question", set.get("question")));
    String idField = set.get("id_field") == null ? null : String.valueOf(set.get("id_field"));
    return new EvalSetSpec(String.valueOf(set.get("name")), SourceSpec.fromMap(spec, key), idField);
  }
}
