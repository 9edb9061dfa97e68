package dev.distill.job.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.source.SourceConfigException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordReaderTest {
  @TempDir
  Path dir;

  @Test
  void jsonLinesKeepsGoingAfterABrokenLine() throws IOException {
    String content = String.join("\n",
        "{\"question\": \"one\"}",
        "{\"question\": \"two\"}",
        "{\"question\": \"three\", oops}",
        "",
        "{\"question\": \"four\"}\r",
        "[1, 2]",
        "{\"question\": \"five\"}");
    CollectingSink sink = CollectingSink.read(dir, "data.jsonl", content);

    assertEquals(List.of(1L, 2L, 5L, 7L), sink.lines());
    assertEquals(List.of("one", "two", "four", "five"),
        sink.records.stream().map(r -> r.record().get("question").asText()).toList());
    assertEquals(List.of(0L, 1L, 3L, 5L), sink.records.stream().map(CollectingSink.Read::index).toList());
    assertEquals(2, sink.unreadable.size());
    CollectingSink.Unreadable broken = sink.unreadable.get(0);
    assertEquals(3, broken.line());
    assertTrue(broken.error().contains("column"), broken.error());
    assertTrue(!broken.error().contains("\n"), "one line: " + broken.error());
    assertEquals("{\"question\": \"three\", oops}", broken.snippet());
    assertEquals(6, sink.unreadable.get(1).line());
    assertTrue(sink.unreadable.get(1).error().contains("an array, expected a JSON object"), sink.unreadable.get(1).error());
  }

  @Test
  void jsonLinesReportsTrailingGarbageAndLongLinesAreCutInTheSnippet() throws IOException {
    String longText = "x".repeat(1000);
    String content = "{\"question\": \"a\"} trailing\n{\"question\": \"" + longText + "\"\n";
    CollectingSink sink = CollectingSink.read(dir, "data.jsonl", content);

    assertEquals(0, sink.records.size());
    assertEquals(List.of(1L, 2L), sink.unreadable.stream().map(CollectingSink.Unreadable::line).toList());
    assertEquals(RecordReader.SNIPPET_CHARS, sink.unreadable.get(1).snippet().length());
  }

  @Test
  void jsonLinesDoesNotSplitOnUnicodeLineSeparators() throws IOException {
    CollectingSink sink = CollectingSink.read(dir, "data.jsonl", "{\"question\": \"a\u2028b\u0085c\"}\n{\"question\": \"d\"}\n");
    assertEquals(List.of(1L, 2L), sink.lines());
    assertEquals("a\u2028b\u0085c", sink.records.get(0).record().get("question").asText());
  }

  @Test
  void jsonLinesReportsInvalidUtf8OnItsOwnLine() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.writeBytes("{\"question\": \"ok\"}\n{\"question\": \"".getBytes(StandardCharsets.UTF_8));
    bytes.write(0xC3);
    bytes.write(0x28);
    bytes.writeBytes("\"}\n{\"question\": \"fine\"}\n".getBytes(StandardCharsets.UTF_8));
    CollectingSink sink = CollectingSink.read(dir, "data.jsonl", bytes.toByteArray(), CollectingSink.spec(Map.of()));

    assertEquals(List.of(1L, 3L), sink.lines());
    assertEquals(1, sink.unreadable.size());
    assertEquals(2, sink.unreadable.get(0).line());
  }

  @Test
  void jsonArrayGivesTheLineWhereEachElementStarts() throws IOException {
    String content = String.join("\n",
        "[",                            // 1
        "  {",                          // 2
        "    \"question\": \"one\",",   // 3
        "    \"answer\": 1",            // 4
        "  },",                         // 5
        "  {\"question\": \"two\"},",   // 6
        "",                             // 7
        "  {",                          // 8
        "    \"question\": \"three\"",  // 9
        "  }",                          // 10
        "]");
    CollectingSink sink = CollectingSink.read(dir, "data.json", content);

    assertEquals(List.of(2L, 6L, 8L), sink.lines());
    assertEquals(List.of(0L, 1L, 2L), sink.records.stream().map(CollectingSink.Read::index).toList());
    assertTrue(sink.unreadable.isEmpty());
  }

  @Test
  void jsonArrayReportsNonObjectElementsAndGoesOn() throws IOException {
    String content = "[\n{\"question\": \"a\"},\n\"just text\",\n[1, 2],\n{\"question\": \"b\"}\n]\n";
    CollectingSink sink = CollectingSink.read(dir, "data.json", content);

    assertEquals(List.of(2L, 5L), sink.lines());
    assertEquals(List.of(0L, 3L), sink.records.stream().map(CollectingSink.Read::index).toList());
    assertEquals(List.of(3L, 4L), sink.unreadable.stream().map(CollectingSink.Unreadable::line).toList());
    assertTrue(sink.unreadable.get(0).error().contains("element 1 of the array is a string, expected a JSON object"),
        sink.unreadable.get(0).error());
    assertEquals("\"just text\"", sink.unreadable.get(0).snippet());
  }

  @Test
  void malformedJsonArrayKeepsTheRecordsBeforeTheBreak() throws IOException {
    String content = String.join("\n",
        "[",
        "  {\"question\": \"one\"},",
        "  {\"question\": \"two\"},",
        "  {\"question\": \"three\" \"answer\": 3},",
        "  {\"question\": \"four\"}",
        "]");
    CollectingSink sink = CollectingSink.read(dir, "data.json", content);

    assertEquals(List.of(2L, 3L), sink.lines());
    assertEquals(1, sink.unreadable.size());
    CollectingSink.Unreadable broken = sink.unreadable.get(0);
    assertEquals(4, broken.line());
    assertTrue(broken.error().contains("(line 4, column"), broken.error());
    assertTrue(broken.snippet().contains("\"answer\": 3"), broken.snippet());
  }

  @Test
  void truncatedJsonArrayIsReported() throws IOException {
    CollectingSink sink = CollectingSink.read(dir, "data.json", "[\n{\"question\": \"one\"},\n{\"question\": \"tw");
    assertEquals(List.of(2L), sink.lines());
    assertEquals(1, sink.unreadable.size());
    assertEquals(3, sink.unreadable.get(0).line());
  }

  @Test
  void objectHoldingAnExampleArrayIsFoundAutomaticallyOrByPath() throws IOException {
    String content = String.join("\n",
        "{",                                        // 1
        "  \"keywords\": [\"2010-2022\", \"MCQs\"],", // 2
        "  \"meta\": {\"n\": 2},",                  // 3
        "  \"example\": [",                         // 4
        "    {\"question\": \"one\", \"answer\": [\"D\"]},", // 5
        "    {",                                    // 6
        "      \"question\": \"two\"",              // 7
        "    }",                                    // 8
        "  ]",
        "}");
    CollectingSink auto = CollectingSink.read(dir, "auto.json", content);
    assertEquals(List.of(5L, 6L), auto.lines());
    assertTrue(auto.unreadable.isEmpty());

    CollectingSink byPath = CollectingSink.read(dir, "path.json", content.getBytes(StandardCharsets.UTF_8),
        CollectingSink.spec(Map.of("records", "example")));
    assertEquals(List.of(5L, 6L), byPath.lines());
    assertEquals("two", byPath.records.get(1).record().get("question").asText());
  }

  @Test
  void nestedRecordsPathAndMissingRecordsPath() throws IOException {
    String content = "{\"data\": {\"skip\": [1], \"rows\": [{\"question\": \"a\"}, {\"question\": \"b\"}]}}";
    CollectingSink nested = CollectingSink.read(dir, "nested.json", content.getBytes(StandardCharsets.UTF_8),
        CollectingSink.spec(Map.of("records", "data.rows")));
    assertEquals(2, nested.records.size());

    CollectingSink missing = CollectingSink.read(dir, "missing.json", content.getBytes(StandardCharsets.UTF_8),
        CollectingSink.spec(Map.of("records", "example")));
    assertEquals(0, missing.records.size());
    assertEquals(1, missing.unreadable.size());
    assertTrue(missing.unreadable.get(0).error().contains("Cannot find the records array 'example'"), missing.unreadable.get(0).error());
  }

  @Test
  void objectWithTwoRecordArraysNeedsARecordsPath() {
    String content = "{\n\"a\": [{\"question\": \"x\"}],\n\"b\": [{\"question\": \"y\"}]\n}";
    SourceConfigException e = assertThrows(SourceConfigException.class,
        () -> CollectingSink.read(dir, "two.json", content));
    assertTrue(e.getMessage().startsWith("Cannot read config key sources[0].records:"), e.getMessage());
    assertTrue(e.getMessage().contains("('a', 'b')"), e.getMessage());
  }

  @Test
  void singleObjectWithoutRecordArrayIsOneRecord() throws IOException {
    CollectingSink sink = CollectingSink.read(dir, "one.json", "\n\n{\n  \"question\": \"only\",\n  \"tags\": [\"x\", \"y\"]\n}\n");
    assertEquals(List.of(3L), sink.lines());
    assertEquals("[\"x\",\"y\"]", sink.records.get(0).record().get("tags").toString());
  }

  @Test
  void jsonFileThatIsReallyJsonLines() throws IOException {
    String content = "{\"question\": \"one\", \"domain\": [\"a\"]}\n{\"question\": \"two\"}\n\n{\"question\": \"three\"}\n";
    CollectingSink sink = CollectingSink.read(dir, "really-lines.json", content);
    assertEquals(List.of(1L, 2L, 4L), sink.lines());
    assertTrue(sink.unreadable.isEmpty());
  }

  @Test
  void csvWithQuotedMultiLineFieldsGivesStartLines() throws IOException {
    String content = String.join("\n",
        "Question,Correct Answer,Note",                    // 1
        "\"What is",                                       // 2
        "2+2?\",4,plain",                                  // 3
        "",                                                // 4
        "Short,5,\"a \"\"quoted\"\" note\"",               // 5
        "Too,many,values,here",                            // 6
        "\"Three",                                         // 7
        "line",                                            // 8
        "question\",6,x",                                  // 9
        "Last,7,y");                                       // 10
    CollectingSink sink = CollectingSink.read(dir, "data.csv", content);

    assertEquals(List.of(2L, 5L, 7L, 10L), sink.lines());
    assertEquals("What is\n2+2?", sink.records.get(0).record().get("Question").asText());
    assertEquals("a \"quoted\" note", sink.records.get(1).record().get("Note").asText());
    assertEquals("6", sink.records.get(2).record().get("Correct Answer").asText());
    assertEquals(1, sink.unreadable.size());
    assertEquals(6, sink.unreadable.get(0).line());
    assertTrue(sink.unreadable.get(0).error().contains("Too many entries"), sink.unreadable.get(0).error());
  }

  @Test
  void byteOrderMarkIsSkippedInEveryFormat() throws IOException {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    assertEquals(List.of(1L, 2L), CollectingSink.readBytes("a.jsonl", withBom(bom, "{\"question\": \"a\"}\n{\"question\": \"b\"}"),
        CollectingSink.spec(Map.of())).lines());
    assertEquals(List.of(1L), CollectingSink.readBytes("a.json", withBom(bom, "[{\"question\": \"a\"}]"),
        CollectingSink.spec(Map.of())).lines());
    CollectingSink csv = CollectingSink.readBytes("a.csv", withBom(bom, "question,answer\nq,1\n"), CollectingSink.spec(Map.of()));
    assertEquals(List.of(2L), csv.lines());
    assertEquals("q", csv.records.get(0).record().get("question").asText());
  }

  @Test
  void formatComesFromTheSpecOrTheContent() throws IOException {
    String lines = "{\"question\": \"a\"}\n{\"question\": \"b\"}\n";
    assertEquals(2, CollectingSink.readBytes("data.txt", lines.getBytes(StandardCharsets.UTF_8),
        CollectingSink.spec(Map.of("format", "jsonl"))).records.size());
    assertEquals(2, CollectingSink.readBytes("data.txt", lines.getBytes(StandardCharsets.UTF_8),
        CollectingSink.spec(Map.of())).records.size());
    IOException unknown = assertThrows(IOException.class, () -> CollectingSink.readBytes("data.txt",
        "question\nq\n".getBytes(StandardCharsets.UTF_8), CollectingSink.spec(Map.of())));
    assertTrue(unknown.getMessage().startsWith("Cannot detect the format of data.txt"), unknown.getMessage());
    IOException parquet = assertThrows(IOException.class, () -> CollectingSink.readBytes("part-0.parquet",
        new byte[] {'P', 'A', 'R', '1'}, CollectingSink.spec(Map.of())));
    assertTrue(parquet.getMessage().contains("read by Spark"), parquet.getMessage());
  }

  @Test
  void topLevelScalarIsUnreadable() throws IOException {
    CollectingSink sink = CollectingSink.read(dir, "scalar.json", "\n42\n");
    assertEquals(0, sink.records.size());
    assertEquals(2, sink.unreadable.get(0).line());
    assertTrue(sink.unreadable.get(0).error().contains("a number at the top level"), sink.unreadable.get(0).error());
  }

  @Test
  void emptyFilesHaveNoRecords() throws IOException {
    for (String name : List.of("e.jsonl", "e.json", "e.csv")) {
      CollectingSink sink = CollectingSink.read(dir, name, "  \n");
      assertEquals(0, sink.records.size(), name);
      assertEquals(0, sink.unreadable.size(), name);
    }
  }

  private static byte[] withBom(byte[] bom, String text) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(bom);
    out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  @Test
  void zipEntriesAreReadInOrderWithIndicesRunningOn() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(bytes)) {
      zip.putNextEntry(new java.util.zip.ZipEntry("outputs/a.json"));
      zip.write("[{\"question\": \"one\"},\n {\"question\": \"two\"}]".getBytes(StandardCharsets.UTF_8));
      zip.closeEntry();
      zip.putNextEntry(new java.util.zip.ZipEntry("__MACOSX/outputs/._a.json"));
      zip.write(new byte[] {0, 1, 2});
      zip.closeEntry();
      zip.putNextEntry(new java.util.zip.ZipEntry("notes.txt"));
      zip.write("not data".getBytes(StandardCharsets.UTF_8));
      zip.closeEntry();
      zip.putNextEntry(new java.util.zip.ZipEntry("b.jsonl"));
      zip.write("{\"question\": \"three\"}\n{oops\n{\"question\": \"four\"}\n".getBytes(StandardCharsets.UTF_8));
      zip.closeEntry();
    }
    CollectingSink sink = CollectingSink.read(dir, "outputs.zip", bytes.toByteArray(), CollectingSink.spec(Map.of()));

    assertEquals(List.of("one", "two", "three", "four"),
        sink.records.stream().map(r -> r.record().get("question").asText()).toList());
    assertEquals(List.of(0L, 1L, 2L, 4L), sink.records.stream().map(CollectingSink.Read::index).toList());
    assertEquals(List.of(1L, 2L, 1L, 3L), sink.lines());
    assertEquals(1, sink.unreadable.size());
    assertEquals(2, sink.unreadable.get(0).line());
    assertTrue(sink.unreadable.get(0).error().startsWith("in b.jsonl: "), sink.unreadable.get(0).error());
  }

  @Test
  void zipWithoutDataEntriesIsAnError() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(bytes)) {
      zip.putNextEntry(new java.util.zip.ZipEntry("readme.txt"));
      zip.write("hello".getBytes(StandardCharsets.UTF_8));
      zip.closeEntry();
    }
    IOException e = assertThrows(IOException.class,
        () -> CollectingSink.read(dir, "empty.zip", bytes.toByteArray(), CollectingSink.spec(Map.of())));
    assertTrue(e.getMessage().contains("empty.zip") && e.getMessage().contains("no .jsonl"), e.getMessage());
  }
}
