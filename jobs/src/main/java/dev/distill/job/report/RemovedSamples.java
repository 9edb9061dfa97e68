package dev.distill.job.report;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;

import dev.distill.job.report.RunReport.RemovedSample;
import dev.distill.job.schema.Columns;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * The first {@link RunReport#SAMPLES_PER_REASON} rows by id of every (stage, reason) of removed/,
 * in two jobs over all stages: the rows are ranked on the narrow (stage, reason, id, source) columns
 * (one id can be removed from two sources), then only the picked rows' texts are read. Ranking
 * whole rows would shuffle every removed question.
 */
final class RemovedSamples {
  private RemovedSamples() {}

  /** {@code removed}: stage name -> its removed/ table, in the order the report lists stages. */
  static List<RemovedSample> of(Map<String, Dataset<Row>> removed) {
    Map<String, Dataset<Row>> stages = new LinkedHashMap<>();
    removed.forEach((stage, d) -> {
      if (d != null && has(d, Columns.REASON)) {
        stages.put(stage, d);
      }
    });
    if (stages.isEmpty()) {
      return new ArrayList<>();
    }
    List<Row> picked = picked(stages);
    Map<String, Row> texts = texts(stages, picked);
    List<RemovedSample> out = new ArrayList<>();
    for (Row p : picked) {
      Row t = texts.get(key(p.getString(0), p.getString(1), p.getString(2), p.getString(3)));
      out.add(new RemovedSample(p.getString(0), p.getString(1), p.getLong(4), p.getString(2), p.getString(3),
          t == null ? null : t.getString(4), t == null ? null : t.getString(5)));
    }
    return out;
  }

  /** (stage, reason, id, source, rows of that reason) of the picked rows, in the report's order. */
  private static List<Row> picked(Map<String, Dataset<Row>> stages) {
    Dataset<Row> ids = union(stages, (stage, d) -> d.select(lit(stage).as("stage"), col(Columns.REASON).as("reason"),
        col(Columns.ID).as("id"), text(d, Columns.SOURCE)));
    return ids
        .withColumn("_n", row_number().over(Window.partitionBy("stage", "reason").orderBy(col("id"), col(Columns.SOURCE).asc_nulls_first())))
        .withColumn("_count", count(lit(1)).over(Window.partitionBy("stage", "reason")))
        .filter(col("_n").leq(RunReport.SAMPLES_PER_REASON))
        .orderBy(col("stage"), col("reason"), col("_n"))
        .select("stage", "reason", "id", Columns.SOURCE, "_count")
        .collectAsList();
  }

  /** (stage, reason, id, source) -> (stage, reason, id, source, question, detail) of the picked rows. */
  private static Map<String, Row> texts(Map<String, Dataset<Row>> stages, List<Row> picked) {
    Map<String, List<String>> idsByStage = new HashMap<>();
    picked.forEach(p -> idsByStage.computeIfAbsent(p.getString(0), s -> new ArrayList<>()).add(p.getString(2)));
    Dataset<Row> rows = union(stages, (stage, d) -> d
        .filter(col(Columns.ID).isin(idsByStage.getOrDefault(stage, List.of()).toArray()))
        .select(lit(stage).as("stage"), col(Columns.REASON).cast("string"), col(Columns.ID), text(d, Columns.SOURCE),
            text(d, Columns.QUESTION), text(d, Columns.DETAIL)));
    Map<String, Row> out = new HashMap<>();
    for (Row r : rows.collectAsList()) {
      out.putIfAbsent(key(r.getString(0), r.getString(1), r.getString(2), r.getString(3)), r);
    }
    return out;
  }

  private static String key(String stage, String reason, String id, String source) {
    return String.join("\u0000", stage, reason, id, String.valueOf(source));
  }

  /** The first rows of quarantine/ by file:line, each counted with every unreadable row. */
  static List<RemovedSample> quarantine(Dataset<Row> quarantine) {
    List<RemovedSample> out = new ArrayList<>();
    if (quarantine == null || !has(quarantine, "error")) {
      return out;
    }
    Column where = has(quarantine, "file") && has(quarantine, "line")
        ? concat_ws(":", col("file"), col("line").cast("string")) : lit("");
    // The count joined as one row, not a window over all rows: a window without partitions moves the
    // whole quarantine into one task (and Spark warns about it on every report).
    Dataset<Row> total = quarantine.agg(count(lit(1)).as("n"));
    for (Row r : quarantine.select(where.as("w"), text(quarantine, Columns.SOURCE), text(quarantine, "raw"),
            col("error").cast("string"))
        .orderBy("w").limit(RunReport.SAMPLES_PER_REASON).crossJoin(total).collectAsList()) {
      out.add(new RemovedSample("quarantine", "unreadable", r.getLong(4), r.getString(0), r.getString(1), r.getString(2), r.getString(3)));
    }
    return out;
  }

  private interface Part {
    Dataset<Row> of(String stage, Dataset<Row> removed);
  }

  private static Dataset<Row> union(Map<String, Dataset<Row>> stages, Part part) {
    Dataset<Row> all = null;
    for (Map.Entry<String, Dataset<Row>> e : stages.entrySet()) {
      Dataset<Row> d = part.of(e.getKey(), e.getValue());
      all = all == null ? d : all.unionAll(d);
    }
    return all;
  }

  private static Column text(Dataset<Row> d, String column) {
    return (has(d, column) ? col(column).cast("string") : lit(null).cast("string")).as(column);
  }

  private static boolean has(Dataset<Row> d, String column) {
    return Arrays.asList(d.columns()).contains(column);
  }
}
