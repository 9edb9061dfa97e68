package dev.distill.job.export;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

/**
 * train.parquet. Spark writes a directory of parts; the bundle wants one file, so this writes one
 * part and moves it.
 */
final class ParquetPart {

  static void write(HandoffDir handoff, Dataset<Row> kept) {
    String target = handoff.path(ExportStage.PARQUET);
    String tmp = target + ".tmp";
    kept.coalesce(1).write().mode(SaveMode.Overwrite).parquet(tmp);
    try {
      Path dir = new Path(tmp);
      FileSystem fs = dir.getFileSystem(handoff.run().hadoop());
      Path part = onlyPart(fs, tmp);
      Path dest = new Path(target);
      fs.delete(dest, true);
      if (!fs.rename(part, dest)) {
        throw new IOException("cannot move " + part + " to " + dest);
      }
      fs.delete(dir, true);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + target + ": " + e.getMessage(), e);
    }
  }

  private static Path onlyPart(FileSystem fs, String dir) throws IOException {
    Path part = null;
    for (FileStatus s : fs.listStatus(new Path(dir))) {
      if (s.getPath().getName().startsWith("part-") && s.getPath().getName().endsWith(".parquet")) {
        part = s.getPath();
      }
    }
    if (part == null) {
      throw new IOException("no Parquet part file in " + dir);
    }
    return part;
  }

  private ParquetPart() {}
}
