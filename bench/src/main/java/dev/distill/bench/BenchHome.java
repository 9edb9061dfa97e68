package dev.distill.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The repository checkout the bench runs from, for {@code bin/distill} and the Python reference:
 * {@code -Ddistill.home} (set by {@code bin/distill}), else {@code -Ddistill.repo.root} (set by the
 * build for tests), else the first directory at or above the working directory holding {@code bin/distill}.
 */
final class BenchHome {
  private BenchHome() {}

  static Path root() {
    for (String property : new String[] {"distill.home", "distill.repo.root"}) {
      String dir = System.getProperty(property);
      if (dir != null && !dir.isBlank()) {
        return Path.of(dir).toAbsolutePath().normalize();
      }
    }
    Path cwd = Path.of("").toAbsolutePath();
    for (Path dir = cwd; dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("bin/distill"))) {
        return dir;
      }
    }
    return cwd;
  }

  /** {@code bin/distill} of the checkout. */
  static Path launcher() {
    return root().resolve("bin/distill");
  }
}
