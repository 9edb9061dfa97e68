package dev.distill.job;

import dev.distill.job.cli.Main;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the distill CLI in a child JVM (same java, test classpath and the JVM flags Spark needs), so
 * an end-to-end test can SIGKILL it mid-run. Its console output is appended to a buffer the test reads.
 */
public final class ChildCli {

  /** Starts {@code Main} with {@code cliArgs}; stdout and stderr go, line by line, into {@code output} (synchronized on it). */
  public static Process start(List<String> cliArgs, StringBuilder output) throws IOException {
    return start(List.of(), cliArgs, output);
  }

  /** As {@link #start(List, StringBuilder)}, with extra JVM options (e.g. -XX:TieredStopAtLevel=1 for a short run). */
  public static Process start(List<String> jvmOptions, List<String> cliArgs, StringBuilder output) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-Xmx2g");
    command.addAll(jvmOptions);
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-opens") || arg.startsWith("-XX:+IgnoreUnrecognizedVMOptions") || arg.startsWith("-Djdk.reflect")
          || arg.startsWith("-Dio.netty")) {
        command.add(arg);
      }
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(cliArgs);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    Thread drain = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          synchronized (output) {
            output.append(line).append('\n');
          }
        }
      } catch (IOException e) {
        // the process ended or was killed: what it printed so far is kept
      }
    });
    drain.setDaemon(true);
    drain.start();
    return p;
  }

  private ChildCli() {}
}
