package dev.distill.job.export;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.job.api.StageContext;
import dev.distill.job.api.StageResult;
import dev.distill.job.run.Json;
import dev.distill.job.run.RunDirectory;
import dev.distill.job.schema.Columns;
import dev.distill.udf.tokens.TokenCounter;
import dev.distill.udf.tokens.TokenCounters;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Writes the handoff bundle: train.jsonl and train.parquet with s1K's columns plus {@code text}
 * in the exact s1 chat format, and manifest.json (rows, columns, sha256 per file, run id, config
 * sha256, strategy, seed, token statistics).
 */
public final class ExportStage {
  public static final String NAME = "export";
  public static final List<String> COLUMNS = List.of("question", "solution", "cot_type", "source_type", "metadata", "cot",
      "thinking_trajectories", "attempt", "text");
  static final StructType SCHEMA = new StructType()
      .add("question", DataTypes.StringType, false)
      .add("solution", DataTypes.StringType, true)
      .add("cot_type", DataTypes.StringType, true)
      .add("source_type", DataTypes.StringType, true)
      .add("metadata", DataTypes.StringType, true)
      .add("cot", DataTypes.StringType, true)
      .add("thinking_trajectories", DataTypes.createArrayType(DataTypes.StringType, false), false)
      .add("attempt", DataTypes.StringType, true)
      .add("text", DataTypes.StringType, false);

  public static StageResult run(StageContext context, Dataset<Row> selection, String runId, String configSha256) {
    long start = System.nanoTime();
    RunDirectory run = context.run();
    String handoff = run.handoff();
    String system = context.config().export().systemPrompt();
    List<Row> rows = selection.orderBy(col(Columns.RANK)).collectAsList();
    String tokenizer = context.config().difficulty().tokenizer();
    TokenCounter counter = TokenCounters.forPath(tokenizer.isBlank() ? null : tokenizer);
    List<Row> out = new ArrayList<>();
    StringBuilder jsonl = new StringBuilder();
    long totalTokens = 0;
    int maxTokens = 0;
    int withoutTrace = 0;
    for (Row r : rows) {
      String trace = r.getAs(Columns.TRACE);
      String attempt = r.getAs(Columns.ATTEMPT);
      String solution = r.getAs(Columns.SOLUTION);
      String answer = r.getAs(Columns.ANSWER);
      if (trace == null || trace.isBlank()) {
        withoutTrace++;
      }
      String finalAttempt = attempt != null && !attempt.isBlank() ? attempt : solution != null && !solution.isBlank() ? solution : answer;
      String question = r.getAs(Columns.QUESTION);
      String text = ChatFormat.text(system, question, trace, finalAttempt);
      int tokens = counter.count(text);
      totalTokens += tokens;
      maxTokens = Math.max(maxTokens, tokens);
      List<String> trajectories = trace == null || trace.isBlank() ? List.of() : List.of(trace);
      String source = r.getAs(Columns.SOURCE);
      String metadata = r.getAs(Columns.METADATA);
      String cotType = r.getAs(Columns.COT_TYPE);
      out.add(RowFactory.create(question, solution, cotType, source, metadata, null,
          scala.jdk.javaapi.CollectionConverters.asScala(trajectories).toSeq(), finalAttempt, text));
      ObjectNode line = Json.MAPPER.createObjectNode();
      line.put("question", question);
      line.put("solution", solution);
      line.put("cot_type", cotType);
      line.put("source_type", source);
      line.put("metadata", metadata);
      line.putNull("cot");
      ArrayNode arr = line.putArray("thinking_trajectories");
      trajectories.forEach(arr::add);
      line.put("attempt", finalAttempt);
      line.put("text", text);
      jsonl.append(Json.compact(line)).append('\n');
    }
    run.writeString(handoff + "/train.jsonl", jsonl.toString());
    writeSingleParquet(context, out, handoff + "/train.parquet");

    Map<String, Object> files = new LinkedHashMap<>();
    for (String name : List.of("train.jsonl", "train.parquet")) {
      files.put(name, Map.of("sha256", sha256(run, handoff + "/" + name), "bytes", size(run, handoff + "/" + name)));
    }
    Map<String, Object> tokens = new LinkedHashMap<>();
    tokens.put("counting", counter.exact() ? "exact" : "estimated");
    tokens.put("tokenizer", counter.exact() ? tokenizer : counter.name());
    tokens.put("total_text_tokens", totalTokens);
    tokens.put("mean_text_tokens", rows.isEmpty() ? 0 : Math.round(totalTokens / (double) rows.size()));
    tokens.put("max_text_tokens", maxTokens);
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("rows", rows.size());
    manifest.put("columns", COLUMNS);
    manifest.put("files", files);
    manifest.put("run_id", runId);
    manifest.put("config_sha256", configSha256);
    manifest.put("strategy", context.config().select().strategy());
    manifest.put("seed", context.config().select().seed());
    manifest.put("tokens", tokens);
    manifest.put("rows_without_teacher_trace", withoutTrace);
    manifest.put("chat_format", "qwen2.5 chat template with <|im_start|>think / <|im_start|>answer sections (s1)");
    run.writeString(handoff + "/manifest.json", Json.pretty(manifest));
    context.stat("rows", rows.size());
    context.stat("total_text_tokens", totalTokens);
    context.stat("rows_without_teacher_trace", withoutTrace);
    double seconds = (System.nanoTime() - start) / 1e9;
    return new StageResult(NAME, rows.size(), rows.size(), Map.of(), seconds, context.drainStats());
  }

  /** Spark writes a directory of parts; the bundle wants one file, so write one part and move it. */
  private static void writeSingleParquet(StageContext context, List<Row> rows, String target) {
    String tmp = target + ".tmp";
    context.spark().createDataFrame(rows, SCHEMA).coalesce(1).write().mode(SaveMode.Overwrite).parquet(tmp);
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

  private static long size(RunDirectory run, String path) {
    try {
      Path p = new Path(path);
      return p.getFileSystem(run.hadoop()).getFileStatus(p).getLen();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private ExportStage() {}
}
