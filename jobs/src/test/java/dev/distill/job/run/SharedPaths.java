package dev.distill.job.run;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the repository root and ../shared/data for tests; tests skip with a message when it is absent. */
public final class SharedPaths {

  public static Path repoRoot() {
    String prop = System.getProperty("distill.repo.root");
    if (prop != null && Files.exists(Path.of(prop, "mvnw"))) {
      return Path.of(prop).toAbsolutePath().normalize();
    }
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("mvnw"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("Cannot find the repository root (a directory holding mvnw) above " + Path.of("").toAbsolutePath());
    }
    return dir;
  }

  public static Path dataRoot() {
    String prop = System.getProperty("distill.data");
    if (prop != null) {
      return Path.of(prop);
    }
    String env = System.getenv("DISTILL_DATA");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    return repoRoot().resolve("../shared/data").normalize();
  }

  private SharedPaths() {}
}
