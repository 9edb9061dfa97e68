package dev.distill.job.export;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

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
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
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
  private static final String TOKENS = "_text_tokens";
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
    String tokenizer = context.config().difficulty().tokenizer();
    String tokenizerPath = tokenizer.isBlank() ? null : tokenizer;
    TokenCounter counter = TokenCounters.forPath(tokenizerPath);
    StructType withTokens = SCHEMA.add(TOKENS, DataTypes.IntegerType, false);
    // Built on the executors, in rank order (a sort, then a map, keeps the partitions ordered).
    Dataset<Row> train = selection.orderBy(col(Columns.RANK))
        .mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
          TokenCounter tokens = TokenCounters.forPath(tokenizerPath);
          List<Row> out = new ArrayList<>();
          while (rows.hasNext()) {
            out.add(trainRow(rows.next(), system, tokens));
          }
          return out.iterator();
        }, Encoders.row(withTokens))
        .cache();
    try {
      Row stats = train.agg(count(lit(1)), coalesce(sum(col(TOKENS)), lit(0L)), coalesce(max(col(TOKENS)), lit(0)),
          count(when(size(col("thinking_trajectories")).equalTo(0), lit(1)))).first();
      long rows = stats.getLong(0);
      long totalTokens = stats.getLong(1);
      int maxTokens = stats.getInt(2);
      long withoutTrace = stats.getLong(3);
      writeSingleParquet(context, train.drop(TOKENS), handoff + "/train.parquet");
      StringBuilder jsonl = new StringBuilder();
      Iterator<Row> it = train.drop(TOKENS).toLocalIterator();
      while (it.hasNext()) {
        jsonl.append(Json.compact(jsonLine(it.next()))).append('\n');
      }
      run.writeString(handoff + "/train.jsonl", jsonl.toString());

      Map<String, Object> files = new LinkedHashMap<>();
      for (String name : List.of("train.jsonl", "train.parquet")) {
        files.put(name, Map.of("sha256", sha256(run, handoff + "/" + name), "bytes", fileSize(run, handoff + "/" + name)));
      }
      Map<String, Object> tokens = new LinkedHashMap<>();
      tokens.put("counting", counter.exact() ? "exact" : "estimated");
      tokens.put("tokenizer", counter.exact() ? tokenizer : counter.name());
      tokens.put("total_text_tokens", totalTokens);
      tokens.put("mean_text_tokens", rows == 0 ? 0 : Math.round(totalTokens / (double) rows));
      tokens.put("max_text_tokens", maxTokens);
      Map<String, Object> manifest = new LinkedHashMap<>();
      manifest.put("rows", rows);
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
      context.stat("rows", rows);
      context.stat("total_text_tokens", totalTokens);
      context.stat("rows_without_teacher_trace", withoutTrace);
      double seconds = (System.nanoTime() - start) / 1e9;
      return new StageResult(NAME, rows, rows, Map.of(), seconds, context.drainStats());
    } finally {
      train.unpersist();
    }
  }

  /**
   * One training row: s1K's columns plus {@code text} and its token count. Rows without a
   * teacher attempt fall back to the reference solution, then the answer.
   */
  static Row trainRow(Row r, String system, TokenCounter counter) {
    String trace = r.getAs(Columns.TRACE);
    String attempt = r.getAs(Columns.ATTEMPT);
    String solution = r.getAs(Columns.SOLUTION);
    String answer = r.getAs(Columns.ANSWER);
    String finalAttempt = !blank(attempt) ? attempt : !blank(solution) ? solution : answer;
    String question = r.getAs(Columns.QUESTION);
    String text = ChatFormat.text(system, question, trace, finalAttempt);
    List<String> trajectories = blank(trace) ? List.of() : List.of(trace);
    return RowFactory.create(question, solution, r.getAs(Columns.COT_TYPE), r.getAs(Columns.SOURCE), r.getAs(Columns.METADATA), null,
        scala.jdk.javaapi.CollectionConverters.asScala(trajectories).toSeq(), finalAttempt, text, counter.count(text));
  }

  /** The JSON Lines form of a training row, {@code cot} written as an explicit null as in s1K. */
  static ObjectNode jsonLine(Row r) {
    ObjectNode line = Json.MAPPER.createObjectNode();
    for (String column : COLUMNS) {
      if (column.equals("thinking_trajectories")) {
        ArrayNode arr = line.putArray(column);
        r.<String>getList(r.fieldIndex(column)).forEach(arr::add);
      } else {
        line.put(column, r.<String>getAs(column));
      }
    }
    return line;
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
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

  private static long fileSize(RunDirectory run, String path) {
    try {
      Path p = new Path(path);
      return p.getFileSystem(run.hadoop()).getFileStatus(p).getLen();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private ExportStage() {}
}
