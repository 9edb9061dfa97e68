package dev.distill.job.export;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.io.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;

/**
 * Checks a handoff bundle end to end, as the training side would before spending GPU time: every
 * file the manifest lists is there with its size and sha256; train.jsonl, train.parquet and the
 * Arrow stream each hold the manifest's row count; every row of train.jsonl and of the Arrow file
 * has the s1 chat markers, and both carry the same {@code text}; arrow/'s state.json and
 * dataset_info.json describe the manifest's columns. Every problem is listed, not just the first.
 */
public final class HandoffVerifier {
  /** Files a bundle must list in its manifest. */
  static final List<String> REQUIRED = List.of(ExportStage.JSONL, ExportStage.PARQUET,
      HfDatasetLayout.DIR + "/" + HfDatasetLayout.DATA_FILE, HfDatasetLayout.DIR + "/" + HfDatasetLayout.STATE,
      HfDatasetLayout.DIR + "/" + HfDatasetLayout.INFO, ExportStage.CARD, TrainingRecipe.DIR + "/" + TrainingRecipe.RECIPE);
  private static final int MAX_ROW_PROBLEMS = 20;

  /** What a check found: the rows the manifest promises and every problem, each naming its file (and row). */
  public record Result(String dir, long rows, List<String> problems) {
    public boolean ok() {
      return problems.isEmpty();
    }
  }

  private final String dir;
  private final FileSystem fs;
  private final List<String> problems = new ArrayList<>();
  private int rowProblems;

  private HandoffVerifier(String dir, FileSystem fs) {
    this.dir = dir.endsWith("/") ? dir.substring(0, dir.length() - 1) : dir;
    this.fs = fs;
  }

  public static Result verify(String dir, Configuration hadoop) {
    try {
      FileSystem fs = new Path(dir).getFileSystem(hadoop);
      // Read the bytes as they are: a local checksummed filesystem would refuse an edited file
      // before the sha256 could say which one it is.
      if (fs instanceof ChecksumFileSystem checksummed) {
        fs = checksummed.getRawFileSystem();
      }
      return new HandoffVerifier(dir, fs).run();
    } catch (IOException e) {
      return new Result(dir, -1, List.of("Cannot open " + dir + ": " + e.getMessage()));
    }
  }

