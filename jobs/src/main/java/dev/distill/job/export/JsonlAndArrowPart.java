package dev.distill.job.export;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Row;

/**
 * train.jsonl and arrow/'s data file, both from one pass over the built rows in rank order (the
 * rows come to the driver once), counting every row into a {@link RowTally} on the way. Each file
 * is written under a temporary name and moved into place once both are complete.
 */
final class JsonlAndArrowPart {
  static final String ARROW_DATA = HfDatasetLayout.DIR + "/" + HfDatasetLayout.DATA_FILE;
  private static final int BUFFER_BYTES = 1 << 16;

  /** Rows of {@link TrainRowBuilder#SCHEMA}; returns the seconds spent writing Arrow. */
  static double write(HandoffDir handoff, Iterator<Row> rows, RowTally tally) {
    double arrowSeconds;
    try (OutputStream jsonlOut = new BufferedOutputStream(handoff.createTemp(ExportStage.JSONL), BUFFER_BYTES);
        OutputStream arrowOut = new BufferedOutputStream(handoff.createTemp(ARROW_DATA), BUFFER_BYTES);
        ArrowSink arrow = new ArrowSink(arrowOut)) {
      feed(rows, tally, List.of(new JsonlSink(jsonlOut), arrow));
      arrowSeconds = arrow.seconds();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + handoff.path(ExportStage.JSONL) + " or " + handoff.path(ARROW_DATA)
          + ": " + e.getMessage(), e);
    }
    handoff.moveTemp(ExportStage.JSONL);
    handoff.moveTemp(ARROW_DATA);
    return arrowSeconds;
  }

  private static void feed(Iterator<Row> rows, RowTally tally, List<RowSink> sinks) throws IOException {
    while (rows.hasNext()) {
      Row r = rows.next();
      if (tally.add(r)) {
        for (RowSink sink : sinks) {
          sink.write(r);
        }
      }
    }
    for (RowSink sink : sinks) {
      sink.finish();
    }
  }

  private JsonlAndArrowPart() {}
}
