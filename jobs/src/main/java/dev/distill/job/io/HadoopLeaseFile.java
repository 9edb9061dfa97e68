package dev.distill.job.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import org.apache.hadoop.fs.EtagSource;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FSDataOutputStreamBuilder;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A lease on a Hadoop filesystem. The create is {@code create(overwrite=false)}, atomic where the
 * store makes it so (HDFS's NameNode); where the store offers conditional writes (S3A of Hadoop
 * 3.5: a PUT with {@code If-None-Match: *}, and {@code If-Match: <etag>} to replace), they are
 * asked for, so two processes racing for one lease on S3 cannot both win. Elsewhere a replace
 * reads, compares and writes: a takeover that slips in between is overwritten, and the taker finds
 * at its next renewal that it lost.
 */
final class HadoopLeaseFile implements LeaseFile {
  static final String CONDITIONAL_CREATE = "fs.option.create.conditional.overwrite";
  static final String CONDITIONAL_ETAG = "fs.option.create.conditional.overwrite.etag";

  private final FileSystem fs;
  private final Path file;
  private final String shown;

  HadoopLeaseFile(FileSystem fs, Path file, String shown) {
    this.fs = fs;
    this.file = file;
    this.shown = shown;
  }

  /** Whether this store refuses a create over an existing object by itself (S3 conditional writes). */
  boolean conditional() throws IOException {
    return fs.hasPathCapability(file, CONDITIONAL_CREATE);
  }

  @Override
  public boolean createIfAbsent(byte[] content) throws IOException {
    if (fs.exists(file)) {
      return false; // the usual refusal, without a failed upload S3A would log at WARN
    }
    FSDataOutputStreamBuilder<?, ?> builder = fs.createFile(file).overwrite(false).recursive();
    boolean conditional = conditional();
    if (conditional) {
      builder.must(CONDITIONAL_CREATE, true);
    }
    try {
      try (FSDataOutputStream out = builder.build()) {
        out.write(content);
      }
      return true;
    } catch (FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      // A conditional PUT refused (412) surfaces at close as an IOException of the store's own kind.
      if (conditional && fs.exists(file)) {
        return false;
      }
      throw e;
    }
  }

  @Override
  public Optional<Stored> read() throws IOException {
    try {
      FileStatus status = fs.getFileStatus(file);
      byte[] content;
      try (InputStream in = fs.open(file)) {
        content = in.readAllBytes();
      }
      String etag = status instanceof EtagSource e ? e.getEtag() : null;
      return Optional.of(new Stored(content, etag != null && !etag.isEmpty() ? "etag:" + etag : "sha256:" + Json.sha256(content)));
    } catch (FileNotFoundException e) {
      return Optional.empty();
    }
  }

  @Override
  public boolean replace(String version, byte[] content) throws IOException {
    if (version.startsWith("etag:") && fs.hasPathCapability(file, CONDITIONAL_ETAG)) {
      FSDataOutputStreamBuilder<?, ?> builder = fs.createFile(file).overwrite(true);
      builder.must(CONDITIONAL_ETAG, version.substring(5));
      try (FSDataOutputStream out = builder.build()) {
        out.write(content);
      } catch (IOException e) {
        Optional<Stored> now = read();
        if (now.isEmpty() || !now.get().version().equals(version)) {
          return false;
        }
        throw e;
      }
      return true;
    }
    Optional<Stored> now = read();
    if (now.isEmpty() || !now.get().version().equals(version)) {
      return false;
    }
    try (FSDataOutputStream out = fs.create(file, true)) {
      out.write(content);
    }
    return true;
  }

  @Override
  public void delete(String version) throws IOException {
    Optional<Stored> now = read();
    if (now.isPresent() && now.get().version().equals(version)) {
      fs.delete(file, false);
    }
  }

  @Override
  public String path() {
    return shown;
  }

  @Override
  public String atomicity() throws IOException {
    String scheme = fs.getUri().getScheme();
    return conditional() ? scheme + ": conditional writes (If-None-Match: *, If-Match: etag)" : scheme + ": create(overwrite=false)";
  }
}
