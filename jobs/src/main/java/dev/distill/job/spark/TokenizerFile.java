package dev.distill.job.spark;

import dev.distill.job.error.ConfigException;
import dev.distill.job.conf.ConfigReader;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.io.Json;
import dev.distill.udf.tokens.TokenCounter;
import dev.distill.udf.tokens.TokenCounters;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A tokenizer setting ({@code difficulty.tokenizer}, {@code export.tokenizer}) made into a token
 * counter, wherever the file lives. Empty: the character-based estimate. A path without a scheme
 * (or {@code file:}): that local file (or the {@code tokenizer.json} in that directory), on every
 * machine. Any other Hadoop path ({@code s3a://}, {@code hdfs://}, {@code abfs://}, ...): DJL reads
 * local files only, so the file is copied once per machine into
 * {@code <java.io.tmpdir>/distill-tokenizers/<sha256 of path, size and modification time>/tokenizer.json}
 * and counted from there. The copy is written under a temporary name in that directory and renamed
 * into place atomically, so concurrent tasks (in one executor or in several on one host) never read
 * half a file, and a changed remote file gets a new cache entry.
 *
 * <p>Built on the driver ({@link #of}, which fails with a {@link ConfigException} naming the key
 * when nothing is at the path) and shipped to executors in a stage's function: it holds the
 * setting, the remote file's size and modification time as the driver saw them, and the Hadoop
 * configuration to read it with. An executor that finds the remote file changed since then fails
 * its task rather than count part of a run with another tokenizer.
 */
public final class TokenizerFile implements Serializable {
  private static final long serialVersionUID = 1L;
  static final String CACHE_DIR = "distill-tokenizers";
  static final String FILE_NAME = "tokenizer.json";
  /** Local copies made in this JVM: cache key -> local file. */
  private static final ConcurrentHashMap<String, java.nio.file.Path> COPIES = new ConcurrentHashMap<>();

  private final String key;
  private final String setting;
  /** The remote file (a directory setting resolved to its tokenizer.json); null when local or empty. */
  private final String remote;
  private final long length;
  private final long modified;
  private final HadoopConf hadoop;

  private TokenizerFile(String key, String setting, String remote, long length, long modified, HadoopConf hadoop) {
    this.key = key;
    this.setting = setting;
    this.remote = remote;
    this.length = length;
    this.modified = modified;
    this.hadoop = hadoop;
  }

  /**
   * The tokenizer file of config key {@code key} set to {@code setting}.
   *
   * @throws ConfigException naming the key when a path is set and no file is there
   * @throws UncheckedIOException when the remote store cannot be asked (an upstream failure)
   */
  public static TokenizerFile of(String key, String setting, Configuration hadoop) {
    String value = setting == null ? "" : setting.strip();
    if (value.isEmpty()) {
      return new TokenizerFile(key, "", null, -1, -1, null);
    }
    if (isLocal(value)) {
      java.nio.file.Path local = localPath(value);
      if (Files.isDirectory(local)) {
        local = local.resolve(FILE_NAME);
      }
      if (!Files.isRegularFile(local)) {
        throw missing(key, value, local.toString());
      }
      // Absolute: executors on a cluster run in their own working directories.
      return new TokenizerFile(key, local.toAbsolutePath().normalize().toString(), null, -1, -1, null);
    }
    return remote(key, value, new Path(value), hadoop);
  }

  /** A file read through Hadoop and counted from a local copy (any scheme, file: included: tests). */
  static TokenizerFile remote(String key, String value, Path path, Configuration hadoop) {
    try {
      FileSystem fs = path.getFileSystem(hadoop);
      FileStatus status = fs.getFileStatus(path);
      if (status.isDirectory()) {
        status = fs.getFileStatus(new Path(path, FILE_NAME));
      }
      return new TokenizerFile(key, value, status.getPath().toString(), status.getLen(), status.getModificationTime(), new HadoopConf(hadoop));
    } catch (FileNotFoundException e) {
      throw missing(key, value, value);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the tokenizer " + value + " (" + key + "): " + e.getMessage()
          + "; check that the store is reachable and the credentials (spark.hadoop.fs.*) are set", e);
    }
  }

  /** The tokenizer of the difficulty stage's trace lengths: difficulty.tokenizer. */
  public static TokenizerFile forDifficulty(PipelineConfig config, Configuration hadoop) {
    return of("difficulty.tokenizer", config.difficulty().tokenizer(), hadoop);
  }

  /** The tokenizer of the handoff's text tokens: export.tokenizer, else difficulty.tokenizer. */
  public static TokenizerFile forExport(PipelineConfig config, Configuration hadoop) {
    boolean own = !new ConfigReader(config.tree()).string("export.tokenizer").isBlank();
    return of(own ? "export.tokenizer" : "difficulty.tokenizer", config.export().tokenizer(), hadoop);
  }

  private static ConfigException missing(String key, String value, String looked) {
    return ConfigException.forKey(key, "no tokenizer file at " + looked,
        "set it to a Hugging Face tokenizer.json (or its directory), local or on any Hadoop filesystem (s3a://...), "
            + "or to \"\" to estimate token counts");
  }

  /** The path as configured ("" when none). */
  public String setting() {
    return setting;
  }

  /** Whether the file is read through Hadoop and counted from a local copy. */
  public boolean remote() {
    return remote != null;
  }

  /**
   * The counter: exact for a configured file, the estimate otherwise. Cheap after the first call
   * in a JVM (the copy and the loaded tokenizer are shared).
   */
  public TokenCounter counter() {
    if (setting.isEmpty()) {
      return TokenCounters.forPath(null);
    }
    return TokenCounters.forPath(remote == null ? localPath(setting).toString() : localCopy().toString());
  }

  /**
   * Loads the tokenizer once, so that a file that is not a tokenizer fails before any Spark job
   * (the loaded tokenizer is kept for the run).
   *
   * @throws ConfigException naming the key when the file is not a Hugging Face tokenizer.json
   */
  public TokenizerFile check() {
    try {
      counter();
    } catch (IllegalArgumentException e) {
      throw ConfigException.forKey(key, "cannot load " + setting + " as a tokenizer (" + e.getMessage() + ")",
          "point it at the tokenizer.json of a Hugging Face model");
    }
    return this;
  }

  /** The local copy of the remote file, made once per JVM (and reused across JVMs on a host). */
  java.nio.file.Path localCopy() {
    return localCopy(java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), CACHE_DIR));
  }

  java.nio.file.Path localCopy(java.nio.file.Path cacheRoot) {
    String cacheKey = Json.sha256((remote + "\n" + length + "\n" + modified).getBytes(StandardCharsets.UTF_8));
    return COPIES.computeIfAbsent(cacheRoot + "/" + cacheKey, k -> copy(cacheRoot.resolve(cacheKey)));
  }

  private java.nio.file.Path copy(java.nio.file.Path dir) {
    java.nio.file.Path target = dir.resolve(FILE_NAME);
    try {
      if (Files.isRegularFile(target) && Files.size(target) == length) {
        return target; // copied by another JVM on this host, renamed into place whole
      }
      Files.createDirectories(dir);
      Path source = new Path(remote);
      FileSystem fs = source.getFileSystem(hadoop.get());
      FileStatus now = fs.getFileStatus(source);
      if (now.getLen() != length || now.getModificationTime() != modified) {
        throw new IllegalStateException("Cannot read the tokenizer " + remote + " (" + key + "): it changed during the run (size "
            + length + " -> " + now.getLen() + ", modified " + modified + " -> " + now.getModificationTime()
            + "); leave the tokenizer file alone while a run uses it, then run again");
      }
      java.nio.file.Path tmp = Files.createTempFile(dir, "." + FILE_NAME + "-", ".tmp");
      try {
        try (InputStream in = fs.open(source)) {
          Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        }
        if (Files.size(tmp) != length) {
          throw new IOException("copied " + Files.size(tmp) + " of " + length + " bytes");
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(tmp);
      }
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot copy the tokenizer " + remote + " (" + key + ") to " + target + ": " + e.getMessage()
          + "; check that the store is reachable and " + dir.getParent() + " is writable", e);
    }
  }

  /** No scheme, or file:, means a file on the local disk of every machine. */
  static boolean isLocal(String setting) {
    String scheme = new Path(setting).toUri().getScheme();
    return scheme == null || scheme.equals("file");
  }

  private static java.nio.file.Path localPath(String setting) {
    return setting.startsWith("file:") ? java.nio.file.Path.of(new Path(setting).toUri().getPath()) : java.nio.file.Path.of(setting);
  }
}
