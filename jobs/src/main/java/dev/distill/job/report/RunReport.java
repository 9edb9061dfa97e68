package dev.distill.job.report;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log2;
import static org.apache.spark.sql.functions.row_number;

import dev.distill.job.io.RunDirectory;
import dev.distill.job.io.RunJson;
import dev.distill.job.score.MscCodes;
import dev.distill.job.filter.DecontamStage;
import dev.distill.job.select.SelectStage;
import dev.distill.job.schema.Columns;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;

/**
 * What the run report shows, read from a run directory: run.json (funnel, removed reasons) and
 * the Parquet outputs (pool = the scored table select read, the selection, removed/ samples,
 * re-selections). Aggregates are computed by Spark; only counts and a few sample rows reach the driver.
 */
public record RunReport(
    String runId,
    String status,
    String configSha256,
    String strategy,
    Object seed,
    List<StageRow> stages,
    Map<String, Long> funnel,
    long quarantined,
    Distribution domains,
    Map<String, String> domainTitles,
    Distribution difficulty,
    Distribution tokens,
    String tokenBasis,
    Distribution sources,
    List<SelectedRow> selected,
    List<RemovedSample> removedSamples,
    List<String> selectionNames,
    Map<String, Map<String, Long>> overlap,
    Map<String, Integer> selectionSizes,
    List<ReviewRow> review) {

  /** Rows of one stage in run.json. */
  public record StageRow(String name, long rowsIn, long rowsOut, Map<String, Long> removed, double seconds) {}

  /** Counts per category in the pool (scored candidates) and in the selection. */
  public record Distribution(Map<String, Long> pool, Map<String, Long> selection) {
    public long poolTotal() {
      return pool.values().stream().mapToLong(Long::longValue).sum();
    }

    public long selectionTotal() {
      return selection.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /** One selected row as the table shows it. */
  public record SelectedRow(int rank, String id, String source, String domain, Double difficulty, Integer tokens, String why,
      String question) {}

  /** One removed row shown as a sample of its stage and reason. */
  public record RemovedSample(String stage, String reason, long count, String id, String source, String question, String detail) {}

  /** A kept question listed for review (decontam: near an eval item by meaning), with that item. */
  public record ReviewRow(String id, String source, String question, String nearestEval, String evalQuestion, double similarity) {}

  /** Review rows shown (the file under review/ holds them all). */
  public static final int REVIEW_ROWS = 20;

  /** Sample rows kept per (stage, reason). */
  public static final int SAMPLES_PER_REASON = 3;
  /** Difficulty bins of width 0.1 over [0, 1]. */
  static final int DIFFICULTY_BINS = 10;

  /** Reads everything the report shows from {@code runDir}; the run must have run.json. */
  public static RunReport load(SparkSession spark, String runDir) {
    RunDirectory run = new RunDirectory(runDir, spark.sparkContext().hadoopConfiguration());
    RunJson doc = RunJson.read(run, "Cannot report on");
    List<StageRow> stages = doc.stages().stream()
        .map(s -> new StageRow(s.name(), s.rowsIn(), s.rowsOut(), new TreeMap<>(s.removed()), s.seconds())).toList();
    Map<String, Object> select = section(doc.config(), "select");
    Dataset<Row> pool = committed(spark, run, run.stage(doc.inputOf(SelectStage.NAME).orElse("")));
    Dataset<Row> selection = committed(spark, run, run.selection());
    Dataset<Row> ingested = stages.isEmpty() ? null : committed(spark, run, run.stage(stages.get(0).name()));
    String tokenColumn = pool != null && has(pool, Columns.LENGTH_TOKENS) ? Columns.LENGTH_TOKENS : Columns.TRACE_TOKENS;
    String basis = pool != null && has(pool, Columns.LENGTH_BASIS) ? majority(pool, Columns.LENGTH_BASIS) : "trace";
    Map<String, Set<String>> ids = selectionIds(spark, run, selection, String.valueOf(select.getOrDefault("strategy", "?")));
    Map<String, Integer> sizes = new LinkedHashMap<>();
    ids.forEach((name, set) -> sizes.put(name, set.size()));
    return new RunReport(
        text(doc.runId()),
        text(doc.status()),
        text(doc.configSha256()),
        text(select.get("strategy")),
        select.get("seed") == null ? null : String.valueOf(select.get("seed")),
        stages,
        funnel(doc, stages),
        doc.entry("quarantined") instanceof Number q ? q.longValue() : 0,
        new Distribution(counts(pool, col(Columns.DOMAIN)), counts(selection, col(Columns.DOMAIN))),
        mscTitles(),
        new Distribution(binned(pool, difficultyBin(), difficultyLabels()), binned(selection, difficultyBin(), difficultyLabels())),
        tokenHistogram(pool, selection, tokenColumn),
        basis,
        new Distribution(counts(ingested != null ? ingested : pool, col(Columns.SOURCE)), counts(selection, col(Columns.SOURCE))),
        selectedRows(selection, tokenColumn),
        removedSamples(spark, run),
        new ArrayList<>(ids.keySet()),
        overlap(ids),
        sizes,
        review(spark, run));
  }

  /** The nearest paraphrases decontam kept, most similar first (empty without embeddings). */
  private static List<ReviewRow> review(SparkSession spark, RunDirectory run) {
    Dataset<Row> d = committed(spark, run, run.review(DecontamStage.REVIEW));
    List<ReviewRow> out = new ArrayList<>();
    if (d != null) {
      for (Row r : d.orderBy(col("similarity").desc(), col(Columns.ID)).limit(REVIEW_ROWS).collectAsList()) {
        out.add(new ReviewRow(r.getAs(Columns.ID), r.getAs(Columns.SOURCE), r.getAs(Columns.QUESTION), r.getAs("nearest_eval"),
            r.getAs("eval_question"), r.<Double>getAs("similarity")));
      }
    }
    return out;
  }

  private static String text(Object value) {
    return value == null ? "" : String.valueOf(value);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> section(Map<String, Object> config, String name) {
    return config.get(name) instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  /** run.json's funnel, or one from the stage rows of a run that stopped before writing it. */
  @SuppressWarnings("unchecked")
  private static Map<String, Long> funnel(RunJson doc, List<StageRow> stages) {
    Map<String, Long> funnel = new LinkedHashMap<>();
    if (doc.entry("funnel") instanceof Map<?, ?> m) {
      ((Map<String, Object>) m).forEach((k, v) -> funnel.put(k, ((Number) v).longValue()));
    }
    if (funnel.isEmpty() && !stages.isEmpty()) {
      funnel.put("read", stages.get(0).rowsIn());
      stages.forEach(s -> funnel.put(s.name(), s.rowsOut()));
    }
    return funnel;
  }

  private static Map<String, String> mscTitles() {
    try {
      return new TreeMap<>(MscCodes.load(Map.of()).titles());
    } catch (RuntimeException e) {
      return new TreeMap<>(); // titles are decoration: codes alone still read
    }
  }

  /** The ids of the run's selection and of every re-selection under selections/, by name. */
  private static Map<String, Set<String>> selectionIds(SparkSession spark, RunDirectory run, Dataset<Row> selection, String strategy) {
    Map<String, Dataset<Row>> selections = new LinkedHashMap<>();
    if (selection != null) {
      selections.put("selection (" + strategy + ")", selection);
    }
    for (String name : childDirectories(run, run.selectionsRoot())) {
      Dataset<Row> d = committed(spark, run, run.selections(name));
      if (d != null) {
        selections.put(name, d);
      }
    }
    Map<String, Set<String>> ids = new LinkedHashMap<>();
    for (Map.Entry<String, Dataset<Row>> e : selections.entrySet()) {
      Set<String> set = new LinkedHashSet<>();
      for (Row r : e.getValue().select(Columns.ID).collectAsList()) {
        set.add(r.getString(0));
      }
      ids.put(e.getKey(), set);
    }
    return ids;
  }

  /** Rows shared by each pair of selections. */
  private static Map<String, Map<String, Long>> overlap(Map<String, Set<String>> ids) {
    Map<String, Map<String, Long>> overlap = new LinkedHashMap<>();
    for (Map.Entry<String, Set<String>> a : ids.entrySet()) {
      Map<String, Long> row = new LinkedHashMap<>();
      for (Map.Entry<String, Set<String>> b : ids.entrySet()) {
        row.put(b.getKey(), a.getValue().stream().filter(b.getValue()::contains).count());
      }
      overlap.put(a.getKey(), row);
    }
    return overlap;
  }

  private static Dataset<Row> committed(SparkSession spark, RunDirectory run, String dir) {
    return run.isCommitted(dir) ? spark.read().parquet(dir) : null;
  }

  private static boolean has(Dataset<Row> d, String column) {
    return Arrays.asList(d.columns()).contains(column);
  }

  private static String majority(Dataset<Row> d, String column) {
    List<Row> rows = d.groupBy(column).count().orderBy(col("count").desc()).limit(1).collectAsList();
    return rows.isEmpty() || rows.get(0).isNullAt(0) ? "" : rows.get(0).getString(0);
  }

  /** Category -> rows, most frequent first (ties by name); null categories count as "(none)". */
  static Map<String, Long> counts(Dataset<Row> d, Column category) {
    Map<String, Long> out = new LinkedHashMap<>();
    if (d == null) {
      return out;
    }
    for (Row r : d.groupBy(category.cast("string").as("c")).agg(count(lit(1)).as("n")).orderBy(col("n").desc(), col("c")).collectAsList()) {
      out.put(r.isNullAt(0) ? "(none)" : r.getString(0), r.getLong(1));
    }
    return out;
  }

  private static Column difficultyBin() {
    return least(lit(DIFFICULTY_BINS - 1), greatest(lit(0), floor(col(Columns.DIFFICULTY).multiply(DIFFICULTY_BINS)).cast("int")));
  }

  private static List<String> difficultyLabels() {
    List<String> labels = new ArrayList<>();
    for (int i = 0; i < DIFFICULTY_BINS; i++) {
      labels.add(String.format(Locale.ROOT, "%.1f-%.1f", i / (double) DIFFICULTY_BINS, (i + 1) / (double) DIFFICULTY_BINS));
    }
    return labels;
  }

  /** Counts per integer bin, every label present (zero when empty), in label order. */
  static Map<String, Long> binned(Dataset<Row> d, Column bin, List<String> labels) {
    Map<String, Long> out = new LinkedHashMap<>();
    labels.forEach(l -> out.put(l, 0L));
    if (d == null) {
      return out;
    }
    for (Row r : d.groupBy(bin.as("b")).count().collectAsList()) {
      if (!r.isNullAt(0) && r.getInt(0) >= 0 && r.getInt(0) < labels.size()) {
        out.put(labels.get(r.getInt(0)), r.getLong(1));
      }
    }
    return out;
  }

  /** Token counts in power-of-two bins (1, 2-3, 4-7, ...), from the smallest to the largest bin either side uses. */
  private static Distribution tokenHistogram(Dataset<Row> pool, Dataset<Row> selection, String column) {
    Column bin = floor(log2(greatest(col(column), lit(1)))).cast("int");
    Map<Integer, Long> p = new TreeMap<>();
    Map<Integer, Long> s = new TreeMap<>();
    for (Object[] pair : new Object[][] {{pool, p}, {selection, s}}) {
      Dataset<Row> d = (Dataset<Row>) pair[0];
      @SuppressWarnings("unchecked")
      Map<Integer, Long> target = (Map<Integer, Long>) pair[1];
      if (d != null && has(d, column)) {
        for (Row r : d.filter(col(column).isNotNull()).groupBy(bin.as("b")).count().collectAsList()) {
          target.put(r.getInt(0), r.getLong(1));
        }
      }
    }
    Map<String, Long> poolBins = new LinkedHashMap<>();
    Map<String, Long> selectionBins = new LinkedHashMap<>();
    Set<Integer> all = new TreeSet<>(p.keySet());
    all.addAll(s.keySet());
    if (!all.isEmpty()) {
      int lo = ((TreeSet<Integer>) all).first();
      int hi = ((TreeSet<Integer>) all).last();
      for (int b = lo; b <= hi; b++) {
        String label = tokenBinLabel(b);
        poolBins.put(label, p.getOrDefault(b, 0L));
        selectionBins.put(label, s.getOrDefault(b, 0L));
      }
    }
    return new Distribution(poolBins, selectionBins);
  }

  static String tokenBinLabel(int bin) {
    long from = 1L << bin;
    long to = (1L << (bin + 1)) - 1;
    return from == to ? String.valueOf(from) : compact(from) + "-" + compact(to);
  }

  private static String compact(long n) {
    return n >= 10_000 ? (n / 1000) + "k" : String.valueOf(n);
  }

  private static List<SelectedRow> selectedRows(Dataset<Row> selection, String tokenColumn) {
    List<SelectedRow> out = new ArrayList<>();
    if (selection == null) {
      return out;
    }
    Column tokens = has(selection, tokenColumn) ? col(tokenColumn).cast("int") : lit(null).cast("int");
    for (Row r : selection.select(col(Columns.RANK).cast("int"), col(Columns.ID), col(Columns.SOURCE), col(Columns.DOMAIN),
        col(Columns.DIFFICULTY).cast("double"), tokens, col(Columns.WHY), col(Columns.QUESTION)).orderBy(Columns.RANK).collectAsList()) {
      out.add(new SelectedRow(r.getInt(0), r.getString(1), r.getString(2), r.getString(3), r.isNullAt(4) ? null : r.getDouble(4),
          r.isNullAt(5) ? null : r.getInt(5), r.getString(6), r.getString(7)));
    }
    return out;
  }

  /** Up to {@link #SAMPLES_PER_REASON} rows per (stage, reason) of removed/, first by id; quarantine as its own stage. */
  private static List<RemovedSample> removedSamples(SparkSession spark, RunDirectory run) {
    List<RemovedSample> out = new ArrayList<>();
    for (String stage : childDirectories(run, run.removedRoot())) {
      Dataset<Row> d = committed(spark, run, run.removed(stage));
      if (d == null || !has(d, Columns.REASON)) {
        continue;
      }
      Column question = has(d, Columns.QUESTION) ? col(Columns.QUESTION) : lit(null).cast("string");
      Column source = has(d, Columns.SOURCE) ? col(Columns.SOURCE) : lit(null).cast("string");
      Column detail = has(d, Columns.DETAIL) ? col(Columns.DETAIL).cast("string") : lit(null).cast("string");
      Dataset<Row> ranked = d.select(col(Columns.REASON), col(Columns.ID), source.as("s"), question.as("q"), detail.as("d"))
          .withColumn("_n", row_number().over(Window.partitionBy(Columns.REASON).orderBy(Columns.ID)))
          .withColumn("_count", count(lit(1)).over(Window.partitionBy(Columns.REASON)))
          .filter(col("_n").leq(SAMPLES_PER_REASON))
          .orderBy(col(Columns.REASON), col("_n"));
      for (Row r : ranked.collectAsList()) {
        out.add(new RemovedSample(stage, r.getString(0), r.getLong(6), r.getString(1), r.getString(2), r.getString(3), r.getString(4)));
      }
    }
    Dataset<Row> quarantine = committed(spark, run, run.quarantine());
    if (quarantine != null && has(quarantine, "error")) {
      long n = quarantine.count();
      Column raw = has(quarantine, "raw") ? col("raw").cast("string") : lit(null).cast("string");
      Column source = has(quarantine, Columns.SOURCE) ? col(Columns.SOURCE) : lit(null).cast("string");
      Column where = has(quarantine, "file") && has(quarantine, "line")
          ? concat_ws(":", col("file"), col("line").cast("string")) : lit("");
      for (Row r : quarantine.select(where.as("w"), source.as("s"), raw.as("r"), col("error").cast("string"))
          .orderBy("w").limit(SAMPLES_PER_REASON).collectAsList()) {
        out.add(new RemovedSample("quarantine", "unreadable", n, r.getString(0), r.getString(1), r.getString(2), r.getString(3)));
      }
    }
    return out;
  }

  private static List<String> childDirectories(RunDirectory run, String dir) {
    List<String> names = new ArrayList<>();
    try {
      Path p = new Path(dir);
      FileSystem fs = p.getFileSystem(run.hadoop());
      if (!fs.exists(p)) {
        return names;
      }
      for (FileStatus s : fs.listStatus(p)) {
        if (s.isDirectory() && !s.getPath().getName().startsWith(".") && !s.getPath().getName().startsWith("_")) {
          names.add(s.getPath().getName());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + dir + ": " + e.getMessage(), e);
    }
    names.sort(null);
    return names;
  }
}
