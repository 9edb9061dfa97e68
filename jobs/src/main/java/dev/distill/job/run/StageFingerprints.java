package dev.distill.job.run;

import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.io.Json;
import dev.distill.job.io.Version;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
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
 * owns counts for the first step, to be safe.
 */
public final class StageFingerprints {
  /** Config sections that never change a stage's output. */
  static final Set<String> NEUTRAL = Set.of("run", "spark");

  private final Map<String, Object> tree;
  private final PipelineConfig effective;
  private final Plan plan;
  private final Configuration hadoop;
  private Map<String, String> base = Map.of();

  /**
   * {@code tree}: the resolved config as the user wrote it; {@code effective}: the config the stages
   * run with (for the sample pool, with the generated files as sources and eval set).
   */
  public StageFingerprints(Map<String, Object> tree, PipelineConfig effective, Plan plan, Configuration hadoop) {
    this.tree = tree;
    this.effective = effective;
    this.plan = plan;
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
    for (String section : plan.step(stage).sections()) {
      own.put(section, tree.get(section));
    }
    if (plan.first().name().equals(stage)) {
      for (Map.Entry<String, Object> e : tree.entrySet()) {
        boolean owned = Stream.concat(plan.steps().stream(), Plan.all(null).steps().stream()).anyMatch(s -> s.sections().contains(e.getKey()));
        if (!owned && !NEUTRAL.contains(e.getKey())) {
          own.put(e.getKey(), e.getValue());
        }
      }
    }
    return own;
  }

  /** The paths (files, directories or globs) a stage reads besides the previous stage's output. */
  List<String> files(String stage) {
    return plan.step(stage).files(effective);
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
