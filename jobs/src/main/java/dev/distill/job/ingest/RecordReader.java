package dev.distill.job.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.distill.job.source.SourceFormat;
import dev.distill.job.source.SourceSpec;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/**
 * Splits one input file into JSON records, each with the line where it starts, streaming (a
 * file is never held in memory as a whole). Parquet is not read here: Spark reads it.
 *
 * <p>The layout comes from the source's {@code format}, or with {@code auto} from the extension,
 * confirmed by the content:
 *
 * <ul>
 *   <li>{@code .jsonl} / {@code .ndjson}: JSON Lines, one object per non-blank line. A line that
 *       does not parse, or holds no object, is reported unreadable and reading goes on.
 *   <li>{@code .json}: a JSON array of objects (each element a record, on the line where it
 *       starts); or one object holding the array, at the {@code records} path or, when that is
 *       not set, in the object's only field holding an array of objects (an object without one is
 *       a single record); or JSON Lines saved as {@code .json}, recognised when the first line is
 *       a complete object and more content follows it. A malformed document is reported
 *       unreadable at the line and column where it breaks; the records before it are kept.
 *   <li>{@code .csv}: CSV with a header row (quoted fields may span lines); each record is an
 *       object of strings, on the line where it starts.
 *   <li>{@code .zip}: each {@code .jsonl}, {@code .json} or {@code .csv} entry, read as above
 *       (see {@link ZipRecordReader}).
 *   <li>other extensions: JSON when the content starts with an opening brace or bracket.
 * </ul>
 *
 * <p>A UTF-8 byte order mark is skipped. The caller keeps ownership of the stream.
 */
public final class RecordReader {
  /** Receives the records of one file, in file order. */
  public interface RecordSink {
    /**
     * One record.
     *
     * @param record always a JSON object
     * @param line 1-based line of the file where the record starts
     * @param index 0-based position of the record in the file, unreadable ones included
     */
    void record(JsonNode record, long line, long index);

    /**
     * Input that could not be read as a record.
     *
     * @param line 1-based line where the problem is (where the record starts when known)
     * @param error what is wrong, on one line
     * @param rawSnippet up to {@value RecordReader#SNIPPET_CHARS} characters of the input there
     *     (may be empty when the reader cannot tell)
     */
    void unreadable(long line, String error, String rawSnippet);
  }

  /** Longest raw snippet handed to {@link RecordSink#unreadable}. */
  public static final int SNIPPET_CHARS = 200;

  /** How far ahead a {@code .json} file is read to tell a document from JSON Lines. */
  static final int SNIFF_LIMIT = 8 << 20;

  /** Non-numeric numbers (NaN) are accepted: Python's json module writes them. */
  static final ObjectMapper JSON = JsonMapper.builder()
      .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
      .build();

  /** Reads one complete value, rejecting anything after it (a JSON Lines line). */
  static final ObjectReader ONE_VALUE = JSON.readerFor(JsonNode.class).with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /** How a file is split into records. */
  enum Layout { JSON_LINES, JSON_DOCUMENT, CSV }

  private RecordReader() {}

  /**
   * Reads every record of one file into {@code sink}.
   *
   * @param fileName the file's name or path: its extension picks the layout under {@code auto}
   * @param in the file's bytes; not closed
   * @param spec the source the file belongs to (format and records path)
   * @throws IOException when the stream fails, or the file is Parquet or of unknown format
   * @throws SourceConfigException when {@code records} is needed to find the records and is not set
   */
  public static void read(String fileName, InputStream in, SourceSpec spec, RecordSink sink) throws IOException {
    if (ZipRecordReader.isZip(fileName)) {
      ZipRecordReader.read(fileName, in, spec, sink);
      return;
    }
    BufferedInputStream input = new BufferedInputStream(in, 1 << 16);
    skipByteOrderMark(input);
    if (isBlank(input)) {
      return;
    }
    switch (layout(fileName, input, spec.format())) {
      case JSON_LINES -> JsonLinesReader.read(input, sink);
      case CSV -> CsvRecordReader.read(input, sink);
      default -> new JsonDocumentReader(input, fileName, spec, sink).read();
    }
  }

