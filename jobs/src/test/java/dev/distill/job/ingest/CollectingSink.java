package dev.distill.job.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.source.SourceSpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Keeps what {@link RecordReader} reports, for assertions. */
final class CollectingSink implements RecordReader.RecordSink {
  record Read(JsonNode record, long line, long index) {}

  record Unreadable(long line, String error, String snippet) {}

  final List<Read> records = new ArrayList<>();
  final List<Unreadable> unreadable = new ArrayList<>();

  @Override
  public void record(JsonNode record, long line, long index) {
    records.add(new Read(record, line, index));
  }

  @Override
  public void unreadable(long line, String error, String rawSnippet) {
    unreadable.add(new Unreadable(line, error, rawSnippet));
  }

  List<Long> lines() {
    return records.stream().map(Read::line).toList();
  }

  /** Writes {@code content} to {@code dir/name} and reads it with a default source spec. */
  static CollectingSink read(Path dir, String name, String content) throws IOException {
    return read(dir, name, content.getBytes(StandardCharsets.UTF_8), spec(Map.of()));
  }

  static CollectingSink read(Path dir, String name, byte[] content, SourceSpec spec) throws IOException {
    Path file = dir.resolve(name);
    Files.write(file, content);
    CollectingSink sink = new CollectingSink();
    try (InputStream in = Files.newInputStream(file)) {
      RecordReader.read(file.toString(), in, spec, sink);
    }
    return sink;
  }

  static CollectingSink readBytes(String name, byte[] content, SourceSpec spec) throws IOException {
    CollectingSink sink = new CollectingSink();
    RecordReader.read(name, new ByteArrayInputStream(content), spec, sink);
    return sink;
  }

  /** A source with {@code question: question} plus the given keys. */
  static SourceSpec spec(Map<String, Object> extra) {
    Map<String, Object> raw = new java.util.LinkedHashMap<>();
    raw.put("name", "test/source");
    raw.put("path", "unused.jsonl");
    raw.put("fields", Map.of("question", "question"));
    raw.putAll(extra);
    return SourceSpec.fromMap(raw, "sources[0]");
  }
}
