package dev.distill.bench;

import dev.distill.job.io.Console;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** One whole command timed as a child process (JVM start included), its output to a log file; a failure throws with the log's tail. */
final class ChildCommand {
  private ChildCommand() {}

  /** Runs {@code command} in the working directory and returns its wall seconds; a non-zero exit throws. */
  static double time(List<String> command, Path log, Console console) {
    console.info("timing: " + String.join(" ", command) + " (output: " + log + ")");
    Process p = null;
    try {
      Files.createDirectories(log.toAbsolutePath().getParent());
      long start = System.nanoTime();
      p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      p.getOutputStream().close();
      int rc = p.waitFor();
      double seconds = (System.nanoTime() - start) / 1e9;
      if (rc != 0) {
        throw new IllegalStateException("Cannot benchmark: " + String.join(" ", command) + " exited " + rc + " after "
            + String.format(Locale.ROOT, "%.1fs", seconds) + "; its output is in " + log + ", ending:\n" + tail(log));
      }
      console.info(String.format(Locale.ROOT, "timed: %s %s in %.2fs", command.get(0), command.get(1), seconds));
      return seconds;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      p.destroy();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while timing " + String.join(" ", command), e);
    }
  }

  private static String tail(Path log) throws IOException {
    String text = Files.readString(log, StandardCharsets.UTF_8);
    return text.substring(Math.max(0, text.length() - 3000));
  }
}