  static Layout layout(String fileName, BufferedInputStream in, SourceFormat format) throws IOException {
    switch (format) {
      case JSONL:
        return Layout.JSON_LINES;
      case CSV:
        return Layout.CSV;
      case JSON:
        return sniffJson(in);
      case PARQUET:
        throw parquet(fileName);
      default:
        break;
    }
    String name = fileName.toLowerCase(Locale.ROOT);
    if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
      return Layout.JSON_LINES;
    }
    if (name.endsWith(".json")) {
      return sniffJson(in);
    }
    if (name.endsWith(".csv")) {
      return Layout.CSV;
    }
    if (name.endsWith(".parquet")) {
      throw parquet(fileName);
    }
    in.mark(SNIFF_LIMIT);
    int first = firstNonSpace(in, SNIFF_LIMIT);
    in.reset();
    if (first == '{' || first == '[') {
      return sniffJson(in);
    }
    throw new IOException("Cannot detect the format of " + fileName + ": the name does not end in .jsonl, .json or .csv"
        + " and the content does not start with '{' or '['; set format (jsonl, json or csv) in the source config");
  }

  private static IOException parquet(String fileName) {
    return new IOException("Cannot read " + fileName + " with RecordReader: Parquet files are read by Spark;"
        + " convert each row to JSON and call RecordMapper");
  }

  /**
   * A {@code .json} file is JSON Lines when its first line is a complete JSON object and more
   * content follows; otherwise it is one JSON document.
   */
  private static Layout sniffJson(BufferedInputStream in) throws IOException {
    int spaces = 1 << 20;
    in.mark(SNIFF_LIMIT);
    try {
      int first = firstNonSpace(in, spaces);
      if (first != '{') {
        return Layout.JSON_DOCUMENT;
      }
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      line.write(first);
      int read = 1;
      int c;
      while ((c = in.read()) != -1 && c != '\n') {
        line.write(c);
        if (++read > SNIFF_LIMIT - 4 * spaces) {
          return Layout.JSON_DOCUMENT;
        }
      }
      if (c == -1 || !isCompleteObject(line.toByteArray())) {
        return Layout.JSON_DOCUMENT;
      }
      int next = firstNonSpace(in, spaces);
      return next == -1 ? Layout.JSON_DOCUMENT : Layout.JSON_LINES;
    } finally {
      in.reset();
    }
  }

  private static boolean isCompleteObject(byte[] line) {
    try {
      return ONE_VALUE.<JsonNode>readValue(line).isObject();
    } catch (IOException e) {
      return false;
    }
  }

  /** The first byte that is not JSON whitespace, or -1 at the end or after {@code limit} bytes. */
  private static int firstNonSpace(InputStream in, int limit) throws IOException {
    for (int i = 0; i < limit; i++) {
      int c = in.read();
      if (c == -1 || !isSpace(c)) {
        return c;
      }
    }
    return -1;
  }

  static boolean isSpace(int c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
  }

  /** True when nothing but whitespace is left (a CSV parser would call that an empty header). */
  private static boolean isBlank(BufferedInputStream in) throws IOException {
    int window = 1 << 16;
    in.mark(window + 1);
    boolean blank = firstNonSpace(in, window) == -1 && in.read() == -1;
    in.reset();
    return blank;
  }

  private static void skipByteOrderMark(BufferedInputStream in) throws IOException {
    in.mark(3);
    if (!(in.read() == 0xEF && in.read() == 0xBB && in.read() == 0xBF)) {
      in.reset();
    }
  }

  /** A Jackson error on one line: its own message and where, without the source description. */
  static String describe(JsonProcessingException e, boolean withLine) {
    StringBuilder out = new StringBuilder(oneLine(e.getOriginalMessage()));
    if (e.getLocation() != null) {
      out.append(withLine ? " (line " + e.getLocation().getLineNr() + ", column " : " (column ")
          .append(e.getLocation().getColumnNr()).append(')');
    }
    return out.toString();
  }

  static String oneLine(String text) {
    if (text == null) {
      return "unknown error";
    }
    String line = text.replaceAll("\\s+", " ").strip();
    return line.length() > 500 ? line.substring(0, 500) + "..." : line;
  }

  /** At most {@link #SNIPPET_CHARS} characters, never splitting a surrogate pair. */
  static String snippet(String text) {
    if (text == null) {
      return "";
    }
    if (text.length() <= SNIPPET_CHARS) {
      return text;
    }
    int end = SNIPPET_CHARS;
    if (Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(0, end);
  }

  /** "an object", "a string", ... for messages. */
  static String kind(JsonNode node) {
    if (node == null || node.isMissingNode()) {
      return "nothing";
    }
    return switch (node.getNodeType()) {
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case NULL -> "null";
      default -> "a " + node.getNodeType().name().toLowerCase(Locale.ROOT);
    };
  }
}
