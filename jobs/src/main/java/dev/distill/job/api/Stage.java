package dev.distill.job.api;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * One filtering/scoring step of the pipeline: a Dataset-to-Dataset transform.
 *
 * <p>The returned dataset holds every input row, with the stage's score columns added and a
 * {@code reason} column: null keeps the row, anything else drops it with that reason (and an
 * optional {@code detail}). The runner writes kept rows to {@code stages/<name>/} and dropped
 * ones to {@code removed/<name>/}, so no row is ever lost.
 */
public interface Stage {
  String name();

  /** One line for the Spark UI and the console. */
  String description();

  Dataset<Row> apply(StageContext context, Dataset<Row> input);
}
