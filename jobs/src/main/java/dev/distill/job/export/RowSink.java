package dev.distill.job.export;

import java.io.IOException;
import org.apache.spark.sql.Row;

/**
 * One file written from the kept training rows, in rank order. {@link JsonlAndArrowPart} feeds
 * every sink from a single pass, so the rows come to the driver once however many files they fill.
 */
interface RowSink {
  void write(Row row) throws IOException;

  /** After the last row: writes what the sink still holds into its stream, which its opener closes. */
  void finish() throws IOException;
}
