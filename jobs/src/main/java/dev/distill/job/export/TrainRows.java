package dev.distill.job.export;

import static org.apache.spark.sql.functions.col;

import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.schema.Columns;
import dev.distill.job.spark.TokenizerFile;
import dev.distill.udf.tokens.TokenCounter;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * A selection's training rows in {@link TrainRowBuilder#SCHEMA}, built on the executors in rank
 * order: a sort then a map keeps the partitions ordered, so every bundle file gets the rows in the
 * same order. Rows the too-long policy dropped stay in, marked by their reason, for removed/export/
 * and the token statistics.
 */
final class TrainRows {

  static Dataset<Row> build(Dataset<Row> selection, TokenizerFile tokenizer, PipelineConfig.Export cfg, TooLongPolicy policy) {
    TrainRowBuilder builder = new TrainRowBuilder(cfg.systemPrompt(), cfg.blockSize(), policy);
    return selection.orderBy(col(Columns.RANK))
        .mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
          TokenCounter tokens = tokenizer.counter();
          List<Row> out = new ArrayList<>();
          while (rows.hasNext()) {
            for (Row r : TraceSamples.expand(rows.next(), cfg.traces())) {
              out.add(builder.build(r, tokens));
            }
          }
          return out.iterator();
        }, Encoders.row(TrainRowBuilder.SCHEMA));
  }

  /** The rows the bundle holds, in {@link BundleSchema}'s columns. */
  static Dataset<Row> kept(Dataset<Row> built) {
    Column[] bundleColumns = BundleSchema.COLUMNS.stream().map(functions::col).toArray(Column[]::new);
    return built.filter(col(TrainRowBuilder.REASON).isNull()).select(bundleColumns);
  }

  /** The dropped rows' ids, reasons and details, in the columns of every stage's removed rows. */
  static Dataset<Row> dropped(Dataset<Row> built) {
    return built.filter(col(TrainRowBuilder.REASON).isNotNull())
        .select(col(TrainRowBuilder.ID).as(Columns.ID), col(TrainRowBuilder.REASON).as(Columns.REASON),
            col(TrainRowBuilder.DETAIL).as(Columns.DETAIL));
  }

  private TrainRows() {}
}
