package dev.distill.job.ingest;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.job.source.SourceConfigException;
import dev.distill.job.source.SourceSpec;
import java.io.IOException;
import java.io.InputStream;

/**
 * One JSON document: an array of records, or an object holding the array (at the configured
 * {@code records} path, or auto-detected). Streams the array element by element.
 */
final class JsonDocumentReader {
  private final RecentBytes input;
  private final String fileName;
  private final SourceSpec spec;
  private final RecordReader.RecordSink sink;
  private JsonParser parser;
  private long index;

  JsonDocumentReader(InputStream in, String fileName, SourceSpec spec, RecordReader.RecordSink sink) {
    this.input = new RecentBytes(in, 1 << 16);
    this.fileName = fileName;
    this.spec = spec;
    this.sink = sink;
  }

  void read() throws IOException {
    try (JsonParser p = RecordReader.JSON.createParser(input)) {
      parser = p;
      JsonToken first = p.nextToken();
      if (first == null) {
        return;
      }
      long line = tokenLine();
      if (first == JsonToken.START_ARRAY) {
        if (streamArray(p.nextToken())) {
          expectEnd("array");
        }
      } else if (first == JsonToken.START_OBJECT) {
        if (spec.records() != null) {
          if (!findRecords(spec.records().split("\\."), 0)) {
            sink.unreadable(line, "Cannot find the records array '" + spec.records() + "' in the top-level object;"
                + " check records of source " + spec.name() + ", or leave it out to detect the array", "");
          }
        } else if (readObjectAuto(line)) {
          expectEnd("object");
        }
      } else {
        JsonNode value = p.readValueAsTree();
        sink.unreadable(line, "the file holds " + RecordReader.kind(value) + " at the top level, expected an array or an object",
            RecordReader.snippet(String.valueOf(value)));
      }
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      sink.unreadable(at == null ? 0 : at.getLineNr(), RecordReader.describe(e, true),
          input.around(at == null ? -1 : at.getByteOffset()));
    }
  }

  /**
   * Streams array elements, {@code token} being the first element's token; returns false when the
   * file ends inside the array (reported).
   */
  private boolean streamArray(JsonToken token) throws IOException {
    JsonToken t = token;
    while (t != JsonToken.END_ARRAY) {
      if (t == null) {
        sink.unreadable(parser.currentLocation().getLineNr(), "the file ends inside the array: ']' is missing",
            input.around(parser.currentLocation().getByteOffset() - 100));
        return false;
      }
      long line = tokenLine();
      JsonNode element = parser.readValueAsTree();
      if (element.isObject()) {
        sink.record(element, line, index);
      } else {
        sink.unreadable(line, "element " + index + " of the array is " + RecordReader.kind(element) + ", expected a JSON object",
            RecordReader.snippet(element.toString()));
      }
      index++;
      t = parser.nextToken();
    }
    return true;
  }

  /** Walks down {@code names} from the current START_OBJECT; false when a name is not there. */
  private boolean findRecords(String[] names, int at) throws IOException {
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken value = parser.nextToken();
      if (field.equals(names[at])) {
        if (at < names.length - 1 && value == JsonToken.START_OBJECT) {
          return findRecords(names, at + 1);
        }
        if (at == names.length - 1) {
          if (value == JsonToken.START_ARRAY) {
            streamArray(parser.nextToken());
          } else {
            long line = tokenLine();
            JsonNode node = parser.readValueAsTree();
            sink.unreadable(line, "the records path '" + spec.records() + "' holds " + RecordReader.kind(node)
                + ", expected an array of objects", RecordReader.snippet(node.toString()));
          }
          return true;
        }
      }
      parser.skipChildren();
    }
    return false;
  }

  /**
   * An object without a records path: its only field holding an array of objects is streamed as
   * the records; without one, the object itself is a single record. Returns whether the object
   * was read to its end.
   */
  private boolean readObjectAuto(long objectLine) throws IOException {
    ObjectNode whole = RecordReader.JSON.createObjectNode();
    String found = null;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken value = parser.nextToken();
      if (value != JsonToken.START_ARRAY) {
        whole.set(field, parser.readValueAsTree());
        continue;
      }
      JsonToken first = parser.nextToken();
      if (first == JsonToken.START_OBJECT) {
        if (found != null) {
          throw SourceConfigException.sourceKey(spec.keyPath() + "." + SourceSpec.RECORDS,
              fileName + " holds an object with several arrays of objects ('" + found + "', '" + field + "')",
              "set records to the field that holds the records");
        }
        found = field;
        if (!streamArray(first)) {
          return false;
        }
        continue;
      }
      ArrayNode kept = whole.putArray(field);
      for (JsonToken t = first; t != JsonToken.END_ARRAY; t = parser.nextToken()) {
        if (t == null) {
          return false;
        }
        kept.add((JsonNode) parser.readValueAsTree());
      }
    }
    if (found == null) {
      sink.record(whole, objectLine, index++);
    }
    return true;
  }

  private void expectEnd(String what) throws IOException {
    JsonToken extra = parser.nextToken();
    if (extra != null) {
      sink.unreadable(tokenLine(), "more content follows the top-level " + what
          + "; a file of several objects must be JSON Lines, one object per line",
          input.around(parser.currentTokenLocation().getByteOffset()));
    }
  }

  private long tokenLine() {
    return parser.currentTokenLocation().getLineNr();
  }
}
