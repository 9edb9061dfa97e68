package dev.distill.job.source;

import java.util.Locale;

/** The {@code format} of a source. */
public enum SourceFormat {
  /** By file extension, confirmed by looking at the content (see {@code ingest.RecordReader}). */
  AUTO,
  /** JSON Lines: one JSON object per non-blank line. */
  JSONL,
  /** A JSON array, an object holding an array, or JSON Lines saved as {@code .json}. */
  JSON,
  /** CSV with a header row. */
  CSV,
  /** Apache Parquet: read by Spark, never by {@code ingest.RecordReader}. */
  PARQUET;

  /** The name used in config files, e.g. {@code jsonl}. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
