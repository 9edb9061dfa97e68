package dev.distill.job.io;

import java.io.IOException;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The one file a {@link RunLease} lives in, with the only operations a lease needs: create it if
 * absent, and replace or delete it only if it is still the version read before.
 */
interface LeaseFile {

  /** The file's content and the version a later {@link #replace} or {@link #delete} compares against. */
  record Stored(byte[] content, String version) {}

  /** Writes {@code content} only if no file exists there; false when one does. */
  boolean createIfAbsent(byte[] content) throws IOException;

  /** The file as it is now; empty when there is none. */
  Optional<Stored> read() throws IOException;

  /** Replaces the file with {@code content} only if it is still at {@code version}; false when it changed. */
  boolean replace(String version, byte[] content) throws IOException;

  /** Deletes the file only if it is still at {@code version}. */
  void delete(String version) throws IOException;

  /** Where it is, as the user wrote the run directory. */
  String path();

  /** How the store makes the create and the replace atomic, as the lease records it. */
  String atomicity() throws IOException;

  /** The lease file for {@code path}: local files by the operating system's own atomic operations, any other filesystem through Hadoop. */
  static LeaseFile at(String path, Configuration hadoop) throws IOException {
    Path p = new Path(path);
    FileSystem fs = p.getFileSystem(hadoop);
    if ("file".equals(fs.getUri().getScheme())) {
      return new LocalLeaseFile(java.nio.file.Path.of(fs.makeQualified(p).toUri()), path);
    }
    return new HadoopLeaseFile(fs, p, path);
  }
}
