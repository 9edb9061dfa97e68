package dev.distill.job.export;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.job.api.StageContext;
import dev.distill.job.api.Step;
import dev.distill.job.io.StageResult;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.io.Json;
import dev.distill.job.io.RunDirectory;
import dev.distill.job.schema.Columns;
import dev.distill.job.score.MscCodes;
import dev.distill.job.spark.TokenizerFile;
import dev.distill.udf.tokens.TokenCounter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

/**
 * Writes the handoff bundle (DESIGN.md, "The handoff bundle"): train.jsonl, train.parquet and
 * arrow/ (the {@code datasets.save_to_disk} layout) with the same rows in rank order, README.md (the
 * dataset card), train/ (s1's recipe, trainer and launcher) and, last, manifest.json with the sha256
 * and size of every other file and the token statistics. Rows whose text exceeds the block size
 * follow export.too_long; dropped ones go to removed/export/ with reason {@code too_long}.
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
    String handoff = run.handoff();
    TokenizerFile tokenizer = TokenizerFile.forExport(context.config(), run.hadoop());
    TokenCounter counter = tokenizer.counter();
    TooLongPolicy policy = TooLongPolicy.of(cfg.tooLong());
    TrainRowBuilder builder = new TrainRowBuilder(cfg.systemPrompt(), cfg.blockSize(), policy);
    // Built on the executors, in rank order (a sort, then a map, keeps the partitions ordered).
    Dataset<Row> built = selection.orderBy(col(Columns.RANK))
        .mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
          TokenCounter tokens = tokenizer.counter();
          List<Row> out = new ArrayList<>();
          while (rows.hasNext()) {
            for (Row r : TraceSamples.expand(rows.next(), cfg.traces())) {
              out.add(builder.build(r, tokens));
            }
          }
          return out.iterator();
        }, Encoders.row(TrainRowBuilder.SCHEMA))
        .cache();
    try {
      run.delete(handoff);
      Column[] bundleColumns = BundleSchema.COLUMNS.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
      Dataset<Row> kept = built.filter(col(TrainRowBuilder.REASON).isNull()).select(bundleColumns);
      writeRemoved(run, selection, built);
      writeSingleParquet(context, kept, handoff + "/" + PARQUET);

      TokenStats stats = new TokenStats(cfg.blockSize(), policy);
      Map<String, Long> domains = new TreeMap<>();
      long withoutTrace = 0;
      String arrowDir = handoff + "/" + HfDatasetLayout.DIR;
      String arrowData = arrowDir + "/" + HfDatasetLayout.DATA_FILE;
      String jsonlPath = handoff + "/" + JSONL;
      long arrowNanos = 0;
      try (OutputStream jsonl = new BufferedOutputStream(run.create(jsonlPath + ".tmp"), 1 << 16);
          OutputStream arrowOut = new BufferedOutputStream(run.create(arrowData + ".tmp"), 1 << 16);
          ArrowRowWriter arrow = new ArrowRowWriter(BundleSchema.SCHEMA, arrowOut, ARROW_BATCH_ROWS)) {
        Iterator<Row> it = built.toLocalIterator();
        while (it.hasNext()) {
          Row r = it.next();
          boolean dropped = !r.isNullAt(r.fieldIndex(TrainRowBuilder.REASON));
          stats.add(r.getInt(r.fieldIndex(TrainRowBuilder.TOKENS_BEFORE)), r.getInt(r.fieldIndex("text_tokens")),
              r.getBoolean(r.fieldIndex("truncated")), dropped);
          if (dropped) {
            continue;
          }
          String domain = r.getAs(TrainRowBuilder.DOMAIN);
          domains.merge(domain == null ? MscCodes.GENERAL : domain, 1L, Long::sum);
          if (r.getList(r.fieldIndex("thinking_trajectories")).isEmpty()) {
            withoutTrace++;
          }
          jsonl.write(Json.compact(jsonLine(r)).getBytes(StandardCharsets.UTF_8));
          jsonl.write('\n');
          long t = System.nanoTime();
          arrow.write(r);
          arrowNanos += System.nanoTime() - t;
        }
        long t = System.nanoTime();
        arrow.close();
        arrowOut.flush();
        arrowNanos += System.nanoTime() - t;
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot write " + jsonlPath + " or " + arrowData + ": " + e.getMessage(), e);
      }
      run.move(jsonlPath + ".tmp", jsonlPath);
      run.move(arrowData + ".tmp", arrowData);
      long rows = stats.rows();

      String arrowSha = sha256(run, arrowData);
      HfFeatures features = new HfFeatures(BundleSchema.SCHEMA);
      run.writeString(arrowDir + "/" + HfDatasetLayout.STATE, Json.pretty(HfDatasetLayout.state(arrowSha)));
      run.writeString(arrowDir + "/" + HfDatasetLayout.INFO, Json.pretty(HfDatasetLayout.info(features,
          "distill selection " + runId + " (" + context.config().select().strategy() + ", seed " + context.config().select().seed()
              + "), s1 chat format in `text`", cfg.license(), rows, run.size(arrowData))));

      String trainDir = handoff + "/" + TrainingRecipe.DIR;
      run.writeString(trainDir + "/" + TrainingRecipe.RECIPE,
          Json.pretty(TrainingRecipe.recipe(cfg.blockSize(), context.config().select().seed())));
      for (String script : TrainingRecipe.SCRIPTS) {
        run.writeBytes(trainDir + "/" + script, TrainingRecipe.script(script));
      }

      Map<String, Object> tokens = stats.toMap(counter.exact() ? "exact" : "estimated", counter.exact() ? cfg.tokenizer() : counter.name());
      Map<String, Long> cardFunnel = new LinkedHashMap<>(funnel);
      cardFunnel.put(NAME, rows);
      MscCodes codes = MscCodes.load(context.config().domains().subjectMap());
      run.writeString(handoff + "/" + CARD, DatasetCard.render(BundleSchema.SCHEMA, new DatasetCard.Facts(runId, configSha256,
          context.config().select().strategy(), context.config().select().seed(), cfg.license(), rows, run.size(arrowData),
          run.size(handoff + "/" + PARQUET), cardFunnel, domains, codes.titles(), tokens, withoutTrace)));

      Map<String, Object> files = new LinkedHashMap<>();
      List<String> names = new ArrayList<>(List.of(JSONL, PARQUET, HfDatasetLayout.DIR + "/" + HfDatasetLayout.DATA_FILE,
          HfDatasetLayout.DIR + "/" + HfDatasetLayout.INFO, HfDatasetLayout.DIR + "/" + HfDatasetLayout.STATE, CARD,
          TrainingRecipe.DIR + "/" + TrainingRecipe.RECIPE));
      TrainingRecipe.SCRIPTS.forEach(s -> names.add(TrainingRecipe.DIR + "/" + s));
      for (String name : names) {
        String path = handoff + "/" + name;
        files.put(name, Map.of("sha256", sha256(run, path), "bytes", run.size(path)));
      }
      Map<String, Object> manifest = new LinkedHashMap<>();
      manifest.put("rows", rows);
      manifest.put("columns", BundleSchema.COLUMNS);
      manifest.put("files", files);
      manifest.put("run_id", runId);
      manifest.put("config_sha256", configSha256);
      manifest.put("strategy", context.config().select().strategy());
      manifest.put("seed", context.config().select().seed());
      manifest.put("tokens", tokens);
      manifest.put("rows_without_teacher_trace", withoutTrace);
      manifest.put("chat_format", "qwen2.5 chat template with <|im_start|>think / <|im_start|>answer sections (s1)");
      manifest.put("chat_markers", ChatFormat.MARKERS);
      manifest.put("arrow", Map.of("layout", "datasets.Dataset.save_to_disk", "format", "Arrow IPC stream",
          "record_batch_rows", ARROW_BATCH_ROWS));
      manifest.put("license", cfg.license());
      run.writeString(handoff + "/" + MANIFEST, Json.pretty(manifest));

      double arrowSeconds = arrowNanos / 1e9;
      context.stat("rows", rows);
      context.stat("total_text_tokens", stats.total());
      context.stat("token_counting", counter.exact() ? "exact" : "estimated");
      context.stat("rows_over_block_size", stats.overBlock());
      context.stat("rows_truncated", stats.truncated());
      context.stat("rows_without_teacher_trace", withoutTrace);
      context.stat("arrow_write_seconds", Math.round(arrowSeconds * 1000) / 1000.0);
      Map<String, Long> removed = stats.dropped() == 0 ? Map.of() : Map.of(TooLongPolicy.REASON, stats.dropped());
      double seconds = (System.nanoTime() - start) / 1e9;
      return new StageResult(NAME, rows + stats.dropped(), rows, removed, seconds, context.drainStats());
    } finally {
      built.unpersist();
    }
  }

  /** removed/export/: the selected rows the policy dropped, with reason and detail, like every stage's removed rows. */
  private static void writeRemoved(RunDirectory run, Dataset<Row> selection, Dataset<Row> built) {
    Dataset<Row> dropped = built.filter(col(TrainRowBuilder.REASON).isNotNull())
        .select(col(TrainRowBuilder.ID).as(Columns.ID), col(TrainRowBuilder.REASON).as(Columns.REASON),
            col(TrainRowBuilder.DETAIL).as(Columns.DETAIL));
    selection.join(dropped, Columns.ID).write().mode(SaveMode.Overwrite).parquet(run.removed(NAME));
  }

  /** The JSON Lines form of a training row, {@code cot} written as an explicit null as in s1K. */
  static ObjectNode jsonLine(Row r) {
    ObjectNode line = Json.MAPPER.createObjectNode();
    for (String column : BundleSchema.COLUMNS) {
      int i = r.fieldIndex(column);
      switch (column) {
        case "thinking_trajectories" -> {
          ArrayNode arr = line.putArray(column);
          r.<String>getList(i).forEach(arr::add);
        }
        case "text_tokens" -> line.put(column, r.getInt(i));
        case "truncated" -> line.put(column, r.getBoolean(i));
        default -> line.put(column, r.<String>getAs(column));
      }
    }
    return line;
  }

  /** Spark writes a directory of parts; the bundle wants one file, so write one part and move it. */
  private static void writeSingleParquet(StageContext context, Dataset<Row> rows, String target) {
    String tmp = target + ".tmp";
    rows.coalesce(1).write().mode(SaveMode.Overwrite).parquet(tmp);
    try {
      Path dir = new Path(tmp);
      FileSystem fs = dir.getFileSystem(context.run().hadoop());
      Path part = null;
      for (FileStatus s : fs.listStatus(dir)) {
        if (s.getPath().getName().startsWith("part-") && s.getPath().getName().endsWith(".parquet")) {
          part = s.getPath();
        }
      }
      if (part == null) {
        throw new IOException("no Parquet part file in " + tmp);
      }
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

  static String sha256(RunDirectory run, String path) {
    try (InputStream in = run.open(path)) {
      return Json.sha256(in);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + path + ": " + e.getMessage(), e);
    }
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
