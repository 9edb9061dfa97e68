package dev.distill.job.export;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import scala.collection.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Writes Spark rows as an Arrow IPC stream (the format of {@code datasets}' .arrow files), in
 * record batches of {@code batchRows} rows, with Apache Arrow Java. Types: see {@link HfFeatures}.
 */
final class ArrowRowWriter implements AutoCloseable {
  private final StructType schema;
  private final int batchRows;
  private final BufferAllocator allocator = new RootAllocator();
  private final VectorSchemaRoot root;
  private final ArrowStreamWriter writer;
  private int inBatch;
  private long rows;
  private boolean closed;

  ArrowRowWriter(StructType schema, OutputStream out, int batchRows) {
    this.schema = schema;
    this.batchRows = batchRows;
    this.root = VectorSchemaRoot.create(new HfFeatures(schema).arrowSchema(), allocator);
    this.writer = new ArrowStreamWriter(root, null, Channels.newChannel(out));
    try {
      writer.start();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start the Arrow stream: " + e.getMessage(), e);
    }
    root.allocateNew();
  }

  void write(Row row) {
    for (int c = 0; c < schema.fields().length; c++) {
      String name = schema.fields()[c].name();
      set(root.getVector(name), inBatch, row.isNullAt(row.fieldIndex(name)) ? null : row.get(row.fieldIndex(name)));
    }
    inBatch++;
    rows++;
    if (inBatch == batchRows) {
      flush();
    }
  }

  private static void set(FieldVector vector, int index, Object value) {
    if (value == null) {
      if (vector instanceof ListVector list) {
        list.setNull(index);
      } else if (vector instanceof BaseFixedWidthVector fixed) {
        fixed.setNull(index);
      } else if (vector instanceof BaseVariableWidthVector variable) {
        variable.setNull(index);
      } else {
        throw new IllegalStateException("Cannot write a null into Arrow vector " + vector.getField());
      }
      return;
    }
    if (vector instanceof VarCharVector v) {
      v.setSafe(index, value.toString().getBytes(StandardCharsets.UTF_8));
    } else if (vector instanceof IntVector v) {
      v.setSafe(index, ((Number) value).intValue());
    } else if (vector instanceof BigIntVector v) {
      v.setSafe(index, ((Number) value).longValue());
    } else if (vector instanceof BitVector v) {
      v.setSafe(index, ((Boolean) value) ? 1 : 0);
    } else if (vector instanceof ListVector v) {
      List<?> items = value instanceof Seq<?> seq
          ? CollectionConverters.asJava(seq) : (List<?>) value;
      int start = v.startNewValue(index);
      FieldVector data = (FieldVector) v.getDataVector();
      for (int i = 0; i < items.size(); i++) {
        set(data, start + i, items.get(i));
      }
      v.endValue(index, items.size());
    } else {
      throw new IllegalStateException("Cannot write Arrow vector " + vector.getField() + ": unsupported type");
    }
  }

  private void flush() {
    if (inBatch == 0) {
      return;
    }
    root.setRowCount(inBatch);
    try {
      writer.writeBatch();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write an Arrow record batch: " + e.getMessage(), e);
    }
    root.clear();
    root.allocateNew();
    inBatch = 0;
  }

  long rows() {
    return rows;
  }

  /** Writes the last batch and the end-of-stream marker; does not close the output stream. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      flush();
      writer.end();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot finish the Arrow stream: " + e.getMessage(), e);
    } finally {
      root.close();
      allocator.close();
    }
  }
}
