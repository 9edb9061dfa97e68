package dev.distill.job.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.SharedPaths;
import dev.distill.job.error.ConfigException;
import dev.distill.udf.tokens.HfTokenCounter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tokenizer setting resolved to a counter: local files as they are, files read through Hadoop
 * copied once into a local cache (here through Hadoop's file: filesystem; S3GenerateIT does it on
 * s3a:// against S3Mock).
 */
class TokenizerFileTest {
  static final String TEXT = "Let $f(x) = x^2 + 3x$. Compute $\\sum_{k=1}^{10} f(k)$ and explain each step.";

  @TempDir
  Path tmp;

  private static Path qwen() {
    Path tokenizer = SharedPaths.qwenTokenizer();
    Assumptions.assumeTrue(Files.isRegularFile(tokenizer), "skipped: no Qwen tokenizer at " + tokenizer + " (../shared is absent)");
    return tokenizer;
  }

  @Test
  void emptyEstimatesAndAMissingFileNamesTheKey() {
    TokenizerFile none = TokenizerFile.of("difficulty.tokenizer", "", new Configuration());
    assertFalse(none.counter().exact());
    assertFalse(none.remote());
    ConfigException e = assertThrows(ConfigException.class,
        () -> TokenizerFile.of("export.tokenizer", tmp.resolve("nope/tokenizer.json").toString(), new Configuration()));
    assertTrue(e.getMessage().startsWith("Cannot read config key export.tokenizer: no tokenizer file at " + tmp.resolve("nope/tokenizer.json")),
        e.getMessage());
    assertTrue(e.getMessage().contains("s3a://"), e.getMessage());
  }

  @Test
  void aFileThatIsNotATokenizerFailsTheCheckWithTheKey() throws Exception {
    Path bad = tmp.resolve("tokenizer.json");
    Files.writeString(bad, "{\"not\": \"a tokenizer\"}");
    ConfigException e = assertThrows(ConfigException.class, () -> TokenizerFile.of("difficulty.tokenizer", bad.toString(), new Configuration()).check());
    assertTrue(e.getMessage().startsWith("Cannot read config key difficulty.tokenizer: cannot load " + bad), e.getMessage());
  }

  @Test
  void aLocalFileOrItsDirectoryCountsExactly() throws Exception {
    Path tokenizer = qwen();
    try (HfTokenCounter reference = new HfTokenCounter(tokenizer.toString())) {
      int expected = reference.count(TEXT);
      for (String setting : List.of(tokenizer.toString(), tokenizer.getParent().toString(), "file:" + tokenizer)) {
        TokenizerFile file = TokenizerFile.of("difficulty.tokenizer", setting, new Configuration());
        assertFalse(file.remote(), setting);
        assertTrue(file.counter().exact(), setting);
        assertEquals(expected, file.counter().count(TEXT), setting);
      }
    }
  }

  @Test
  void aRelativePathTravelsAbsolute() throws Exception {
    // Executors on a cluster run in their own working directories: the driver resolves the path.
    Path tokenizer = qwen();
    String relative = Path.of("").toAbsolutePath().relativize(tokenizer.toAbsolutePath()).toString();
    TokenizerFile file = TokenizerFile.of("difficulty.tokenizer", relative, new Configuration());
    assertTrue(Path.of(file.setting()).isAbsolute(), file.setting());
    assertEquals(tokenizer.toAbsolutePath().normalize(), Path.of(file.setting()));
  }

  @Test
  void aFileReadThroughHadoopIsCopiedOnceAtomicallyAndCountsTheSame() throws Exception {
    Path tokenizer = qwen();
    Path remoteDir = tmp.resolve("store/qwen");
    Files.createDirectories(remoteDir);
    Path remote = Files.copy(tokenizer, remoteDir.resolve("tokenizer.json"));
    // The directory form, as a setting may give it; resolved to its tokenizer.json.
    TokenizerFile file = TokenizerFile.remote("difficulty.tokenizer", "file:" + remoteDir, new org.apache.hadoop.fs.Path("file:" + remoteDir),
        new Configuration());
    assertTrue(file.remote());
    // Shipped to an executor: only the setting, the stamp and the Hadoop configuration travel.
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(file);
    }
    TokenizerFile shipped;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      shipped = (TokenizerFile) in.readObject();
    }

    Path cache = tmp.resolve("cache");
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<Path>> copies = new ArrayList<>();
    try {
      for (int i = 0; i < 16; i++) {
        TokenizerFile f = i % 2 == 0 ? file : shipped;
        copies.add(pool.submit(() -> f.localCopy(cache)));
      }
      Path first = copies.get(0).get();
      for (Future<Path> c : copies) {
        assertEquals(first, c.get(), "every task gets the same local copy");
      }
      assertEquals(Files.size(tokenizer), Files.size(first));
      assertEquals(-1, Files.mismatch(tokenizer, first), "the copy is the file, byte for byte");
      try (Stream<Path> files = Files.walk(cache)) {
        assertEquals(List.of(first), files.filter(Files::isRegularFile).toList(), "one copy, no temporary left behind");
      }
    } finally {
      pool.shutdownNow();
    }
    try (HfTokenCounter reference = new HfTokenCounter(tokenizer.toString());
        HfTokenCounter fromCopy = new HfTokenCounter(shipped.localCopy(cache).toString())) {
      assertEquals(reference.count(TEXT), fromCopy.count(TEXT));
    }

    // The remote file replaced after the driver looked at it: a task fails rather than count with another tokenizer.
    Files.writeString(remote, "{}", java.nio.file.StandardOpenOption.APPEND);
    IllegalStateException changed = assertThrows(IllegalStateException.class, () -> file.localCopy(tmp.resolve("other-cache")));
    assertTrue(changed.getMessage().contains("changed during the run"), changed.getMessage());
    // Looked at again (the next run), the changed file has a new cache entry.
    TokenizerFile again = TokenizerFile.remote("difficulty.tokenizer", "file:" + remote, new org.apache.hadoop.fs.Path("file:" + remote),
        new Configuration());
    assertNotEquals(file.localCopy(cache), again.localCopy(cache));
  }
}
