package dev.distill.job.embed;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.distill.job.api.Stage;
import dev.distill.job.api.StageContext;
import dev.distill.job.api.StageRunner;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.schema.CandidateSchema;
import dev.distill.job.schema.Columns;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Embeds every candidate's question with the configured sentence-embedding model into the cache
 * {@link Embeddings#read} reads (only questions the cache lacks: {@code embedded} vs
 * {@code cached} in run.json). It removes nothing: its kept rows are its input, so the next step
 * reads the candidate table as before, and an incremental run embeds only its new rows.
 */
public final class EmbedStage implements Stage {
  public static final String NAME = "embed";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "embed: a sentence embedding per question (cached by model and content id)";
  }

  @Override
  public boolean enabled(PipelineConfig config) {
    return config.embeddings().enabled();
  }

  @Override
  public List<String> sections() {
    return List.of("embeddings");
  }

  @Override
  public List<String> files(PipelineConfig config) {
    String model = config.embeddings().model().strip();
    return ModelRef.BUNDLED.containsKey(model) ? List.of() : List.of(model + "/" + ModelRef.MODEL_FILE, model + "/" + ModelRef.TOKENIZER_FILE);
  }

  @Override
  public List<String> reasons() {
    return List.of();
  }

  @Override
  public Result run(StageContext context, String input, RunSoFar soFar) {
    ModelRef model = Embeddings.model(context);
    return new Result(StageRunner.run(this, context, context.spark().read().parquet(input)), Map.of("embeddings", model.describe()));
  }

  @Override
  public Dataset<Row> apply(StageContext context, Dataset<Row> input) {
    CandidateSchema.require(input.schema(), NAME, Columns.ID, Columns.QUESTION);
    ModelRef model = Embeddings.model(context);
    long start = System.nanoTime();
    Embeddings.Counts counts = Embeddings.ensure(context, model, input.select(col(Columns.ID), col(Columns.QUESTION)));
    double seconds = (System.nanoTime() - start) / 1e9;
    context.stat("model", model.describe());
    context.stat("embedded", counts.embedded());
    context.stat("cached", counts.cached());
    context.stat("embed_seconds", Math.round(seconds * 100) / 100.0);
    return input.withColumn(Columns.REASON, lit(null).cast("string")).withColumn(Columns.DETAIL, lit(null).cast("string"));
  }
}
