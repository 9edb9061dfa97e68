package dev.distill.job.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * A lease on the local filesystem. Hadoop's local create(overwrite=false) checks and then creates,
 * which two processes can both pass; here every change happens under an exclusive lock of a
 * sibling file (fcntl, held by one process of the machine at a time) and lands by an atomic
 * rename, so the compare-and-replace of a renewal or a takeover is one step.
 */
final class LocalLeaseFile implements LeaseFile {
  /** A FileLock is held per JVM: threads of one JVM (a holder's renewal, a test's second holder) take turns here first. */
  private static final Object JVM_LOCK = new Object();

  private final Path file;
  private final Path lock;
  private final String shown;

  LocalLeaseFile(Path file, String shown) {
    this.file = file;
    this.lock = file.resolveSibling("." + file.getFileName() + ".lock");
    this.shown = shown;
  }

  @Override
  public boolean createIfAbsent(byte[] content) throws IOException {
    Files.createDirectories(file.getParent());
    return locked(() -> {
      if (Files.exists(file)) {
        return false;
      }
      write(content);
      return true;
    });
  }

  @Override
  public Optional<Stored> read() throws IOException {
    try {
      byte[] content = Files.readAllBytes(file);
      return Optional.of(new Stored(content, Json.sha256(content)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  @Override
  public boolean replace(String version, byte[] content) throws IOException {
    return locked(() -> {
      Optional<Stored> now = read();
      if (now.isEmpty() || !now.get().version().equals(version)) {
        return false;
      }
      write(content);
      return true;
    });
  }

  @Override
  public void delete(String version) throws IOException {
    locked(() -> {
      Optional<Stored> now = read();
      if (now.isPresent() && now.get().version().equals(version)) {
        Files.delete(file);
      }
      return true;
    });
  }

  @Override
  public String path() {
    return shown;
  }

  @Override
  public String atomicity() {
    return "local: file lock + atomic rename";
  }

  private void write(byte[] content) throws IOException {
    Path tmp = file.resolveSibling("." + file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
    Files.write(tmp, content);
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private interface Step {
    boolean run() throws IOException;
  }

  private boolean locked(Step step) throws IOException {
    synchronized (JVM_LOCK) {
      try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock held = channel.lock()) {
        return step.run();
      }
    }
  }
}
