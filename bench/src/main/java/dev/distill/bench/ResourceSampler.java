package dev.distill.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.distill.job.io.Console;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.lang.management.OperatingSystemMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.management.ListenerNotFoundException;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * Samples this JVM's memory every {@value #PERIOD_MILLIS} ms on a daemon thread and keeps the peak
 * of each figure per stage (the stage the {@link Console} last announced): heap used (garbage
 * included), heap after each garbage collection (young ones included: from the collectors'
 * notifications, the sum of the heap pools after it), and resident set size ({@code VmRSS} of {@code /proc/self/status}); plus process CPU seconds per
 * stage. In local mode the driver and the executors share this JVM, so these are the run's figures.
 */
final class ResourceSampler implements Console.StageListener, AutoCloseable {
  static final long PERIOD_MILLIS = 20;
  private static final Path STATUS = Path.of("/proc/self/status");

  /** Peaks of one stage (bytes) and its CPU seconds. */
  record Peaks(long heapUsed, long heapLive, long rss, double cpuSeconds) {}

  private final Map<String, long[]> peaks = new LinkedHashMap<>();
  private final Map<String, Double> cpu = new LinkedHashMap<>();
  private final List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
      .filter(p -> p.getType() == MemoryType.HEAP).toList();
  private final Thread thread;
  private volatile String stage = "(setup)";
  private volatile boolean running = true;
  private double cpuAtStart;

  private final List<NotificationEmitter> emitters = new ArrayList<>();
  private final NotificationListener afterGc = (notification, handback) -> {
    if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
      return;
    }
    GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo
        .from((CompositeData) notification.getUserData());
    long after = 0;
    for (MemoryPoolMXBean p : heapPools) {
      MemoryUsage u = info.getGcInfo().getMemoryUsageAfterGc().get(p.getName());
      after += u == null ? 0 : u.getUsed();
    }
    synchronized (peaks) {
      long[] p = peaks.computeIfAbsent(stage, s -> new long[3]);
      p[1] = Math.max(p[1], after);
    }
  };

  ResourceSampler() {
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter e) {
        e.addNotificationListener(afterGc, null, null);
        emitters.add(e);
      }
    }
    thread = new Thread(this::loop, "distill-bench-sampler");
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    while (running) {
      sample();
      try {
        Thread.sleep(PERIOD_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void sample() {
    long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    long rss = statusKib("VmRSS") * 1024;
    synchronized (peaks) {
      long[] p = peaks.computeIfAbsent(stage, s -> new long[3]);
      p[0] = Math.max(p[0], used);
      p[2] = Math.max(p[2], rss);
    }
  }

  @Override
  public void started(String name) {
    sample();
    stage = name;
    cpuAtStart = cpuSeconds();
    sample();
  }

  @Override
  public void finished(String name) {
    sample();
    cpu.put(name, cpuSeconds() - cpuAtStart);
    stage = "(after " + name + ")";
  }

  Peaks of(String name) {
    synchronized (peaks) {
      long[] p = peaks.getOrDefault(name, new long[3]);
      return new Peaks(p[0], p[1], p[2], cpu.getOrDefault(name, 0.0));
    }
  }

  /** Peaks over the whole run (every stage and the time between them). */
  Peaks overall() {
    synchronized (peaks) {
      long used = 0;
      long live = 0;
      long rss = 0;
      for (long[] p : peaks.values()) {
        used = Math.max(used, p[0]);
        live = Math.max(live, p[1]);
        rss = Math.max(rss, p[2]);
      }
      return new Peaks(used, live, rss, cpu.values().stream().mapToDouble(Double::doubleValue).sum());
    }
  }

  /** The process's peak resident set size so far ({@code VmHWM}), bytes; 0 where /proc is absent. */
  static long peakRss() {
    return statusKib("VmHWM") * 1024;
  }

  static double cpuSeconds() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getProcessCpuTime() / 1e9;
    }
    return 0;
  }

  static long statusKib(String key) {
    try {
      for (String line : Files.readAllLines(STATUS, StandardCharsets.US_ASCII)) {
        if (line.startsWith(key + ":")) {
          return Long.parseLong(line.substring(key.length() + 1).replace("kB", "").trim());
        }
      }
    } catch (IOException | RuntimeException e) {
      return 0;
    }
    return 0;
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    for (NotificationEmitter e : emitters) {
      try {
        e.removeNotificationListener(afterGc);
      } catch (ListenerNotFoundException ignored) {
        // already gone
      }
    }
  }
}
