package dev.distill.job.ingest;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.IOException;
import java.io.InputStream;

/**
 * CSV with a header row: each row becomes an object of strings keyed by the header. Quoted
 * fields may span lines; a record's line is where it starts. A row that cannot be parsed (e.g.
 * more values than header columns) is reported and reading goes on with the next row.
 */
final class CsvRecordReader {
  private static final CsvMapper CSV = CsvMapper.builder()
      .enable(CsvParser.Feature.SKIP_EMPTY_LINES)
      .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
      .build();

  private CsvRecordReader() {}

  static void read(InputStream in, RecordReader.RecordSink sink) throws IOException {
    try (JsonParser parser = CSV.getFactory().createParser(in)) {
      ((CsvParser) parser).setSchema(CsvSchema.emptySchema().withHeader());
      CsvRows rows = new CsvRows(parser, sink);
      while (true) {
        JsonToken token;
        try {
          token = parser.nextToken();
        } catch (JsonProcessingException e) {
          if (!rows.skipUnreadable(e)) {
            break;
          }
          continue;
        }
        if (token == null) {
          break;
        }
        rows.accept(token);
      }
    }
  }

  /** The rows of one file as its tokens arrive: the row being built, where it starts, and how many came before. */
  private static final class CsvRows {
    private final JsonParser parser;
    private final RecordReader.RecordSink sink;
    private ObjectNode current;
    private long startLine;
    private String field;
    private long index;
    private String lastFailure;

    CsvRows(JsonParser parser, RecordReader.RecordSink sink) {
      this.parser = parser;
      this.sink = sink;
    }

    /**
     * Reports the row the parser failed in and drops it; false when the parser failed at the same
     * place as last time (it cannot get past it, so reading stops).
     */
    boolean skipUnreadable(JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      long line = current != null && startLine > 0 ? startLine : at == null ? 0 : at.getLineNr();
      String where = at == null ? "?" : at.getLineNr() + ":" + at.getColumnNr() + ":" + at.getCharOffset();
      if (where.equals(lastFailure)) {
        return false;
      }
      lastFailure = where;
      sink.unreadable(line, RecordReader.describe(e, true), current == null ? "" : RecordReader.snippet(current.toString()));
      index++;
      current = null;
      return true;
    }

    void accept(JsonToken token) throws IOException {
      switch (token) {
        case START_OBJECT -> {
          current = JsonNodeFactory.instance.objectNode();
          startLine = 0;
        }
        case FIELD_NAME -> {
          field = parser.currentName();
          if (current != null && startLine == 0) {
            // The row's own start: START_OBJECT reports where the previous row ended.
            startLine = parser.currentTokenLocation().getLineNr();
          }
        }
        case END_OBJECT -> {
          if (current != null) {
            sink.record(current, startLine, index++);
          }
          current = null;
        }
        default -> {
          if (current != null && field != null && token.isScalarValue()) {
            current.put(field, parser.getText());
          }
        }
      }
    }
  }
}
