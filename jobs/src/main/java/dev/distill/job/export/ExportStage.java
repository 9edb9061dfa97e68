package dev.distill.job.export;

import dev.distill.job.api.StageContext;
import dev.distill.job.api.Step;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.io.RunDirectory;
import dev.distill.job.io.StageResult;
import dev.distill.job.schema.Columns;
import dev.distill.job.score.MscCodes;
import dev.distill.job.spark.TokenizerFile;
import dev.distill.udf.tokens.TokenCounter;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

/**
 * Writes the handoff bundle (DESIGN.md, "The handoff bundle"): train.jsonl, train.parquet and
 * arrow/ (the {@code datasets.save_to_disk} layout) with the same rows in rank order, README.md (the
 * dataset card), train/ (s1's recipe, trainer and launcher) and, last, manifest.json with the sha256
 * and size of every other file and the token statistics. Rows whose text exceeds the block size
 * follow export.too_long; dropped ones go to removed/export/ with reason {@code too_long}. Each
 * part of the bundle has its writer ({@link ParquetPart}, {@link JsonlAndArrowPart},
 * {@link HfLayoutPart}, {@link RecipePart}, {@link CardPart}, {@link ManifestPart}); the order here
 * is the one their inputs need.
 */
public final class ExportStage implements Step {
  public static final String NAME = "export";
  public static final String MANIFEST = "manifest.json";
  public static final String JSONL = "train.jsonl";
  public static final String PARQUET = "train.parquet";
  public static final String CARD = "README.md";
  static final int ARROW_BATCH_ROWS = 1000;

  public static StageResult run(StageContext context, Dataset<Row> selection, String runId, String configSha256) {
    return run(context, selection, runId, configSha256, Map.of());
  }

  /** {@code funnel}: rows after each earlier stage, for the dataset card. */
  public static StageResult run(StageContext context, Dataset<Row> selection, String runId, String configSha256, Map<String, Long> funnel) {
    long start = System.nanoTime();
    RunDirectory run = context.run();
    PipelineConfig.Export cfg = context.config().export();
    TokenizerFile tokenizer = TokenizerFile.forExport(context.config(), run.hadoop());
    TokenCounter counter = tokenizer.counter();
    TooLongPolicy policy = TooLongPolicy.of(cfg.tooLong());
    Dataset<Row> built = TrainRows.build(selection, tokenizer, cfg, policy).cache();
    try {
      HandoffDir handoff = new HandoffDir(run);
      handoff.clear();
      writeRemoved(run, selection, built);
      ParquetPart.write(handoff, TrainRows.kept(built));
      RowTally tally = new RowTally(new TokenStats(cfg.blockSize(), policy));
      double arrowSeconds = JsonlAndArrowPart.write(handoff, built.toLocalIterator(), tally);
      BundleRun origin = BundleRun.of(context.config(), runId, configSha256);
      HfLayoutPart.write(handoff, origin, tally.rows());
      RecipePart.write(handoff, cfg.blockSize(), origin.seed());
      Map<String, Object> tokens = tally.tokens().toMap(counting(counter), counter.exact() ? cfg.tokenizer() : counter.name());
      CardPart.write(handoff, origin, tally, tokens, funnel, MscCodes.load(context.config().domains().subjectMap()).titles());
      ManifestPart.write(handoff, origin, tally, tokens);
      return result(context, tally, counter, arrowSeconds, start);
    } finally {
      built.unpersist();
    }
  }

  /** removed/export/: the selected rows the policy dropped, with reason and detail, like every stage's removed rows. */
  private static void writeRemoved(RunDirectory run, Dataset<Row> selection, Dataset<Row> built) {
    selection.join(TrainRows.dropped(built), Columns.ID).write().mode(SaveMode.Overwrite).parquet(run.removed(NAME));
  }

  /** Records the stage's figures for run.json and returns its row counts. */
  private static StageResult result(StageContext context, RowTally tally, TokenCounter counter, double arrowSeconds, long start) {
    TokenStats stats = tally.tokens();
    context.stat("rows", tally.rows());
    context.stat("total_text_tokens", stats.total());
    context.stat("token_counting", counting(counter));
    context.stat("rows_over_block_size", stats.overBlock());
    context.stat("rows_truncated", stats.truncated());
    context.stat("rows_without_teacher_trace", tally.withoutTrace());
    context.stat("arrow_write_seconds", Math.round(arrowSeconds * 1000) / 1000.0);
    Map<String, Long> removed = stats.dropped() == 0 ? Map.of() : Map.of(TooLongPolicy.REASON, stats.dropped());
    double seconds = (System.nanoTime() - start) / 1e9;
    return new StageResult(NAME, tally.rows() + stats.dropped(), tally.rows(), removed, seconds, context.drainStats());
  }

  private static String counting(TokenCounter counter) {
    return counter.exact() ? "exact" : "estimated";
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description(PipelineConfig config) {
    return "handoff bundle for the GPU training stage";
  }

  @Override
  public List<String> files(PipelineConfig config) {
    String tokenizer = config.export().tokenizer();
    return tokenizer == null || tokenizer.isBlank() ? List.of() : List.of(tokenizer);
  }

  @Override
  public List<String> reasons() {
    return List.of(TooLongPolicy.REASON);
  }

  @Override
  public List<String> outputs(RunDirectory run) {
    return List.of(run.handoff() + "/" + MANIFEST, run.removed(NAME) + "/_SUCCESS");
  }

  @Override
  public String output(RunDirectory run) {
    return run.handoff();
  }

  @Override
  public Result run(StageContext context, String input, RunSoFar soFar) {
    return new Result(run(context, context.spark().read().parquet(input), soFar.runId(), soFar.configSha256(), soFar.funnel()));
  }
}
