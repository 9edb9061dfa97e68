package dev.distill.job.embed;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.min;

import dev.distill.job.api.StageContext;
import dev.distill.job.schema.Columns;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * The sentence embeddings of a run's questions: the one way to read them, and the way to add
 * missing ones. Downstream steps (semantic decontamination, dedup, domains, diversity) read
 * {@link #read} and join on the candidate's {@code id} (the content id of its question):
 *
 * <pre>{@code
 * Dataset<Row> withVectors = candidates.join(Embeddings.read(context), candidates.col("id").equalTo(col(Embeddings.CONTENT_ID)));
 * float[] v = Embeddings.vector(row, row.fieldIndex(Embeddings.VECTOR));
 * }</pre>
 *
 * <p>{@link #read} gives one row per content id: {@code content_id string}, {@code vector
 * array<float>} (L2-normalised, so a dot product is the cosine; {@link Vectors#dot}). The vectors
 * live in {@link dev.distill.job.io.RunDirectory#embeddings the cache} of the configured model
 * under the output root, appended to by {@link #ensure}: the embed step ensures every candidate
 * of the run has one; decontam adds the eval items'.
 */
public final class Embeddings {
  public static final String CONTENT_ID = "content_id";
  public static final String VECTOR = "vector";
  public static final StructType SCHEMA = new StructType()
      .add(CONTENT_ID, DataTypes.StringType, false)
      .add(VECTOR, DataTypes.createArrayType(DataTypes.FloatType, false), false);
  private static final String TEXT = "_text";

  /** How many of the texts asked for were embedded now, and how many the cache already held. */
  public record Counts(long embedded, long cached) {}

  /** The configured model (embeddings.model), resolved and hashed. */
  public static ModelRef model(StageContext context) {
    return ModelRef.of(context.config().embeddings(), context.run().hadoop());
  }

  /** Every cached vector of the run's model: (content_id, vector), one row per content id. */
  public static Dataset<Row> read(StageContext context) {
    return read(context, model(context));
  }

  public static Dataset<Row> read(StageContext context, ModelRef model) {
    String dir = context.run().embeddings(model.cacheKey());
    if (!exists(context, dir)) {
      return context.spark().createDataFrame(List.of(), SCHEMA);
    }
    // Two runs embedding the same new question at once both append it: the vectors are the same.
    return context.spark().read().schema(SCHEMA).parquet(dir).groupBy(CONTENT_ID).agg(min(VECTOR).as(VECTOR));
  }

  /**
   * Embeds the texts of {@code texts} ({@code id}, {@code question}) the cache lacks, on the
   * executors (batched within each partition, one model per JVM), and appends them to the cache.
   * A content id with several texts (the same question up to formatting) is embedded once, from
   * the first of them in string order, so the result does not depend on partitioning.
   */
  public static Counts ensure(StageContext context, ModelRef model, Dataset<Row> texts) {
    Dataset<Row> needed = texts.groupBy(col(Columns.ID).as(CONTENT_ID)).agg(min(col(Columns.QUESTION)).as(TEXT));
    Dataset<Row> missing = needed.join(read(context, model).select(CONTENT_ID), CONTENT_ID, "left_anti")
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      long total = needed.count();
      long embedded = missing.count();
      if (embedded > 0) {
        int batch = context.config().embeddings().batchSize();
        int partitions = (int) Math.max(1, Math.min(context.partitions(), (embedded + batch - 1) / batch));
        missing.repartition(partitions, col(CONTENT_ID))
            .mapPartitions(new Embed(model, context.config().embeddings().threads(), batch), Encoders.row(SCHEMA))
            .write().mode(SaveMode.Append).parquet(context.run().embeddings(model.cacheKey()));
      }
      return new Counts(embedded, total - embedded);
    } finally {
      missing.unpersist();
    }
  }

  /** The vector at {@code i} of a row read from {@link #read}. */
  public static float[] vector(Row row, int i) {
    List<Float> values = row.getList(i);
    float[] v = new float[values.size()];
    for (int k = 0; k < v.length; k++) {
      v[k] = values.get(k);
    }
    return v;
  }

  private static boolean exists(StageContext context, String dir) {
    Path path = new Path(dir);
    try {
      return path.getFileSystem(context.run().hadoop()).exists(path);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the embedding cache " + dir + ": " + e.getMessage(), e);
    }
  }

  /** (content_id, text) rows in, (content_id, vector) rows out, {@code batch} texts per model call. */
  private record Embed(ModelRef model, int threads, int batch) implements MapPartitionsFunction<Row, Row> {
    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      SentenceEncoder encoder = ExecutorEncoders.get(model, threads);
      return new Iterator<>() {
        private final List<Row> out = new ArrayList<>();
        private int next;

        @Override
        public boolean hasNext() {
          if (next < out.size()) {
            return true;
          }
          out.clear();
          next = 0;
          List<String> ids = new ArrayList<>();
          List<String> texts = new ArrayList<>();
          while (ids.size() < batch && rows.hasNext()) {
            Row r = rows.next();
            ids.add(r.getString(0));
            texts.add(r.getString(1));
          }
          float[][] vectors = encoder.embed(texts);
          for (int i = 0; i < ids.size(); i++) {
            out.add(RowFactory.create(ids.get(i), boxed(vectors[i])));
          }
          return !out.isEmpty();
        }

        @Override
        public Row next() {
          return out.get(next++);
        }
      };
    }

    private static Float[] boxed(float[] v) {
      Float[] out = new Float[v.length];
      for (int i = 0; i < v.length; i++) {
        out[i] = v[i];
      }
      return out;
    }
  }

  private Embeddings() {}
}
