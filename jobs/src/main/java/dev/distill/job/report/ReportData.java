package dev.distill.job.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.io.Json;
import dev.distill.job.io.RunDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * What the report showed, kept beside it ({@code report/data.json}) with a fingerprint of what it
 * was computed from: run.json's bytes and every file (path, length, modification time) under the
 * directories {@link RunReport#load} reads. {@code bin/distill report} renders the page again from
 * it, without starting Spark, while the fingerprint still matches; a re-selection, a rerun or any
 * other change to those files makes it compute the report again.
 */
public final class ReportData {
  public static final String PATH = "report/data.json";
  /** Bumped whenever {@link RunReport}'s shape changes, so an older file is not read into the new shape. */
  static final int VERSION = 1;

  /** The fingerprint of the files the report is computed from, as they are now. */
  public static String fingerprint(RunDirectory run) {
    List<String> lines = new ArrayList<>();
    lines.add(Json.sha256(run.readString(run.runJson()).getBytes(StandardCharsets.UTF_8)));
    for (String dir : List.of(run.root() + "/stages", run.removedRoot(), run.selection(), run.selectionsRoot(), run.quarantine(),
        run.root() + "/review")) {
      lines.addAll(listing(run, dir));
    }
    lines.sort(null);
    return Json.sha256(String.join("\n", lines).getBytes(StandardCharsets.UTF_8));
  }

  /** Keeps {@code report} with the fingerprint taken before it was computed. */
  public static void save(RunDirectory run, String fingerprint, RunReport report) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("version", VERSION);
    doc.put("inputs", fingerprint);
    doc.put("report", report);
    run.writeString(path(run), Json.compact(doc));
  }

  /** The kept report, when there is one of this version and nothing it was computed from has changed since. */
  public static Optional<RunReport> reusable(RunDirectory run) {
    String path = path(run);
    if (!run.exists(path) || !run.exists(run.runJson())) {
      return Optional.empty();
    }
    try {
      JsonNode doc = Json.MAPPER.readTree(run.readString(path));
      if (doc.path("version").asInt() != VERSION || !doc.path("inputs").asText().equals(fingerprint(run))) {
        return Optional.empty();
      }
      return Optional.of(Json.MAPPER.treeToValue(doc.get("report"), RunReport.class));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // unreadable or from another version: the report is computed again
    }
  }

  static String path(RunDirectory run) {
    return run.root() + "/" + PATH;
  }

  private static List<String> listing(RunDirectory run, String dir) {
    List<String> lines = new ArrayList<>();
    try {
      Path p = new Path(dir);
      FileSystem fs = p.getFileSystem(run.hadoop());
      if (!fs.exists(p)) {
        return lines;
      }
      RemoteIterator<LocatedFileStatus> files = fs.listFiles(p, true);
      while (files.hasNext()) {
        LocatedFileStatus f = files.next();
        lines.add(f.getPath() + " " + f.getLen() + " " + f.getModificationTime());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + dir + ": " + e.getMessage(), e);
    }
    return lines;
  }

  private ReportData() {}
}
