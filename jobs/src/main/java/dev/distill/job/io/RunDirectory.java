package dev.distill.job.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The run directory contract: {@code <output>/<run-id>/} with run.json, stages/, removed/,
 * quarantine/, selection/, handoff/. Paths are Hadoop paths, so local and s3a:// work alike.
 */
public final class RunDirectory {
  public static final String RUN_JSON = "run.json";
  /** The run's HTML report, under the run directory. */
  public static final String REPORT = "report/index.html";
  public static final String LEASE = "lease.json";

  private final String root;
  private final Configuration hadoop;

  public RunDirectory(String root, Configuration hadoop) {
    this.root = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
    this.hadoop = hadoop;
  }

  public String root() {
    return root;
  }

  public String stage(String name) {
    return root + "/stages/" + name;
  }

  /** Where every stage's removed rows go: one directory per stage under it. */
  public String removedRoot() {
    return root + "/removed";
  }

  public String removed(String name) {
    return removedRoot() + "/" + name;
  }

  /**
   * The vector cache of one embedding model (by {@code ModelRef.cacheKey}: its sha256, and its pooling), under the output root that holds this
   * run: every run there shares it, so a rerun or an incremental run embeds only new questions.
   */
  public String embeddings(String modelKey) {
    return root.substring(0, Math.max(0, root.lastIndexOf('/'))) + "/_embeddings/" + modelKey;
  }

  /** Rows a step kept but lists for a person to look at (decontam: near paraphrases of eval items). */
  public String review(String name) {
    return root + "/review/" + name;
  }

  public String quarantine() {
    return root + "/quarantine";
  }

  public String selection() {
    return root + "/selection";
  }

  /** Where re-selections go: one directory per name under it. */
  public String selectionsRoot() {
    return root + "/selections";
  }

  /** A re-selection made after the run ({@code bin/distill select --name NAME}). */
  public String selections(String name) {
    return selectionsRoot() + "/" + name;
  }

  /** A stage's commit record: its fingerprint and figures, written once its outputs are complete. */
  public String commit(String stage) {
    return root + "/commits/" + stage + ".json";
  }

  /** The run's HTML report. */
  public String report() {
    return root + "/" + REPORT;
  }

  /** An incremental run's own outputs: the new rows' kept and removed rows of a stage. */
  public String incrementalStage(String name) {
    return root + "/incremental/stages/" + name;
  }

  public String incrementalRemoved(String name) {
    return root + "/incremental/removed/" + name;
  }

  /** An incremental run: the keys of the base run's rows that are unchanged. */
  public String incrementalUnchanged() {
    return root + "/incremental/unchanged";
  }

  /** An incremental run: keys of the base run's rows a stage kept before and removes now. */
  public String incrementalDisplaced(String name) {
    return root + "/incremental/displaced/" + name;
  }

  public String handoff() {
    return root + "/handoff";
  }

  public String samplePool() {
    return root + "/sample-pool";
  }

  public String runJson() {
    return root + "/" + RUN_JSON;
  }

  /** The run's lease: which process writes it now (see {@link RunLease}). */
  public String lease() {
    return root + "/" + LEASE;
  }

  /** A committed Spark output: the directory holds a _SUCCESS marker. */
  public boolean isCommitted(String dir) {
    return exists(dir + "/_SUCCESS");
  }

  public boolean exists(String path) {
    try {
      Path p = new Path(path);
      return p.getFileSystem(hadoop).exists(p);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot check " + path + ": " + e.getMessage(), e);
    }
  }

  public void writeString(String path, String content) {
    writeBytes(path, content.getBytes(StandardCharsets.UTF_8));
  }

  /** Writes to a temporary name and renames, so a reader never sees half a file. */
  public void writeBytes(String path, byte[] content) {
    LostLeases.checkWritable(root);
    Path target = new Path(path);
    Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp");
    try {
      FileSystem fs = target.getFileSystem(hadoop);
      try (FSDataOutputStream out = fs.create(tmp, true)) {
        out.write(content);
      }
      if (fs.exists(target)) {
        fs.delete(target, false);
      }
      if (!fs.rename(tmp, target)) {
        throw new IOException("rename of " + tmp + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + path + ": " + e.getMessage(), e);
    }
  }

  /** A new file at {@code path} (replaced if it exists); pair with {@link #move} for an atomic write. */
  public OutputStream create(String path) {
    LostLeases.checkWritable(root);
    try {
      Path p = new Path(path);
      return p.getFileSystem(hadoop).create(p, true);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create " + path + ": " + e.getMessage(), e);
    }
  }

  /** Renames {@code from} to {@code to}, replacing it. */
  public void move(String from, String to) {
    LostLeases.checkWritable(root);
    try {
      Path target = new Path(to);
      FileSystem fs = target.getFileSystem(hadoop);
      fs.delete(target, false);
      if (!fs.rename(new Path(from), target)) {
        throw new IOException("rename of " + from + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + to + ": " + e.getMessage(), e);
    }
  }

  /** Deletes a file or directory tree; nothing happens when it does not exist. */
  public void delete(String path) {
    LostLeases.checkWritable(root);
    try {
      Path p = new Path(path);
      p.getFileSystem(hadoop).delete(p, true);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete " + path + ": " + e.getMessage(), e);
    }
  }

  public long size(String path) {
    try {
      Path p = new Path(path);
      return p.getFileSystem(hadoop).getFileStatus(p).getLen();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the size of " + path + ": " + e.getMessage(), e);
    }
  }

  public InputStream open(String path) throws IOException {
    Path p = new Path(path);
    return p.getFileSystem(hadoop).open(p);
  }

  public String readString(String path) {
    try (InputStream in = open(path)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  public Configuration hadoop() {
    return hadoop;
  }
}
