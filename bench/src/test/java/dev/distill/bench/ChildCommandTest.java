package dev.distill.bench;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.distill.job.io.Console;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A child command's wall and CPU seconds. */
class ChildCommandTest {

  @Test
  void aBusyChildReportsTheCpuItSpent(@TempDir Path tmp) {
    assumeTrue(Files.isReadable(Path.of("/proc/self/stat")), "no /proc/self/stat: CPU seconds are not measured here");
    ChildCommand.Timed t = ChildCommand.time(List.of("sh", "-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done"),
        tmp.resolve("child.log"), new Console(System.out));
    assertNotNull(t.cpuSeconds());
    assertTrue(t.cpuSeconds() > 0.05, "a shell loop of 300,000 steps spends CPU: " + t);
    assertTrue(t.cpuSeconds() <= t.seconds() * Runtime.getRuntime().availableProcessors() + 0.05, "no more CPU than wall x cores: " + t);
  }

  @Test
  void anIdleChildSpendsLittleCpu(@TempDir Path tmp) {
    assumeTrue(Files.isReadable(Path.of("/proc/self/stat")), "no /proc/self/stat: CPU seconds are not measured here");
    ChildCommand.Timed t = ChildCommand.time(List.of("sleep", "0.5"), tmp.resolve("child.log"), new Console(System.out));
    assertTrue(t.seconds() >= 0.5, t.toString());
    assertTrue(t.cpuSeconds() < 0.2, "sleeping costs no CPU: " + t);
  }
}
