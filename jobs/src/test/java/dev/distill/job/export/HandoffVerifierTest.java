package dev.distill.job.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.SparkTestSession;
import dev.distill.job.cli.Main;
import dev.distill.job.error.ExitCode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** verify-handoff on a good bundle and on deliberately corrupted copies of it. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HandoffVerifierTest {
  @TempDir static Path tmp;
  Path good;

  @BeforeAll
  void export() {
    Bundles.export(tmp.resolve("run"));
    good = tmp.resolve("run/handoff");
  }

  private Path copy(String name) throws Exception {
    Path target = tmp.resolve(name);
    Bundles.copyTree(good, target);
    return target;
  }

  private static HandoffVerifier.Result verify(Path dir) {
    return HandoffVerifier.verify(dir.toString(), SparkTestSession.get().sparkContext().hadoopConfiguration());
  }

  private static boolean anyProblem(HandoffVerifier.Result r, String... parts) {
    return r.problems().stream().anyMatch(p -> Arrays.stream(parts).allMatch(p::contains));
  }

  /** Removes the think marker from line {@code n} (1-based) of train.jsonl. */
  static void dropThinkMarker(Path bundle, int n) throws Exception {
    Path jsonl = bundle.resolve("train.jsonl");
    List<String> lines = Files.readAllLines(jsonl, StandardCharsets.UTF_8);
    String edited = lines.get(n - 1).replace("<|im_start|>think\\n", "");
    assertTrue(!edited.equals(lines.get(n - 1)), "the marker was there");
    lines.set(n - 1, edited);
    Files.write(jsonl, lines, StandardCharsets.UTF_8);
  }

  @Test
  void aGoodBundleHasNoProblem() {
    HandoffVerifier.Result r = verify(good);
    assertEquals(List.of(), r.problems());
    assertEquals(5, r.rows());
    assertEquals(ExitCode.OK, Main.run(new String[] {"verify-handoff", good.toString()}));
  }

  @Test
  void oneChangedByteIsCaughtByItsChecksum() throws Exception {
    Path bundle = copy("byte");
    Path parquet = bundle.resolve("train.parquet");
    byte[] bytes = Files.readAllBytes(parquet);
    bytes[bytes.length / 2] ^= 0x01;
    Files.write(parquet, bytes);
    HandoffVerifier.Result r = verify(bundle);
    assertTrue(anyProblem(r, "train.parquet: sha256"), r.problems().toString());
    assertEquals(1, r.problems().size(), "size and row count unchanged: " + r.problems());
    assertEquals(ExitCode.BAD_INPUT, Main.run(new String[] {"verify-handoff", bundle.toString()}));
  }

  @Test
  void aTruncatedFileIsCaughtBySizeChecksumAndRowCount() throws Exception {
    Path bundle = copy("truncated");
    Path arrow = bundle.resolve("arrow/data-00000-of-00001.arrow");
    byte[] bytes = Files.readAllBytes(arrow);
    Files.write(arrow, Arrays.copyOf(bytes, bytes.length / 2));
    HandoffVerifier.Result r = verify(bundle);
    assertTrue(anyProblem(r, "arrow/data-00000-of-00001.arrow", "bytes, the manifest says " + bytes.length, "(truncated)"), r.problems().toString());
    assertTrue(anyProblem(r, "arrow/data-00000-of-00001.arrow: sha256"), r.problems().toString());
    assertTrue(anyProblem(r, "arrow/data-00000-of-00001.arrow: cannot read the Arrow stream"), r.problems().toString());
    assertEquals(ExitCode.BAD_INPUT, Main.run(new String[] {"verify-handoff", bundle.toString()}));
  }

  @Test
  void aRowWithoutTheThinkMarkerIsNamed() throws Exception {
    Path bundle = copy("marker");
    dropThinkMarker(bundle, 2);
    HandoffVerifier.Result r = verify(bundle);
    assertTrue(anyProblem(r, "train.jsonl line 2: text lacks the think marker"), r.problems().toString());
    assertTrue(anyProblem(r, "train.jsonl: sha256"), r.problems().toString());
    assertTrue(anyProblem(r, "arrow/data-00000-of-00001.arrow row 2: text differs from train.jsonl line 2"), r.problems().toString());
  }

  @Test
  void aMissingFileOrManifestIsNamed() throws Exception {
    Path bundle = copy("missing");
    Files.delete(bundle.resolve("train/recipe.json"));
    assertTrue(anyProblem(verify(bundle), "train/recipe.json: missing"));
    Files.delete(bundle.resolve("manifest.json"));
    HandoffVerifier.Result r = verify(bundle);
    assertTrue(anyProblem(r, "no manifest.json"), r.problems().toString());
    assertEquals(ExitCode.BAD_INPUT, Main.run(new String[] {"verify-handoff", bundle.toString()}));
  }

  @Test
  void verifyHandoffWithoutADirectoryIsAUsageError() {
    assertEquals(ExitCode.BAD_CONFIG, Main.run(new String[] {"verify-handoff"}));
    assertEquals(ExitCode.BAD_CONFIG, Main.run(new String[] {"run", "stray-argument"}));
  }
}
