package dev.distill.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the repository root and ../shared/data for the bench tests (as jobs' test SharedPaths does). */
final class SharedPaths {

  static Path repoRoot() {
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

  static Path dataRoot() {
    String prop = System.getProperty("distill.data");
    if (prop != null && !prop.isBlank()) {
      return repoRoot().resolve(prop).normalize();
    }
    String env = System.getenv("DISTILL_DATA");
    if (env != null && !env.isBlank()) {
      return repoRoot().resolve(env).normalize();
    }
    return repoRoot().resolve("../shared/data").normalize();
  }

  /** The Qwen tokenizer.json beside the shared data ({@code ../shared/tokenizers/qwen/}). */
  static Path qwenTokenizer() {
    return dataRoot().resolve("../tokenizers/qwen/tokenizer.json").normalize();
  }

  private SharedPaths() {}
}
