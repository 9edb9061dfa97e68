package dev.distill.job.generate;

import dev.distill.job.io.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Appends ledger entries from one generation task: buffered, and written as a new segment file
 * (temporary name, then rename) every {@code flushRows} entries or {@code flushSeconds}, whichever
 * comes first. A segment is visible complete or not at all.
 */
final class LedgerWriter implements AutoCloseable {
  private final Configuration hadoop;
  private final String dir;
  private final String prefix;
  private final int flushRows;
  private final List<String> buffer = new ArrayList<>();
  private final ScheduledExecutorService timer;
  private int sequence;
  private long written;
  private IOException failure;

  LedgerWriter(Configuration hadoop, String dir, String prefix, int flushRows, int flushSeconds) {
    this.hadoop = hadoop;
    this.dir = dir;
    this.prefix = prefix;
    this.flushRows = flushRows;
    this.timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("distill-ledger-flush"));
    timer.scheduleWithFixedDelay(this::flushQuietly, flushSeconds, flushSeconds, TimeUnit.SECONDS);
  }

  synchronized void append(Map<String, Object> entry) {
    buffer.add(Json.compact(entry));
    if (buffer.size() >= flushRows) {
      flushQuietly();
    }
  }

  /** Appends the entries of one request together, so they land in the same segment. */
  synchronized void appendAll(List<Map<String, Object>> entries) {
    for (Map<String, Object> e : entries) {
      buffer.add(Json.compact(e));
    }
    if (buffer.size() >= flushRows) {
      flushQuietly();
    }
  }

  /** Writes what is buffered now (the batch collector, before it closes a batch's record). */
  synchronized void flushNow() throws IOException {
    flush();
  }

  synchronized long written() {
    return written;
  }

  private synchronized void flushQuietly() {
    try {
      flush();
    } catch (IOException e) {
      failure = e;
    }
  }

  private synchronized void flush() throws IOException {
    if (buffer.isEmpty()) {
      return;
    }
    String name = String.format("%s-%05d.jsonl", prefix, sequence++);
    Path target = new Path(dir, name);
    Path tmp = new Path(dir, "." + name + ".tmp");
    FileSystem fs = target.getFileSystem(hadoop);
    try (FSDataOutputStream out = fs.create(tmp, true)) {
      for (String line : buffer) {
        out.write(line.getBytes(StandardCharsets.UTF_8));
        out.write('\n');
      }
    }
    if (!fs.rename(tmp, target)) {
      throw new IOException("rename of " + tmp + " to " + target + " failed");
    }
    written += buffer.size();
    buffer.clear();
  }

  /** Flushes what is left; fails if any flush failed, so a task never reports entries that are not on disk. */
  @Override
  public synchronized void close() {
    timer.shutdownNow();
    flushQuietly();
    if (failure != null) {
      throw new UncheckedIOException("Cannot write ledger segment under " + dir + ": " + failure.getMessage(), failure);
    }
  }
}
