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
  /** Clock ticks per second of /proc's times: USER_HZ, 100 on every Linux the bench runs on. */
  private static final double TICKS_PER_SECOND = 100;

  private ChildCommand() {}

  /**
   * What a child took: wall seconds, and CPU seconds (user + system of the child and everything it
   * waited for), or null where /proc/self/stat is not there to read them from.
   */
  record Timed(double seconds, Double cpuSeconds) {}

  /** Runs {@code command} in the working directory and returns its wall and CPU seconds; a non-zero exit throws. */
  static Timed time(List<String> command, Path log, Console console) {
    console.info("timing: " + String.join(" ", command) + " (output: " + log + ")");
    Process p = null;
    try {
      Files.createDirectories(log.toAbsolutePath().getParent());
      long start = System.nanoTime();
      Double cpuBefore = childrenCpuSeconds();
      p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      p.getOutputStream().close();
      int rc = p.waitFor();
      double seconds = (System.nanoTime() - start) / 1e9;
      Double cpuAfter = childrenCpuSeconds();
      if (rc != 0) {
        throw new IllegalStateException("Cannot benchmark: " + String.join(" ", command) + " exited " + rc + " after "
            + String.format(Locale.ROOT, "%.1fs", seconds) + "; its output is in " + log + ", ending:\n" + tail(log));
      }
      Double cpu = cpuBefore == null || cpuAfter == null ? null : cpuAfter - cpuBefore;
      console.info(String.format(Locale.ROOT, "timed: %s %s in %.2fs%s", command.get(0), command.get(1), seconds,
          cpu == null ? "" : String.format(Locale.ROOT, " (%.1f CPU s)", cpu)));
      return new Timed(seconds, cpu);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      p.destroy();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while timing " + String.join(" ", command), e);
    }
  }

  /**
   * CPU seconds of this JVM's children that have ended and been waited for (cutime + cstime of
   * /proc/self/stat): the launcher execs its JVM, so that is the whole command.
   */
  static Double childrenCpuSeconds() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"), StandardCharsets.US_ASCII);
      // Fields after the command name, which is in parentheses and may hold spaces: state is field 3, cutime 16, cstime 17.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
      return (Long.parseLong(f[13]) + Long.parseLong(f[14])) / TICKS_PER_SECOND;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static String tail(Path log) throws IOException {
    String text = Files.readString(log, StandardCharsets.UTF_8);
    return text.substring(Math.max(0, text.length() - 3000));
  }
}
