package dev.distill.job.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * JSON Lines: one object per line, split on {@code \n} only (a JSON string may hold U+2028).
 * Lines are parsed as bytes, so invalid UTF-8 is reported for its own line instead of being
 * replaced silently.
 */
final class JsonLinesReader {
  private final RecordReader.RecordSink sink;
  private byte[] line = new byte[8192];
  private int length;
  private long lineNumber;
  private long index;

  private JsonLinesReader(RecordReader.RecordSink sink) {
    this.sink = sink;
  }

  static void read(InputStream in, RecordReader.RecordSink sink) throws IOException {
    new JsonLinesReader(sink).readAll(in);
  }

  private void readAll(InputStream in) throws IOException {
    byte[] chunk = new byte[1 << 16];
    int n;
    boolean pending = false;
    while ((n = in.read(chunk)) != -1) {
      int start = 0;
      for (int i = 0; i < n; i++) {
        if (chunk[i] == '\n') {
          append(chunk, start, i - start);
          endLine();
          pending = false;
          start = i + 1;
        }
      }
      if (start < n) {
        append(chunk, start, n - start);
        pending = true;
      }
    }
    if (pending) {
      endLine();
    }
  }

  private void append(byte[] bytes, int from, int count) {
    if (length + count > line.length) {
      line = Arrays.copyOf(line, Math.max(line.length * 2, length + count));
    }
    System.arraycopy(bytes, from, line, length, count);
    length += count;
  }

  private void endLine() {
    lineNumber++;
    int end = length;
    length = 0;
    if (end > 0 && line[end - 1] == '\r') {
      end--;
    }
    if (isBlank(end)) {
      return;
    }
    try {
      JsonNode node = RecordReader.ONE_VALUE.readValue(line, 0, end);
      if (node.isObject()) {
        sink.record(node, lineNumber, index);
      } else {
        sink.unreadable(lineNumber, "the line holds " + RecordReader.kind(node) + ", expected a JSON object", snippet(end));
      }
    } catch (JsonProcessingException e) {
      sink.unreadable(lineNumber, RecordReader.describe(e, false), snippet(end));
    } catch (IOException e) {
      sink.unreadable(lineNumber, RecordReader.oneLine(e.getMessage()), snippet(end));
    }
    index++;
  }

  private boolean isBlank(int end) {
    for (int i = 0; i < end; i++) {
      if (!RecordReader.isSpace(line[i])) {
        return false;
      }
    }
    return true;
  }

  private String snippet(int end) {
    int take = Math.min(end, RecordReader.SNIPPET_CHARS * 4);
    return RecordReader.snippet(new String(line, 0, take, StandardCharsets.UTF_8));
  }
}
