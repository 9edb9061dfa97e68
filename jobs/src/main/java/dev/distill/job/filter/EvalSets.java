package dev.distill.job.filter;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.ingest.RecordMapper;
import dev.distill.job.ingest.RecordReader;
import dev.distill.job.ingest.SourceFiles;
import dev.distill.job.source.EvalSetSpec;
import dev.distill.job.source.SourceSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/** Reads the benchmark sets to decontaminate against (small: read on the driver). */
public final class EvalSets {
  /** One benchmark item: which set, which item (its id field or line), and its question text. */
  public record EvalItem(String set, String item, String question) implements Serializable {}

  public static List<EvalItem> load(List<EvalSetSpec> evalSets, Configuration hadoop) {
    List<EvalItem> items = new ArrayList<>();
    for (EvalSetSpec set : evalSets) {
      for (SourceFiles.InputFile file : SourceFiles.expand(set.source(), hadoop)) {
        readFile(set.name(), set.source(), set.idField(), file.path(), hadoop, items);
      }
    }
    return items;
  }

  /**
   * Checks that every eval set's path matches at least one file, without reading them: what can be
   * known before Spark starts (the keys were checked when the config was read).
   *
   * @throws ConfigException naming the key (and the path) that is wrong
   */
  public static void check(List<EvalSetSpec> evalSets, Configuration hadoop) {
    for (EvalSetSpec set : evalSets) {
      SourceFiles.expand(set.source(), hadoop);
    }
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
