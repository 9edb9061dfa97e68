package dev.distill.bench;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.octet_length;
import static org.apache.spark.sql.functions.sum;

import dev.distill.job.api.StageContext;
import dev.distill.job.dedup.DedupStage;
import dev.distill.job.io.StageResult;
import dev.distill.job.conf.ConfigLoader;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.io.Console;
import dev.distill.job.io.Json;
import dev.distill.job.run.Pipeline;
import dev.distill.job.io.RunDirectory;
import dev.distill.job.io.Version;
import dev.distill.job.run.Plan;
import dev.distill.job.schema.Columns;
import dev.distill.job.score.DifficultyStage;
import dev.distill.job.spark.SparkSessions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code bin/distill bench}: generates (or reuses) a bench pool of the requested size, runs the
 * whole pipeline on it (no LLM calls) and reports per stage seconds, rows/s, MB/s of text read,
 * CPU seconds, peak heap and RSS, then runs the peers on the same data (near-duplicates against
 * MLlib's MinHashLSH, token counting against the tokenizers library on one thread) and the
 * s1-style Python reference ({@link PythonReference}) on the same pool files, prints a
 * summary line ({@code DISTILL_BENCH {json}}), writes the figures as JSON and appends them as a
 * markdown section to the results file.
 */
public final class BenchCommand {
  public static final String SUMMARY = "DISTILL_BENCH";

  /** What the command is asked to do (parsed by {@link BenchMain}). */
  public record Options(long size, Path output, long seed, String tokenizer, Path results, boolean peers, int mllibTables, boolean keep,
      long tokenSampleChars, List<String> sets, String python) {}

  /** What a bench run measured: the JSON document also written to disk, and where it went. */
  public record Report(Map<String, Object> figures, Path json, Path results) {}

  private BenchCommand() {}

  /** The Qwen tokenizer beside the shared data ($DISTILL_DATA/../tokenizers/qwen), or "" (estimate) where it is absent. */
  static String defaultTokenizer() {
    String data = System.getenv("DISTILL_DATA");
    Path root = Path.of(data == null || data.isBlank() ? ConfigLoader.DEFAULT_DATA_ROOT : data);
    Path qwen = root.resolve("../tokenizers/qwen/tokenizer.json").normalize();
    return Files.isRegularFile(qwen) ? qwen.toString() : "";
  }

  /** Generates (or reuses) the pool, runs the pipeline and the peers on it, prints and writes the figures. */
  public static Report run(Options opt, Console console) {
    int cores = Runtime.getRuntime().availableProcessors();
    Path poolDir = opt.output().resolve("pools").resolve(opt.size() + "-seed" + opt.seed());
    long genStart = System.nanoTime();
    console.info(String.format(Locale.ROOT, "bench pool of %,d candidates (seed %d) in %s", opt.size(), opt.seed(), poolDir));
    BenchPool.Written pool = BenchPool.write(poolDir, opt.size(), opt.seed(), cores);
    double genSeconds = (System.nanoTime() - genStart) / 1e9;
    console.info(String.format(Locale.ROOT, "pool %s: %,.1f MB of JSON Lines in %.1fs", pool.reused() ? "reused" : "generated",
        pool.bytes() / 1e6, genSeconds));

    String stamp = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    String runId = "bench-" + opt.size() + "-" + stamp;
    Map<String, Object> figures = measure(opt, pool, genSeconds, runId, cores, console);
    String summary = summary(figures);
    console.info(summary);
    System.out.println(SUMMARY + " " + Json.compact(figures));
    Path json = opt.output().resolve("results").resolve("bench-" + opt.size() + "-seed" + opt.seed() + "-" + stamp + ".json");
    writeResults(figures, BenchMarkdown.section(figures, summary), json, opt.results());
    console.info("figures -> " + json + "; markdown appended to " + opt.results());
    return new Report(figures, json, opt.results());
  }

  /** Runs the pipeline on the pool under the resource sampler, then the peers; the figures, in the order they are reported. */
  private static Map<String, Object> measure(Options opt, BenchPool.Written pool, double genSeconds, String runId, int cores,
      Console console) {
    Path config = writeConfig(opt, pool, runId);
    PipelineConfig pipeline = PipelineConfig.from(ConfigLoader.fromSystemEnv().load(config, opt.sets()));
    SparkSession spark = SparkSessions.create(pipeline);
    Map<String, Object> figures = new LinkedHashMap<>();
    try (ResourceSampler sampler = new ResourceSampler()) {
      console.listen(sampler);
      long start = System.nanoTime();
      Plan plan = Plan.of(pipeline, console);
      Pipeline.Outcome outcome = Pipeline.run(spark, pipeline, plan, runId, console);
      double wall = (System.nanoTime() - start) / 1e9;
      console.listen(null);
      ResourceSampler.Peaks overall = sampler.overall();
      long hwm = ResourceSampler.peakRss();

      RunDirectory run = new RunDirectory(outcome.runDir(), spark.sparkContext().hadoopConfiguration());
      List<BenchPool.Planted> planted = pool.planted();
      putRunFigures(figures, opt, spark, pool, planted, genSeconds);
      putPipelineFigures(figures, outcome, wall, overall, hwm);
      long traceTokens = traceTokens(spark, run);
      figures.put("trace_tokens", traceTokens);
      figures.put("stages", stageFigures(spark, run, plan, outcome.stages(), sampler, pool.bytes()));
      if (opt.peers()) {
        putPeerFigures(figures, opt, new StageContext(spark, pipeline, run), plan, planted, traceTokens, cores, console);
      }
      putReferenceFigures(figures, opt, pipeline, spark, runId, console);
      if (!opt.keep()) {
        run.delete(outcome.runDir());
        figures.put("run_dir", outcome.runDir() + " (deleted; --keep true keeps it)");
      }
    } finally {
      console.listen(null);
      spark.stop();
    }
    return figures;
  }

  /** When, where and on what: date, version, machine, size, seed, the pool and the tokenizer. */
  private static void putRunFigures(Map<String, Object> figures, Options opt, SparkSession spark, BenchPool.Written pool,
      List<BenchPool.Planted> planted, double genSeconds) {
    figures.put("date_utc", ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
    figures.put("distill", Version.VERSION);
    figures.put("machine", machine(spark));
    figures.put("size", opt.size());
    figures.put("seed", opt.seed());
    Map<String, Object> poolFigures = new LinkedHashMap<>();
    poolFigures.put("dir", pool.dir().toString());
    poolFigures.put("jsonl_bytes", pool.bytes());
    poolFigures.put("generated_seconds", pool.reused() ? null : Peers.round(genSeconds, 1));
    poolFigures.put("planted", countKinds(planted));
    figures.put("pool", poolFigures);
    figures.put("tokenizer", opt.tokenizer().isBlank() ? "estimated" : opt.tokenizer());
  }

  /** The whole pipeline's wall seconds, peaks and CPU seconds. */
  private static void putPipelineFigures(Map<String, Object> figures, Pipeline.Outcome outcome, double wall, ResourceSampler.Peaks overall,
      long hwm) {
    figures.put("run_dir", outcome.runDir());
    figures.put("pipeline_seconds", Peers.round(wall, 2));
    figures.put("peak_heap_used_bytes", overall.heapUsed());
    figures.put("peak_heap_after_gc_bytes", overall.heapLive());
    figures.put("peak_rss_bytes", Math.max(overall.rss(), hwm));
    figures.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
    figures.put("cpu_seconds", Peers.round(overall.cpuSeconds(), 1));
  }

  /** The peers on the run's data: near-duplicates on dedup's input, token counting on difficulty's. */
  private static void putPeerFigures(Map<String, Object> figures, Options opt, StageContext context, Plan plan,
      List<BenchPool.Planted> planted, long traceTokens, int cores, Console console) {
    SparkSession spark = context.spark();
    RunDirectory run = context.run();
    Dataset<Row> dedupInput = spark.read().parquet(plan.inputOf(DedupStage.NAME, run));
    console.info("peer: near-duplicates, distill's MinHash LSH vs MLlib MinHashLSH.approxSimilarityJoin on the same "
        + "rows (dedup's input)");
    figures.put("near_duplicates", Peers.nearDuplicates(context, dedupInput, planted, opt.mllibTables(), true));
    console.info("peer: token counting, tokenizers through DJL on one thread vs distill's counter, alone and in Spark");
    Map<String, Object> tokens = Peers.tokens(context, spark.read().parquet(plan.inputOf(DifficultyStage.NAME, run)), opt.tokenizer(),
        opt.tokenSampleChars());
    Map<String, Object> difficulty = stage(figures, DifficultyStage.NAME);
    if (difficulty != null && traceTokens > 0) {
      putDifficultyRates(tokens, difficulty, traceTokens, cores);
    }
    figures.put("tokens", tokens);
  }

  /** The s1-style Python reference on the same pool files, beside the pipeline's ingest, decontam, dedup and whole run. */
  @SuppressWarnings("unchecked")
  private static void putReferenceFigures(Map<String, Object> figures, Options opt, PipelineConfig pipeline, SparkSession spark, String runId,
      Console console) {
    Map<String, Object> reference = PythonReference.onConfig(opt.python(), pipeline, spark.sparkContext().hadoopConfiguration(),
        opt.output().resolve("configs").resolve(runId + "-reference.json").toAbsolutePath(), console);
    figures.put("python_reference", reference);
    figures.put("reference_comparison", ReferenceComparison.of((List<Map<String, Object>>) figures.get("stages"), "pipeline (in this JVM)",
        ((Number) figures.get("pipeline_seconds")).doubleValue(), reference, "total_seconds"));
  }

  /** The whole difficulty stage's token rates, per core and per CPU second, against the native references. */
  private static void putDifficultyRates(Map<String, Object> tokens, Map<String, Object> difficulty, long traceTokens, int cores) {
    double seconds = ((Number) difficulty.get("seconds")).doubleValue();
    tokens.put("difficulty_stage_trace_tokens_per_s", Math.round(traceTokens / seconds));
    tokens.put("difficulty_stage_tokens_per_s_per_core", Math.round(traceTokens / seconds / cores));
    Object nativeRate = tokens.get("native_djl_encode_1_thread_tokens_per_s");
    if (nativeRate instanceof Number n && n.doubleValue() > 0) {
      tokens.put("difficulty_stage_per_core_vs_native", Peers.round(traceTokens / seconds / cores / n.doubleValue(), 3));
    }
    double cpu = ((Number) difficulty.get("cpu_seconds")).doubleValue();
    if (cpu > 0 && tokens.get("native_ids_tokens_per_cpu_s") instanceof Number n) {
      tokens.put("difficulty_stage_tokens_per_cpu_s", Math.round(traceTokens / cpu));
      tokens.put("difficulty_stage_per_cpu_vs_native_ids", Peers.round(traceTokens / cpu / n.doubleValue(), 3));
    }
    Object idsRate = tokens.get("native_ids_1_thread_tokens_per_s");
    if (idsRate instanceof Number n && n.doubleValue() > 0) {
      tokens.put("difficulty_stage_per_core_vs_native_ids", Peers.round(traceTokens / seconds / cores / n.doubleValue(), 3));
    }
  }

  /** The figures as JSON to {@code json}, and {@code markdown} appended to {@code results}. */
  static void writeResults(Map<String, Object> figures, String markdown, Path json, Path results) {
    try {
      Files.createDirectories(json.getParent());
      Files.writeString(json, Json.pretty(figures));
      if (results.getParent() != null) {
        Files.createDirectories(results.getParent());
      }
      Files.writeString(results, markdown, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the bench results to " + json + " and " + results + ": " + e.getMessage(), e);
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> stage(Map<String, Object> figures, String name) {
    for (Map<String, Object> s : (List<Map<String, Object>>) figures.get("stages")) {
      if (name.equals(s.get("stage"))) {
        return s;
      }
    }
    return null;
  }

  private static Map<String, Long> countKinds(List<BenchPool.Planted> planted) {
    Map<String, Long> kinds = new LinkedHashMap<>();
    for (BenchPool.Planted p : planted) {
      kinds.merge(p.kind(), 1L, Long::sum);
    }
    return kinds;
  }

  private static Map<String, Object> machine(SparkSession spark) {
    Map<String, Object> m = machine();
    m.put("spark", spark.version() + " " + spark.sparkContext().master());
    m.put("max_heap_gib", Peers.round(Runtime.getRuntime().maxMemory() / 1073741824.0, 2));
    m.put("load_average_at_end", loadAverage());
    return m;
  }

  /** Cores, memory, OS and Java of this machine. */
  static Map<String, Object> machine() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cores", Runtime.getRuntime().availableProcessors());
    long memKib = memTotalKib();
    m.put("memory_gib", memKib == 0 ? null : Peers.round(memKib / 1048576.0, 1));
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    return m;
  }

  /** The 1-minute load average (other processes on a shared machine), rounded. */
  static double loadAverage() {
    return Peers.round(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), 2);
  }

  private static long memTotalKib() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"), StandardCharsets.US_ASCII)) {
        if (line.startsWith("MemTotal:")) {
          return Long.parseLong(line.substring(9).replace("kB", "").trim());
        }
      }
    } catch (IOException | RuntimeException e) {
      return 0;
    }
    return 0;
  }

  /** The trace tokens difficulty counted, kept and removed rows together. */
  static long traceTokens(SparkSession spark, RunDirectory run) {
    long total = 0;
    for (String dir : List.of(run.stage(DifficultyStage.NAME), run.removed(DifficultyStage.NAME))) {
      if (run.isCommitted(dir)) {
        Row r = spark.read().parquet(dir).agg(sum(col(Columns.TRACE_TOKENS))).first();
        total += r.isNullAt(0) ? 0 : r.getLong(0);
      }
    }
    return total;
  }

  /** Per stage: the pipeline's figures, the text its input holds (UTF-8 bytes of question, solution, trace, attempt) and the sampler's peaks. */
  static List<Map<String, Object>> stageFigures(SparkSession spark, RunDirectory run, Plan plan, List<StageResult> stages,
      ResourceSampler sampler, long poolBytes) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (StageResult r : stages) {
      String input = plan.inputOf(r.name(), run);
      long textBytes = input == null ? poolBytes : textBytes(spark, input);
      ResourceSampler.Peaks p = sampler.of(r.name());
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("stage", r.name());
      s.put("rows_in", r.rowsIn());
      s.put("rows_out", r.rowsOut());
      s.put("seconds", Peers.round(r.seconds(), 3));
      s.put("rows_per_s", Math.round(r.rowsIn() / Math.max(r.seconds(), 1e-9)));
      s.put("text_mb_in", Peers.round(textBytes / 1e6, 1));
      s.put("text_basis", input == null ? "JSON Lines bytes read" : "UTF-8 bytes of question+solution+trace+attempt of the input");
      s.put("mb_per_s", Peers.round(textBytes / 1e6 / Math.max(r.seconds(), 1e-9), 1));
      s.put("cpu_seconds", Peers.round(p.cpuSeconds(), 1));
      s.put("peak_heap_used_bytes", p.heapUsed());
      s.put("peak_heap_after_gc_bytes", p.heapLive());
      s.put("peak_rss_bytes", p.rss());
      out.add(s);
    }
    return out;
  }

  static long textBytes(SparkSession spark, String dir) {
    Column bytes = lit(0L);
    for (String c : List.of(Columns.QUESTION, Columns.SOLUTION, Columns.TRACE, Columns.ATTEMPT)) {
      bytes = bytes.plus(coalesce(octet_length(col(c)), lit(0)));
    }
    Row r = spark.read().parquet(dir).agg(sum(bytes)).first();
    return r.isNullAt(0) ? 0 : r.getLong(0);
  }

  /** The pipeline config of a bench run: the pool's sources (student answers as grades), its eval set, the tokenizer. */
  static Path writeConfig(Options opt, BenchPool.Written pool, String runId) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("question", "problem");
    fields.put("answer", "answer");
    fields.put("solution", "solution");
    fields.put("subject", "subject");
    fields.put("level", "level");
    fields.put("trace", "thinking");
    fields.put("attempt", "attempt");
    List<Map<String, Object>> sources = new ArrayList<>();
    for (Path dir : pool.sourceDirs()) {
      Map<String, Object> source = new LinkedHashMap<>();
      source.put("name", "bench/" + dir.getFileName());
      source.put("path", dir.toAbsolutePath().toString());
      source.put("format", "jsonl");
      source.put("cot_type", "math");
      source.put("fields", fields);
      source.put("grades", Map.of("predictions", "student_answers", "reference", "answer"));
      source.put("answer_required", true);
      sources.add(source);
    }
    Map<String, Object> eval = new LinkedHashMap<>();
    eval.put("name", "bench-eval");
    eval.put("path", pool.evalFile().toAbsolutePath().toString());
    eval.put("question", "problem");
    eval.put("id_field", "unique_id");
    Map<String, Object> tree = new LinkedHashMap<>();
    tree.put("run", Map.of("output", opt.output().resolve("runs").toAbsolutePath().toString(), "run_id", runId));
    tree.put("sources", sources);
    tree.put("decontam", Map.of("eval_sets", List.of(eval)));
    tree.put("difficulty", Map.of("tokenizer", opt.tokenizer()));
    Path file = opt.output().resolve("configs").resolve(runId + ".yaml");
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, "# bin/distill bench: generated pipeline config (JSON is YAML)\n" + Json.pretty(tree));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + file + ": " + e.getMessage(), e);
    }
    return file;
  }

  /** Whose heap the peaks are: in local mode the executors run in the driver's JVM. */
  @SuppressWarnings("unchecked")
  private static String heapScope(Map<String, Object> f) {
    Object machine = f.get("machine");
    String spark = machine instanceof Map<?, ?> m ? String.valueOf(((Map<String, Object>) m).get("spark")) : "";
    return spark.contains(" local") ? "local mode: the executors' too" : "the driver alone: executors run in their own JVMs";
  }

  /** One line: size, trace tokens, wall, peaks, and the peers' ratios. */
  @SuppressWarnings("unchecked")
  static String summary(Map<String, Object> f) {
    StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "bench %,d candidates, %,.1fM trace tokens counted: pipeline %.1fs wall, "
        + "peak driver heap %.2f GiB used / %.2f GiB after GC of %.2f GiB max (%s), peak RSS %.2f GiB",
        ((Number) f.get("size")).longValue(), ((Number) f.get("trace_tokens")).longValue() / 1e6,
        ((Number) f.get("pipeline_seconds")).doubleValue(), gib(f.get("peak_heap_used_bytes")), gib(f.get("peak_heap_after_gc_bytes")),
        gib(f.get("max_heap_bytes")), heapScope(f), gib(f.get("peak_rss_bytes"))));
    Map<String, Object> near = (Map<String, Object>) f.get("near_duplicates");
    if (near != null && near.get("mllib") != null) {
      Map<String, Object> ours = (Map<String, Object>) near.get("distill");
      Map<String, Object> mllib = (Map<String, Object>) near.get("mllib");
      s.append(String.format(Locale.ROOT, "; near-dup %.2fs vs MLlib %.2fs (%.1fx), recall %.3f vs %.3f", ((Number) ours.get("seconds")).doubleValue(),
          ((Number) mllib.get("seconds")).doubleValue(), ((Number) near.get("speedup")).doubleValue(),
          ((Number) ours.get("recall")).doubleValue(), ((Number) mllib.get("recall")).doubleValue()));
    }
    List<Map<String, Object>> reference = (List<Map<String, Object>>) f.get("reference_comparison");
    if (reference != null && !reference.isEmpty()) {
      Map<String, Object> whole = reference.get(reference.size() - 1);
      s.append(String.format(Locale.ROOT, "; s1-style Python reference %.2fs, pipeline %.1fx it", ((Number) whole.get("reference_seconds")).doubleValue(),
          ((Number) whole.get("ratio")).doubleValue()));
    }
    Map<String, Object> tokens = (Map<String, Object>) f.get("tokens");
    if (tokens != null && tokens.get("spark_per_core_vs_native") != null) {
      s.append(String.format(Locale.ROOT, "; tokens per core in Spark %.2f of native DJL encode, %.2f of native JNI ids",
          ((Number) tokens.get("spark_per_core_vs_native")).doubleValue(), ((Number) tokens.get("spark_per_core_vs_native_ids")).doubleValue()));
      if (tokens.get("distill_counter_per_cpu_vs_native_ids") != null) {
        s.append(String.format(Locale.ROOT, "; distill's counter alone %.2fx native JNI ids per CPU second",
            ((Number) tokens.get("distill_counter_per_cpu_vs_native_ids")).doubleValue()));
      }
      if (tokens.get("spark_per_cpu_vs_native_ids") != null) {
        s.append(String.format(Locale.ROOT, "; per CPU second %.2f of native", ((Number) tokens.get("spark_per_cpu_vs_native_ids")).doubleValue()));
      }
      if (tokens.get("difficulty_stage_per_core_vs_native_ids") != null) {
        s.append(String.format(Locale.ROOT, " (whole difficulty stage %.2f / %.2f)",
            ((Number) tokens.get("difficulty_stage_per_core_vs_native")).doubleValue(),
            ((Number) tokens.get("difficulty_stage_per_core_vs_native_ids")).doubleValue()));
      }
    }
    return s.toString();
  }

  static double gib(Object bytes) {
    return ((Number) bytes).longValue() / 1073741824.0;
  }
}
