package dev.distill.job.embed;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A directory model on this machine's disk: a local directory as it is; any other Hadoop path
 * (s3a://, ...) copied once per host into {@code <java.io.tmpdir>/distill-models/<sha256>/}, each
 * file written under a temporary name and renamed into place, so concurrent tasks never read half
 * a file. The copy's ONNX file must hash to the sha256 the driver saw, or the task fails rather
 * than embed part of a run with another model.
 */
final class ModelCopies {
  private static final ConcurrentHashMap<String, java.nio.file.Path> COPIES = new ConcurrentHashMap<>();

  static java.nio.file.Path local(ModelRef ref) {
    Path dir = new Path(ref.directory());
    String scheme = dir.toUri().getScheme();
    if (scheme == null || "file".equals(scheme)) {
      return java.nio.file.Path.of(dir.toUri().getPath());
    }
    return COPIES.computeIfAbsent(ref.sha256(), sha -> copy(ref, java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "distill-models", sha)));
  }

  private static java.nio.file.Path copy(ModelRef ref, java.nio.file.Path target) {
    try {
      java.nio.file.Path onnx = target.resolve(ModelRef.MODEL_FILE);
      if (Files.isRegularFile(onnx) && Files.isRegularFile(target.resolve(ModelRef.TOKENIZER_FILE))) {
        return target; // copied by another JVM on this host, renamed into place whole
      }
      Files.createDirectories(target);
      Path dir = new Path(ref.directory());
      FileSystem fs = dir.getFileSystem(ref.hadoop().get());
      // The tokenizer first: the ONNX file's presence says the copy is complete.
      for (String file : List.of(ModelRef.TOKENIZER_FILE, ModelRef.MODEL_FILE)) {
        java.nio.file.Path tmp = Files.createTempFile(target, "." + file + "-", ".tmp");
        try {
          try (InputStream in = fs.open(new Path(dir, file))) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
          }
          if (file.equals(ModelRef.MODEL_FILE) && !ModelRef.sha256(Files.newInputStream(tmp)).equals(ref.sha256())) {
            throw new IllegalStateException("Cannot use the embedding model " + ref.directory() + ": its " + file
                + " changed during the run (sha256 differs from " + ref.sha256() + "); leave the model alone while a run uses it, then run again");
          }
          Files.move(tmp, target.resolve(file), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
          Files.deleteIfExists(tmp);
        }
      }
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot copy the embedding model " + ref.directory() + " to " + target + ": " + e.getMessage()
          + "; check that the store is reachable and " + target.getParent() + " is writable", e);
    }
  }

  private ModelCopies() {}
}