  private Result run() {
    JsonNode manifest = readManifest();
    if (manifest == null) {
      return new Result(dir, -1, problems);
    }
    long rows = manifest.path("rows").asLong(-1);
    if (rows < 0) {
      problem(ExportStage.MANIFEST + ": no row count (\"rows\"); re-export the bundle");
    }
    JsonNode files = manifest.path("files");
    for (String required : REQUIRED) {
      if (!files.has(required)) {
        problem(ExportStage.MANIFEST + ": " + required + " is not listed; re-export the bundle");
      }
    }
    Iterator<String> names = files.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      checkFile(name, files.get(name));
    }
    List<String> columns = new ArrayList<>();
    manifest.path("columns").forEach(c -> columns.add(c.asText()));
    List<String> jsonlTexts = checkJsonl(rows, columns);
    checkParquet(rows);
    checkArrow(rows, columns, jsonlTexts);
    return new Result(dir, rows, List.copyOf(problems));
  }

  private JsonNode readManifest() {
    String path = dir + "/" + ExportStage.MANIFEST;
    try {
      if (!fs.exists(new Path(path))) {
        problem("Cannot verify " + dir + ": no " + ExportStage.MANIFEST + " there; pass a handoff directory (<run>/handoff) of a completed run");
        return null;
      }
      return Json.MAPPER.readTree(read(path));
    } catch (IOException e) {
      problem(ExportStage.MANIFEST + ": not valid JSON (" + firstLine(e.getMessage()) + "); re-export the bundle");
      return null;
    }
  }

  private void checkFile(String name, JsonNode entry) {
    Path path = new Path(dir + "/" + name);
    try {
      if (!fs.exists(path)) {
        problem(name + ": missing (listed in " + ExportStage.MANIFEST + ")");
        return;
      }
      long bytes = fs.getFileStatus(path).getLen();
      long expected = entry.path("bytes").asLong(-1);
      if (bytes != expected) {
        problem(name + ": " + bytes + " bytes, the manifest says " + expected + (bytes < expected ? " (truncated)" : ""));
      }
      String sha;
      try (InputStream in = fs.open(path)) {
        sha = Json.sha256(in);
      }
      if (!sha.equals(entry.path("sha256").asText())) {
        problem(name + ": sha256 " + sha + " does not match the manifest's " + entry.path("sha256").asText());
      }
    } catch (IOException e) {
      problem(name + ": cannot read (" + e.getMessage() + ")");
    }
  }

  /** train.jsonl: row count, columns and markers; returns the texts for the Arrow comparison (null when unreadable). */
  private List<String> checkJsonl(long rows, List<String> columns) {
    String path = dir + "/" + ExportStage.JSONL;
    List<String> texts = new ArrayList<>();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(fs.open(new Path(path)), StandardCharsets.UTF_8))) {
      String line;
      int n = 0;
      while ((line = in.readLine()) != null) {
        n++;
        JsonNode row;
        try {
          row = Json.MAPPER.readTree(line);
        } catch (IOException e) {
          rowProblem(ExportStage.JSONL + " line " + n + ": not valid JSON (" + firstLine(e.getMessage()) + ")");
          texts.add(null);
          continue;
        }
        for (String column : columns) {
          if (row == null || !row.has(column)) {
            rowProblem(ExportStage.JSONL + " line " + n + ": no column " + column);
          }
        }
        String text = row == null || !row.path("text").isTextual() ? null : row.get("text").asText();
        checkMarkers(ExportStage.JSONL + " line " + n, text, row != null && row.path("truncated").asBoolean(false));
        texts.add(text);
      }
      if (n != rows) {
        problem(ExportStage.JSONL + ": " + n + " rows, the manifest says " + rows);
      }
      return texts;
    } catch (IOException e) {
      problem(ExportStage.JSONL + ": cannot read (" + e.getMessage() + ")");
      return null;
    }
  }

  private void checkParquet(long rows) {
    Path path = new Path(dir + "/" + ExportStage.PARQUET);
    Configuration conf = new Configuration(fs.getConf());
    if (fs instanceof RawLocalFileSystem) {
      // Parquet opens its own filesystem: make it the raw one too (no .crc check before ours).
      conf.set("fs.file.impl", RawLocalFileSystem.class.getName());
      conf.setBoolean("fs.file.impl.disable.cache", true);
    }
    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(path, conf))) {
      long n = reader.getRecordCount();
      if (n != rows) {
        problem(ExportStage.PARQUET + ": " + n + " rows, the manifest says " + rows);
      }
    } catch (IOException | RuntimeException e) {
      problem(ExportStage.PARQUET + ": cannot read as Parquet (" + firstLine(e.getMessage()) + ")");
    }
  }

  private void checkArrow(long rows, List<String> columns, List<String> jsonlTexts) {
    checkArrowLayout(columns);
    checkArrowStream(rows, columns, jsonlTexts);
  }

  /** state.json names the data file; dataset_info.json's features are the manifest's columns. */
  private void checkArrowLayout(List<String> columns) {
    String arrowDir = dir + "/" + HfDatasetLayout.DIR;
    try {
      JsonNode state = Json.MAPPER.readTree(read(arrowDir + "/" + HfDatasetLayout.STATE));
      JsonNode dataFiles = state.path("_data_files");
      if (dataFiles.size() != 1 || !HfDatasetLayout.DATA_FILE.equals(dataFiles.get(0).path("filename").asText())) {
        problem(HfDatasetLayout.DIR + "/" + HfDatasetLayout.STATE + ": _data_files should list " + HfDatasetLayout.DATA_FILE + " but is " + dataFiles);
      }
      JsonNode info = Json.MAPPER.readTree(read(arrowDir + "/" + HfDatasetLayout.INFO));
      List<String> features = new ArrayList<>();
      info.path("features").fieldNames().forEachRemaining(features::add);
      if (!features.equals(columns)) {
        problem(HfDatasetLayout.DIR + "/" + HfDatasetLayout.INFO + ": features " + features + " differ from the manifest's columns " + columns);
      }
    } catch (IOException e) {
      problem(HfDatasetLayout.DIR + ": cannot read state.json or dataset_info.json (" + firstLine(e.getMessage()) + ")");
    }
  }

  /** The data file: columns, row count, markers, and the same texts as train.jsonl. */
  private void checkArrowStream(long rows, List<String> columns, List<String> jsonlTexts) {
    String name = HfDatasetLayout.DIR + "/" + HfDatasetLayout.DATA_FILE;
    long n = 0;
    try (BufferAllocator allocator = new RootAllocator();
        InputStream in = fs.open(new Path(dir + "/" + name));
        ArrowStreamReader reader = new ArrowStreamReader(in, allocator)) {
      VectorSchemaRoot root = reader.getVectorSchemaRoot();
      List<String> fields = root.getSchema().getFields().stream().map(Field::getName).toList();
      if (!fields.equals(columns)) {
        problem(name + ": columns " + fields + " differ from the manifest's " + columns);
        return;
      }
      while (reader.loadNextBatch()) {
        VarCharVector text = (VarCharVector) root.getVector("text");
        BitVector truncated = (BitVector) root.getVector("truncated");
        for (int i = 0; i < root.getRowCount(); i++) {
          String value = text.isNull(i) ? null : new String(text.get(i), StandardCharsets.UTF_8);
          String where = name + " row " + (n + 1);
          checkMarkers(where, value, !truncated.isNull(i) && truncated.get(i) == 1);
          if (jsonlTexts != null && n < jsonlTexts.size() && value != null && !value.equals(jsonlTexts.get((int) n))) {
            rowProblem(where + ": text differs from " + ExportStage.JSONL + " line " + (n + 1));
          }
          n++;
        }
      }
    } catch (IOException | RuntimeException e) {
      problem(name + ": cannot read the Arrow stream after " + n + " rows (" + firstLine(String.valueOf(e.getMessage())) + "); truncated or corrupt");
      return;
    }
    if (n != rows) {
      problem(name + ": " + n + " rows, the manifest says " + rows);
    }
  }

  private void checkMarkers(String where, String text, boolean truncated) {
    String missing = ChatFormat.missingMarker(text, truncated);
    if (missing != null) {
      rowProblem(where + ": text lacks the " + ChatFormat.markerName(missing) + " marker " + Json.compact(missing)
          + (text == null ? " (no text)" : ""));
    }
  }

  private void rowProblem(String message) {
    rowProblems++;
    if (rowProblems <= MAX_ROW_PROBLEMS) {
      problem(message);
    } else if (rowProblems == MAX_ROW_PROBLEMS + 1) {
      problem("... more row problems left out");
    }
  }

  private void problem(String message) {
    problems.add(message);
  }

  private String read(String path) throws IOException {
    try (InputStream in = fs.open(new Path(path))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
