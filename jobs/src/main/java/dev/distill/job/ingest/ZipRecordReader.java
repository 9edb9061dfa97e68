package dev.distill.job.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.source.SourceSpec;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * A {@code .zip} of JSON Lines, JSON or CSV files (as benchmark outputs are often shipped): each
 * data entry is read in archive order with {@link RecordReader}, as if it were a file of its own.
 * Record indices run on across entries; lines are those of the entry, and an unreadable record's
 * error names its entry. Directories, macOS metadata and entries of other types are skipped.
 */
final class ZipRecordReader {
  private ZipRecordReader() {}

  static boolean isZip(String fileName) {
    return fileName.toLowerCase(Locale.ROOT).endsWith(".zip");
  }

  static void read(String fileName, InputStream in, SourceSpec spec, RecordReader.RecordSink sink) throws IOException {
    ZipInputStream zip = new ZipInputStream(in);
    long[] offset = {0};
    int entries = 0;
    for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
      String name = entry.getName();
      if (entry.isDirectory() || !isDataEntry(name)) {
        continue;
      }
      entries++;
      long base = offset[0];
      RecordReader.RecordSink shifted = new RecordReader.RecordSink() {
        @Override
        public void record(JsonNode record, long line, long index) {
          sink.record(record, line, base + index);
          offset[0] = Math.max(offset[0], base + index + 1);
        }

        @Override
        public void unreadable(long line, String error, String rawSnippet) {
          sink.unreadable(line, "in " + name + ": " + error, rawSnippet);
          offset[0]++;
        }
      };
      RecordReader.read(name, new FilterInputStream(zip) {
        @Override
        public void close() {
          // the next entry is read from the same stream
        }
      }, spec, shifted);
    }
    if (entries == 0) {
      throw new IOException("Cannot read " + fileName + ": the zip holds no .jsonl, .ndjson, .json or .csv entry;"
          + " zip the data files themselves, or unzip it and read the files");
    }
  }

  private static boolean isDataEntry(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    String base = lower.substring(lower.lastIndexOf('/') + 1);
    if (lower.startsWith("__macosx/") || base.startsWith(".")) {
      return false;
    }
    return base.endsWith(".jsonl") || base.endsWith(".ndjson") || base.endsWith(".json") || base.endsWith(".csv");
  }
}
