package dev.distill.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.udf;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.distill.job.api.StageContext;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.dedup.DedupStage;
import dev.distill.job.schema.Columns;
import dev.distill.udf.text.NGrams;
import dev.distill.udf.tokens.HfTokenCounter;
import dev.distill.udf.tokens.TokenCounter;
import dev.distill.udf.tokens.TokenCounters;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.feature.MinHashLSH;
import org.apache.spark.ml.feature.MinHashLSHModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;

/**
 * The benchmark's peers, run on the same data in the same JVM as the pipeline: the near-duplicate
 * search against Spark MLlib's {@code MinHashLSH.approxSimilarityJoin}, and token counting
 * against the Hugging Face tokenizers library called directly through DJL on one thread.
 */
final class Peers {
  /** MLlib's feature space for hashed shingles: 2^24 slots (collisions negligible at 10^6 questions x 80 shingles). */
  static final int MLLIB_FEATURES = 1 << 24;

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private Peers() {}

  /** One side's near-duplicate figures and its unrounded seconds. */
  private record Searched(Map<String, Object> figures, double seconds) {}

  /** Ours and MLlib's near-duplicate search on the same rows: seconds, pairs or clusters, recall against the planted pairs. */
  static Map<String, Object> nearDuplicates(StageContext context, Dataset<Row> dedupInput, List<BenchPool.Planted> planted,
      int mllibHashTables, boolean runMllib) {
    PipelineConfig.Dedup cfg = context.config().dedup();
    Dataset<Row> perId = perId(dedupInput).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Set<String> ids = new HashSet<>(perId.select(Columns.ID).as(Encoders.STRING()).collectAsList());
      List<BenchPool.Planted> near = planted.stream().filter(p -> p.kind().equals("near")).toList();
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("rows", ids.size());
      out.put("threshold", cfg.threshold());
      Searched ours = ours(context, perId, cfg, near, ids);
      out.put("distill", ours.figures());
      if (runMllib) {
        Searched mllib = mllib(perId, cfg, mllibHashTables, near, ids);
        out.put("mllib", mllib.figures());
        out.put("speedup", round(mllib.seconds() / ours.seconds(), 2));
      }
      return out;
    } finally {
      perId.unpersist();
    }
  }

  /** The rows DedupStage searches: one per content id (its own projection, as in DedupStage.apply). */
  private static Dataset<Row> perId(Dataset<Row> dedupInput) {
    Column hasTrace = col(Columns.TRACE).isNotNull().and(col(Columns.TRACE).notEqual(""));
    Column hasSolution = col(Columns.SOLUTION).isNotNull().and(col(Columns.SOLUTION).notEqual(""));
    return dedupInput.groupBy(col(Columns.ID))
        .agg(first(col(Columns.QUESTION)).as(Columns.QUESTION), max(struct(hasTrace.as("trace"), hasSolution.as("solution"))).as("_best"))
        .select(col(Columns.ID), col(Columns.QUESTION), col("_best.trace").as("trace"), col("_best.solution").as("solution"));
  }

  /** distill's search ({@link DedupStage#nearDuplicates}), timed, with its LSH shape and recall. */
  private static Searched ours(StageContext context, Dataset<Row> perId, PipelineConfig.Dedup cfg, List<BenchPool.Planted> near,
      Set<String> ids) {
    long t = System.nanoTime();
    Map<String, String> ours = new HashMap<>();
    for (Row r : DedupStage.nearDuplicates(context, perId, cfg).collectAsList()) {
      ours.put(r.getString(0), r.getString(1));
    }
    double seconds = (System.nanoTime() - t) / 1e9;
    Map<String, Object> stats = context.drainStats();
    DuplicateRecall.Result recall = DuplicateRecall.of(near, ours, ids);
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("seconds", round(seconds, 3));
    o.put("pairs", stats.get("near_duplicate_pairs"));
    o.put("rows_in_clusters_not_representative", ours.size());
    o.put("lsh", stats.get("lsh_bands") + " bands x " + stats.get("lsh_rows_per_band") + " rows, " + cfg.numHashes() + " hashes");
    o.put("planted_pairs", recall.planted());
    o.put("found", recall.found());
    o.put("recall", round(recall.recall(), 4));
    return new Searched(o, seconds);
  }

  /** MLlib's search ({@link #mllibPairs}), timed, with its recall over the connected components of its pairs. */
  private static Searched mllib(Dataset<Row> perId, PipelineConfig.Dedup cfg, int hashTables, List<BenchPool.Planted> near,
      Set<String> ids) {
    long t = System.nanoTime();
    List<String[]> edges = mllibPairs(perId, cfg, hashTables);
    double seconds = (System.nanoTime() - t) / 1e9;
    DuplicateRecall.Result recall = DuplicateRecall.of(near, DuplicateRecall.components(edges), ids);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("seconds", round(seconds, 3));
    m.put("pairs", edges.size());
    m.put("hash_tables", hashTables);
    m.put("planted_pairs", recall.planted());
    m.put("found", recall.found());
    m.put("recall", round(recall.recall(), 4));
    return new Searched(m, seconds);
  }

  /**
   * MLlib's MinHashLSH on the same shingles (word 5-grams of the normalised question, hashed as
   * ours are, then folded into {@value #MLLIB_FEATURES} binary features): self-join at Jaccard
   * distance below {@code 1 - threshold}, pairs collected.
   */
  static List<String[]> mllibPairs(Dataset<Row> perId, PipelineConfig.Dedup cfg, int hashTables) {
    int shingle = cfg.shingleWords();
    UserDefinedFunction features = udf((UDF1<String, Vector>) q -> {
      long[] hashes = NGrams.hashes(q, shingle);
      int[] index = Arrays.stream(hashes).mapToInt(h -> (int) Math.floorMod(h, (long) MLLIB_FEATURES)).sorted().distinct().toArray();
      double[] ones = new double[index.length];
      Arrays.fill(ones, 1.0);
      return Vectors.sparse(MLLIB_FEATURES, index, ones);
    }, new VectorUDT());
    Dataset<Row> vectors = perId.select(col(Columns.ID), features.apply(col(Columns.QUESTION)).as("features"))
        .filter(udf((UDF1<Vector, Boolean>) v -> v.numNonzeros() > 0, DataTypes.BooleanType)
            .apply(col("features")));
    MinHashLSHModel model = new MinHashLSH().setNumHashTables(hashTables).setSeed(cfg.seed())
        .setInputCol("features").setOutputCol("hashes").fit(vectors);
    List<Row> rows = model.approxSimilarityJoin(vectors, vectors, 1 - cfg.threshold(), "distance")
        .filter(col("datasetA." + Columns.ID).lt(col("datasetB." + Columns.ID)))
        .select(col("datasetA." + Columns.ID), col("datasetB." + Columns.ID))
        .collectAsList();
    List<String[]> edges = new ArrayList<>(rows.size());
    for (Row r : rows) {
      edges.add(new String[] {r.getString(0), r.getString(1)});
    }
    return edges;
  }

  /** Tokens counted over a sample, the wall seconds it took and the CPU seconds it used. */
  record Counted(long tokens, double seconds, double cpuSeconds) {}

  /**
   * Token counting on a sample of the traces difficulty counts: the tokenizers library through
   * DJL's {@code HuggingFaceTokenizer.encode} and its JNI ids call on one thread (the native
   * references), distill's counter on one thread, and distill's counter in a Spark job over every core.
   */
  static Map<String, Object> tokens(StageContext context, Dataset<Row> difficultyInput, String tokenizer, long sampleChars) {
    List<String> traces = new ArrayList<>();
    long chars = sample(difficultyInput, sampleChars, traces);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("sample_traces", traces.size());
    out.put("sample_chars", chars);
    out.put("tokenizer", tokenizer.isBlank() ? "none (estimated)" : tokenizer);
    if (tokenizer.isBlank() || traces.isEmpty()) {
      return out;
    }
    Counted nativeEncode = nativeEncode(tokenizer, traces);
    Counted nativeIds;
    try (HfTokenCounter ids = new HfTokenCounter(tokenizer)) {
      nativeIds = onOneThread(ids, traces);
    }
    TokenCounter counter = TokenCounters.forPath(tokenizer);
    Counted ours = onOneThread(counter, traces);
    if (ours.tokens() != nativeEncode.tokens() || nativeIds.tokens() != nativeEncode.tokens()) {
      throw new IllegalStateException("Token counts disagree on the sample: DJL encode " + nativeEncode.tokens() + ", DJL JNI ids "
          + nativeIds.tokens() + ", distill " + ours.tokens());
    }
    int cores = context.spark().sparkContext().defaultParallelism();
    Counted spark = oursInSpark(context, tokenizer, traces, cores);
    out.put("distill_counter", counter.getClass().getSimpleName());
    putRates(out, nativeEncode, nativeIds, ours, spark, cores);
    double mb = utf8Bytes(traces) / 1e6;
    out.put("sample_utf8_mb", round(mb, 1));
    out.put("native_ids_mb_per_cpu_s", round(mb / nativeIds.cpuSeconds(), 2));
    out.put("distill_counter_mb_per_cpu_s", round(mb / ours.cpuSeconds(), 2));
    return out;
  }

  /** The first traces of {@code input} up to {@code sampleChars} characters, into {@code traces}; returns their characters. */
  private static long sample(Dataset<Row> input, long sampleChars, List<String> traces) {
    long chars = 0;
    Iterator<Row> it = input.select(col(Columns.TRACE)).filter(col(Columns.TRACE).isNotNull()).toLocalIterator();
    while (it.hasNext() && chars < sampleChars) {
      String t = it.next().getString(0);
      traces.add(t);
      chars += t.length();
    }
    return chars;
  }

  /** The native reference: DJL's {@code HuggingFaceTokenizer.encode} on this thread, after a warm-up of 20 traces. */
  private static Counted nativeEncode(String tokenizer, List<String> traces) {
    try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.builder().optTokenizerPath(Paths.get(new HfTokenCounter(tokenizer).path()))
        .optAddSpecialTokens(false).optTruncation(false).optPadding(false).build()) {
      for (int i = 0; i < Math.min(20, traces.size()); i++) {
        hf.encode(traces.get(i), false, false);
      }
      long tokens = 0;
      long t = System.nanoTime();
      long cpu = THREADS.getCurrentThreadCpuTime();
      for (String s : traces) {
        tokens += hf.encode(s, false, false).getIds().length;
      }
      return new Counted(tokens, (System.nanoTime() - t) / 1e9, (THREADS.getCurrentThreadCpuTime() - cpu) / 1e9);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot load tokenizer " + tokenizer + " for the token peer: " + e.getMessage(), e);
    }
  }

  private static long utf8Bytes(List<String> texts) {
    long bytes = 0;
    for (String t : texts) {
      bytes += t.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }
    return bytes;
  }

  /** A counter on this thread, after a warm-up of 20 traces. */
  private static Counted onOneThread(TokenCounter ours, List<String> traces) {
    for (int i = 0; i < Math.min(20, traces.size()); i++) {
      ours.count(traces.get(i));
    }
    long t = System.nanoTime();
    long cpu = THREADS.getCurrentThreadCpuTime();
    long tokens = 0;
    for (String s : traces) {
      tokens += ours.count(s);
    }
    return new Counted(tokens, (System.nanoTime() - t) / 1e9, (THREADS.getCurrentThreadCpuTime() - cpu) / 1e9);
  }

  /** distill's counter in a Spark job over {@code cores} (2 partitions a core), the tokenizer loaded on the executors first; process CPU. */
  private static Counted oursInSpark(StageContext context, String tokenizer, List<String> traces, int cores) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(context.spark().sparkContext());
    String path = tokenizer;
    jsc.parallelize(traces.subList(0, Math.min(traces.size(), 4 * cores)), cores)
        .map(s -> TokenCounters.forPath(path).count(s)).count(); // loads the tokenizer on the executors first
    long t = System.nanoTime();
    double processCpu = ResourceSampler.cpuSeconds();
    long tokens = jsc.parallelize(traces, cores * 2).mapPartitions(texts -> {
      TokenCounter c = TokenCounters.forPath(path);
      long sum = 0;
      while (texts.hasNext()) {
        sum += c.count(texts.next());
      }
      return List.of(sum).iterator();
    }).reduce(Long::sum);
    return new Counted(tokens, (System.nanoTime() - t) / 1e9, ResourceSampler.cpuSeconds() - processCpu);
  }

  /** Rates per second, per core and per CPU second, and Spark's against the native references. */
  private static void putRates(Map<String, Object> out, Counted nativeEncode, Counted nativeIds, Counted ours, Counted spark, int cores) {
    out.put("sample_tokens", nativeEncode.tokens());
    double nativeRate = nativeEncode.tokens() / nativeEncode.seconds();
    double idsRate = nativeIds.tokens() / nativeIds.seconds();
    out.put("native_ids_1_thread_tokens_per_s", Math.round(idsRate));
    double oursRate = ours.tokens() / ours.seconds();
    double sparkRate = spark.tokens() / spark.seconds();
    out.put("native_djl_encode_1_thread_tokens_per_s", Math.round(nativeRate));
    out.put("distill_counter_1_thread_tokens_per_s", Math.round(oursRate));
    out.put("spark_cores", cores);
    out.put("distill_in_spark_tokens_per_s", Math.round(sparkRate));
    out.put("distill_in_spark_tokens_per_s_per_core", Math.round(sparkRate / cores));
    out.put("spark_per_core_vs_native", round(sparkRate / cores / nativeRate, 3));
    // DJL's JNI ids call alone (no tokens, offsets or masks copied back) is the fastest way into the
    // native library, so the strictest reference.
    out.put("spark_per_core_vs_native_ids", round(sparkRate / cores / idsRate, 3));
    // Per CPU second: what a core delivers whatever else the machine runs (wall-clock rates on a
    // shared machine mostly measure the other processes).
    out.put("native_djl_encode_tokens_per_cpu_s", Math.round(nativeEncode.tokens() / nativeEncode.cpuSeconds()));
    double idsPerCpu = nativeIds.tokens() / nativeIds.cpuSeconds();
    out.put("native_ids_tokens_per_cpu_s", Math.round(idsPerCpu));
    out.put("distill_counter_tokens_per_cpu_s", Math.round(ours.tokens() / ours.cpuSeconds()));
    out.put("distill_counter_per_cpu_vs_native_ids", round(ours.tokens() / ours.cpuSeconds() / idsPerCpu, 3));
    out.put("distill_in_spark_tokens_per_cpu_s", Math.round(spark.tokens() / spark.cpuSeconds()));
    out.put("spark_per_cpu_vs_native_ids", round(spark.tokens() / spark.cpuSeconds() / idsPerCpu, 3));
  }

  static double round(double v, int digits) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return v;
    }
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }
}
