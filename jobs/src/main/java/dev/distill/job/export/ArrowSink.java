package dev.distill.job.export;

import java.io.IOException;
import java.io.OutputStream;
import org.apache.spark.sql.Row;

/**
 * arrow/'s data file, an Arrow IPC stream in record batches of {@link ExportStage#ARROW_BATCH_ROWS}
 * rows. It keeps the time spent in Arrow apart (the stage's {@code arrow_write_seconds}), since the
 * pass that feeds it also waits on Spark and the other files.
 */
final class ArrowSink implements RowSink, AutoCloseable {
  private final OutputStream out;
  private final ArrowRowWriter writer;
  private long nanos;

  ArrowSink(OutputStream out) {
    this.out = out;
    this.writer = new ArrowRowWriter(BundleSchema.SCHEMA, out, ExportStage.ARROW_BATCH_ROWS);
  }

  @Override
  public void write(Row row) {
    long t = System.nanoTime();
    writer.write(row);
    nanos += System.nanoTime() - t;
  }

  /** Writes the last batch and the end-of-stream marker. */
  @Override
  public void finish() throws IOException {
    long t = System.nanoTime();
    writer.close();
    out.flush();
    nanos += System.nanoTime() - t;
  }

  double seconds() {
    return nanos / 1e9;
  }

  /** Frees the Arrow buffers; after a failure, also ends the stream as far as it got. */
  @Override
  public void close() {
    writer.close();
  }
}
