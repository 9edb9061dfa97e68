package dev.distill.job.ingest;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Remembers the last bytes read through it, so that a parse error at a byte offset can be shown
 * with the input around it (the parser reads ahead at most a few KiB).
 */
final class RecentBytes extends FilterInputStream {
  private final byte[] ring;
  private long position;

  RecentBytes(InputStream in, int capacity) {
    super(in);
    this.ring = new byte[capacity];
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b != -1) {
      ring[(int) (position++ % ring.length)] = (byte) b;
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = super.read(b, off, len);
    for (int i = 0; i < n; i++) {
      ring[(int) (position++ % ring.length)] = b[off + i];
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    byte[] buffer = new byte[8192];
    long skipped = 0;
    while (skipped < n) {
      int got = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
      if (got < 0) {
        break;
      }
      skipped += got;
    }
    return skipped;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  /**
   * Up to {@link RecordReader#SNIPPET_CHARS} characters of input starting a little before
   * {@code offset} (a byte offset from the start of this stream); empty when unknown or gone.
   */
  String around(long offset) {
    if (offset < 0) {
      return "";
    }
    long from = Math.max(Math.max(0, offset - 40), position - ring.length);
    long to = Math.min(position, from + RecordReader.SNIPPET_CHARS * 2L);
    if (from >= to) {
      return "";
    }
    byte[] out = new byte[(int) (to - from)];
    for (long p = from; p < to; p++) {
      out[(int) (p - from)] = ring[(int) (p % ring.length)];
    }
    return RecordReader.snippet(new String(out, StandardCharsets.UTF_8).replaceAll("\\s+", " ").strip());
  }
}
