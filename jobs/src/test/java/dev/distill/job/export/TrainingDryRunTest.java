package dev.distill.job.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.distill.job.SharedPaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * training/train.py --dry-run (standard library only) on a real exported bundle: passes on a good
 * one, fails naming the file and row on a corrupted one. Skipped, with a message, without python3.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrainingDryRunTest {
  @TempDir static Path tmp;
  Path good;

  record Outcome(int code, String output) {}

  @BeforeAll
  void export() {
    assumeTrue(python3Available(), "python3 not found on PATH: skipping the training/ dry-run tests (install python3 to run them)");
    Bundles.export(tmp.resolve("run"));
    good = tmp.resolve("run/handoff");
  }

  static boolean python3Available() {
    try {
      Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  static Outcome python(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("python3"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "python3 finished");
    return new Outcome(p.exitValue(), out);
  }

  private static String trainer() {
    return SharedPaths.repoRoot().resolve("training/train.py").toString();
  }

  @Test
  void aGoodBundlePasses() throws Exception {
    Outcome o = python(trainer(), "--dry-run", "--bundle", good.toString());
    assertEquals(0, o.code(), o.output());
    assertTrue(o.output().contains("is valid: 5 rows"), o.output());
    // The copy inside the bundle validates its own bundle the same way.
    Outcome own = python(good.resolve("train/train.py").toString(), "--dry-run", "--bundle", good.toString());
    assertEquals(0, own.code(), own.output());
  }

  @Test
  void aRowWithoutTheThinkMarkerFailsNamingFileAndRow() throws Exception {
    Path bundle = tmp.resolve("marker");
    Bundles.copyTree(good, bundle);
    HandoffVerifierTest.dropThinkMarker(bundle, 3);
    Outcome o = python(trainer(), "--dry-run", "--bundle", bundle.toString());
    assertEquals(1, o.code(), o.output());
    assertTrue(o.output().contains("train.jsonl line 3: text lacks the think marker"), o.output());
    assertTrue(o.output().contains("train.jsonl: sha256"), o.output());
  }

  @Test
  void aTruncatedOrChangedFileFailsNamingTheFile() throws Exception {
    Path bundle = tmp.resolve("truncated");
    Bundles.copyTree(good, bundle);
    Path jsonl = bundle.resolve("train.jsonl");
    byte[] bytes = Files.readAllBytes(jsonl);
    Files.write(jsonl, java.util.Arrays.copyOf(bytes, bytes.length - 40));
    Path arrow = bundle.resolve("arrow/data-00000-of-00001.arrow");
    byte[] arrowBytes = Files.readAllBytes(arrow);
    arrowBytes[arrowBytes.length / 3] ^= 0x10;
    Files.write(arrow, arrowBytes);
    Outcome o = python(trainer(), "--dry-run", "--bundle", bundle.toString());
    assertEquals(1, o.code(), o.output());
    assertTrue(o.output().contains("train.jsonl: " + (bytes.length - 40) + " bytes, the manifest says " + bytes.length + " (truncated)"), o.output());
    assertTrue(o.output().contains("arrow/data-00000-of-00001.arrow: sha256"), o.output());
  }

  @Test
  void missingBundleIsAUsageError() throws Exception {
    Outcome o = python(trainer(), "--dry-run", "--bundle", tmp.resolve("nope").toString());
    assertEquals(2, o.code(), o.output());
    assertTrue(o.output().contains("Cannot read bundle"), o.output());
  }
}
