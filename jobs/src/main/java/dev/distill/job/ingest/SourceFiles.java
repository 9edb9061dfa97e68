package dev.distill.job.ingest;

import dev.distill.job.error.ConfigException;
import dev.distill.job.source.SourceFormat;
import dev.distill.job.source.SourceSpec;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/** Expands a source's {@code path} (file, directory, glob, or a list of them) into data files, sorted. */
public final class SourceFiles {

  /** One input file and its size, as listed in run.json. */
  public record InputFile(String path, long bytes) implements Serializable {}

  public static List<InputFile> expand(SourceSpec source, Configuration hadoop) {
    String keyPath = source.keyPath();
    List<String> patterns = source.paths().stream().filter(p -> !p.isBlank()).toList();
    if (patterns.isEmpty()) {
      throw new ConfigException("Cannot read config key " + keyPath + ".path: it is missing; give the file, directory or glob of the source");
    }
    TreeSet<String> seen = new TreeSet<>();
    List<InputFile> files = new ArrayList<>();
    for (String pattern : patterns) {
      List<InputFile> matched = expandOne(pattern, hadoop);
      if (matched.isEmpty()) {
        throw new ConfigException("Cannot read " + (keyPath.startsWith("decontam.") ? "eval set " : "source ") + source.name()
            + " (" + keyPath + ".path): no file matches " + pattern + "; " + fix(pattern));
      }
      for (InputFile f : matched) {
        if (seen.add(f.path())) {
          files.add(f);
        }
      }
    }
    files.sort((a, b) -> a.path().compareTo(b.path()));
    return files;
  }

  private static String fix(String pattern) {
    Path path = new Path(pattern);
    String fix = "fix the path in the config or put the file there";
    if (path.toUri().getScheme() == null && !path.isAbsolute()) {
      fix += " (a relative path starts from the directory distill runs in, " + java.nio.file.Path.of("").toAbsolutePath() + ")";
    }
    return fix + (pattern.contains("shared/data") ? "; set DISTILL_DATA to the data root" : "");
  }

  private static List<InputFile> expandOne(String pattern, Configuration hadoop) {
    List<InputFile> out = new ArrayList<>();
    try {
      Path path = new Path(pattern);
      FileSystem fs = path.getFileSystem(hadoop);
      FileStatus[] matches = fs.globStatus(path);
      if (matches == null) {
        return out;
      }
      for (FileStatus status : matches) {
        if (status.isDirectory()) {
          RemoteIterator<LocatedFileStatus> it = fs.listFiles(status.getPath(), true);
          while (it.hasNext()) {
            LocatedFileStatus f = it.next();
            if (isDataFile(f.getPath())) {
              out.add(new InputFile(f.getPath().toString(), f.getLen()));
            }
          }
        } else if (isDataFile(status.getPath())) {
          out.add(new InputFile(status.getPath().toString(), status.getLen()));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + pattern + ": " + e.getMessage(), e);
    }
    return out;
  }

  private static boolean isDataFile(Path p) {
    String name = p.getName();
    return !name.startsWith("_") && !name.startsWith(".") && !name.endsWith(".crc");
  }

  /** Parquet is read by Spark; every other format by {@link RecordReader}. */
  public static boolean isParquet(SourceSpec source, String file) {
    if (source.format() != SourceFormat.AUTO) {
      return source.format() == SourceFormat.PARQUET;
    }
    return file.endsWith(".parquet");
  }

  private SourceFiles() {}
}
