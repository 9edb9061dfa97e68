package dev.distill.job.filter;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.error.ConfigException;
import dev.distill.job.conf.ConfigLoader;
import dev.distill.job.ingest.RecordMapper;
import dev.distill.job.ingest.RecordReader;
import dev.distill.job.ingest.SourceFiles;
import dev.distill.job.ingest.SourceSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/** Reads the benchmark sets to decontaminate against (small: read on the driver). */
public final class EvalSets {
  static final Set<String> KEYS = Set.of("name", "path", "question", "format", "records", "id_field");

  /** One benchmark item: which set, which item (its id field or line), and its question text. */
  public record EvalItem(String set, String item, String question) implements Serializable {}

  public static List<EvalItem> load(List<Map<String, Object>> evalSets, Configuration hadoop) {
    List<EvalItem> items = new ArrayList<>();
    for (int i = 0; i < evalSets.size(); i++) {
      Map<String, Object> set = evalSets.get(i);
      String key = "decontam.eval_sets[" + i + "]";
      Map<String, Object> spec = spec(set, key);
      SourceSpec source = SourceSpec.fromMap(spec, key);
      String idField = set.get("id_field") == null ? null : String.valueOf(set.get("id_field"));
      for (SourceFiles.InputFile file : SourceFiles.expand(spec, key, hadoop)) {
        readFile(String.valueOf(set.get("name")), source, idField, file.path(), hadoop, items);
      }
    }
    return items;
  }

  /**
   * Checks every eval set's keys and that its path matches at least one file, without reading
   * them: what can be known before Spark starts.
   *
   * @throws ConfigException naming the key (and the path) that is wrong
   */
  public static void check(List<Map<String, Object>> evalSets, Configuration hadoop) {
    for (int i = 0; i < evalSets.size(); i++) {
      String key = "decontam.eval_sets[" + i + "]";
      Map<String, Object> spec = spec(evalSets.get(i), key);
      SourceSpec.fromMap(spec, key);
      SourceFiles.expand(spec, key, hadoop);
    }
  }

  /** An eval set as a source spec: its question field only. */
  private static Map<String, Object> spec(Map<String, Object> set, String key) {
    for (String k : set.keySet()) {
      if (!KEYS.contains(k)) {
        throw ConfigException.forKey(key + "." + k, "unknown key", ConfigLoader.suggest(k, KEYS, key));
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
    return spec;
  }

  private static void readFile(String name, SourceSpec source, String idField, String file, Configuration hadoop, List<EvalItem> items) {
    Path path = new Path(file);
    String shortName = path.getName();
    try (InputStream in = path.getFileSystem(hadoop).open(path)) {
      RecordReader.read(file, in, source, new RecordReader.RecordSink() {
        @Override
        public void record(JsonNode record, long line, long index) {
          String id = idField != null && record.hasNonNull(idField) ? record.get(idField).asText() : shortName + ":" + (line > 0 ? line : index);
          try {
            items.add(new EvalItem(name, id, RecordMapper.map(source, record, file + "#" + line).question()));
          } catch (RuntimeException e) {
            throw new IllegalArgumentException("Cannot read eval set " + name + ": " + file + " line " + line + ": "
                + e.getMessage() + "; fix the question field expression of this eval set", e);
          }
        }

        @Override
        public void unreadable(long line, String error, String rawSnippet) {
          throw new IllegalArgumentException("Cannot read eval set " + name + ": " + file + " line " + line + " is not readable ("
              + error + "); an eval set must be read whole or decontamination is incomplete");
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read eval set " + name + " file " + file + ": " + e.getMessage(), e);
    }
  }

  private EvalSets() {}
}
