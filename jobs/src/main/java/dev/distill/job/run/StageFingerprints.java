package dev.distill.job.run;

import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.io.Json;
import dev.distill.job.io.Version;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * What a stage's output depends on, as one sha256: the stage's name, the previous stage's
 * fingerprint, the config sections the stage owns and the files it reads (path, size and
 * modification time). Sections of later stages are not part of an earlier stage's fingerprint, so
 * changing {@code select.seed} reuses everything up to domains; {@code run} and {@code spark} are
 * part of none (where and how a run goes does not change what it computes); a section no stage
 * owns counts for ingest, the first stage, to be safe.
 */
public final class StageFingerprints {
  /** Config sections that never change a stage's output. */
  static final Set<String> NEUTRAL = Set.of("run", "spark");
  static final Map<String, List<String>> SECTIONS = Map.of(
      "ingest", List.of("sources", "sample_pool"),
      "generate", List.of("generate"),
      "quality", List.of("quality"),
      "decontam", List.of("decontam"),
      "dedup", List.of("dedup"),
      "difficulty", List.of("difficulty"),
      "domains", List.of("domains"),
      "select", List.of("select"),
      "export", List.of("export"));

  private final Map<String, Object> tree;
  private final PipelineConfig effective;
  private final Configuration hadoop;
  private Map<String, String> base = Map.of();

  /**
   * {@code tree}: the resolved config as the user wrote it; {@code effective}: the config the stages
   * run with (for the sample pool, with the generated files as sources and eval set).
   */
  public StageFingerprints(Map<String, Object> tree, PipelineConfig effective, Configuration hadoop) {
    this.tree = tree;
    this.effective = effective;
    this.hadoop = hadoop;
  }

  /** The fingerprint of {@code stage}, chained to {@code previous} (null for the first stage). */
  public String of(String stage, String previous) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("stage", stage);
    doc.put("previous", previous);
    doc.put("version", Version.VERSION);
    doc.put("config", sections(stage));
    doc.put("files", stamps(files(stage)));
    if (base.containsKey(stage)) {
      doc.put("base", base.get(stage));
    }
    return Json.canonicalSha256(doc);
  }

  /**
   * What the stage itself brings, not chained to earlier stages: its config sections and files.
   * Equal between two runs, the stage judges a row the same way in both (what an incremental run
   * needs to carry the base run's verdicts over).
   */
  public String own(String stage) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("stage", stage);
    doc.put("version", Version.VERSION);
    doc.put("config", sections(stage));
    doc.put("files", stamps(files(stage)));
    return Json.canonicalSha256(doc);
  }

  /** An incremental run: each stage's fingerprint also covers the base run's commit of that stage. */
  public void chainTo(Map<String, String> baseFingerprints) {
    this.base = Map.copyOf(baseFingerprints);
  }

  Map<String, Object> sections(String stage) {
    Map<String, Object> own = new TreeMap<>();
    for (String section : SECTIONS.getOrDefault(stage, List.of())) {
      own.put(section, tree.get(section));
    }
    if (stage.equals("ingest")) {
      for (Map.Entry<String, Object> e : tree.entrySet()) {
        boolean owned = SECTIONS.values().stream().anyMatch(l -> l.contains(e.getKey()));
        if (!owned && !NEUTRAL.contains(e.getKey())) {
          own.put(e.getKey(), e.getValue());
        }
      }
    }
    return own;
  }

  /** The paths (files, directories or globs) a stage reads besides the previous stage's output. */
  List<String> files(String stage) {
    List<String> paths = new ArrayList<>();
    switch (stage) {
      case "ingest" -> effective.sources().forEach(s -> addIfSet(paths, s.get("path")));
      case "decontam" -> effective.decontam().evalSets().forEach(s -> addIfSet(paths, s.get("path")));
      case "difficulty" -> addIfSet(paths, effective.difficulty().tokenizer());
      case "export" -> addIfSet(paths, effective.export().tokenizer());
      default -> { }
    }
    return paths;
  }

  private static void addIfSet(List<String> paths, Object path) {
    if (path instanceof String s && !s.isBlank()) {
      paths.add(s);
    }
  }

  /** path -> "size@modified" of every file under each pattern; "missing" where nothing matches. */
  Map<String, String> stamps(List<String> patterns) {
    Map<String, String> stamps = new TreeMap<>();
    for (String pattern : patterns) {
      try {
        Path p = new Path(pattern);
        FileSystem fs = p.getFileSystem(hadoop);
        FileStatus[] matches = fs.globStatus(p);
        if (matches == null || matches.length == 0) {
          stamps.put(pattern, "missing");
          continue;
        }
        for (FileStatus m : matches) {
          if (m.isDirectory()) {
            RemoteIterator<LocatedFileStatus> it = fs.listFiles(m.getPath(), true);
            while (it.hasNext()) {
              LocatedFileStatus f = it.next();
              stamps.put(f.getPath().toString(), f.getLen() + "@" + f.getModificationTime());
            }
          } else {
            stamps.put(m.getPath().toString(), m.getLen() + "@" + m.getModificationTime());
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot fingerprint the input " + pattern + ": " + e.getMessage()
            + "; check that the path exists and is readable", e);
      }
    }
    return stamps;
  }
}
