package dev.distill.job.export;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.job.io.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.spark.sql.Row;

/** train.jsonl: one compact JSON object per row, the bundle's columns in their order. */
final class JsonlSink implements RowSink {
  private final OutputStream out;

  JsonlSink(OutputStream out) {
    this.out = out;
  }

  @Override
  public void write(Row row) throws IOException {
    out.write(Json.compact(line(row)).getBytes(StandardCharsets.UTF_8));
    out.write('\n');
  }

  @Override
  public void finish() throws IOException {
    out.flush();
  }

  /** The JSON Lines form of a training row, {@code cot} written as an explicit null as in s1K. */
  static ObjectNode line(Row r) {
    ObjectNode line = Json.MAPPER.createObjectNode();
    for (String column : BundleSchema.COLUMNS) {
      int i = r.fieldIndex(column);
      switch (column) {
        case "thinking_trajectories" -> {
          ArrayNode arr = line.putArray(column);
          r.<String>getList(i).forEach(arr::add);
        }
        case "text_tokens" -> line.put(column, r.getInt(i));
        case "truncated" -> line.put(column, r.getBoolean(i));
        default -> line.put(column, r.<String>getAs(column));
      }
    }
    return line;
  }
}
