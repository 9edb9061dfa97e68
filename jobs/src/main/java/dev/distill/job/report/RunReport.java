package dev.distill.job.report;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log2;

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
  /** @param judge decontam.judge's verdict ("no") or why it gave none; null when no judge was configured */
  public record ReviewRow(String id, String source, String question, String nearestEval, String evalQuestion, double similarity, String judge) {
    public ReviewRow(String id, String source, String question, String nearestEval, String evalQuestion, double similarity) {
      this(id, source, question, nearestEval, evalQuestion, similarity, null);
    }
  }

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
    Tallies tallies = tallies(pool, selection, ingested, tokenColumn);
    String basis = pool != null && has(pool, Columns.LENGTH_BASIS) ? majority(tallies.byCount(POOL, BASIS)) : "trace";
    List<SelectedRow> selected = selectedRows(selection, tokenColumn);
    Map<String, Set<String>> ids = selectionIds(spark, run, selected, String.valueOf(select.getOrDefault("strategy", "?")));
    Map<String, Integer> sizes = new LinkedHashMap<>();
    ids.forEach((name, set) -> sizes.put(name, set.size()));
    List<RemovedSample> removed = removedSamples(spark, run);
    removed.addAll(RemovedSamples.quarantine(committed(spark, run, run.quarantine())));
    return new RunReport(
        text(doc.runId()),
        text(doc.status()),
        text(doc.configSha256()),
        text(select.get("strategy")),
        select.get("seed") == null ? null : String.valueOf(select.get("seed")),
        stages,
        funnel(doc, stages),
        doc.entry("quarantined") instanceof Number q ? q.longValue() : 0,
        new Distribution(tallies.byCount(POOL, Columns.DOMAIN), tallies.byCount(SELECTION, Columns.DOMAIN)),
        mscTitles(),
        new Distribution(binned(tallies.byInteger(POOL, Columns.DIFFICULTY)), binned(tallies.byInteger(SELECTION, Columns.DIFFICULTY))),
        tokenHistogram(tallies.byInteger(POOL, TOKENS), tallies.byInteger(SELECTION, TOKENS)),
        basis,
        new Distribution(tallies.byCount(ingested != null ? INGESTED : POOL, Columns.SOURCE), tallies.byCount(SELECTION, Columns.SOURCE)),
        selected,
        removed,
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
      boolean judged = List.of(d.columns()).contains("judge_verdict");
      for (Row r : d.orderBy(col("similarity").desc(), col(Columns.ID)).limit(REVIEW_ROWS).collectAsList()) {
        String judge = !judged ? null : r.getAs("judge_verdict") != null ? r.getAs("judge_verdict") : r.getAs("judge_error");
        out.add(new ReviewRow(r.getAs(Columns.ID), r.getAs(Columns.SOURCE), r.getAs(Columns.QUESTION), r.getAs("nearest_eval"),
            r.getAs("eval_question"), r.<Double>getAs("similarity"), judge));
      }
    }
    return out;
  }

  private static final String POOL = "pool";
  private static final String SELECTION = "selection";
  private static final String INGESTED = "ingested";
  private static final String TOKENS = "tokens";
  private static final String BASIS = "basis";

  /** Every histogram of the pool, the selection and the ingested sources, in one Spark job. */
  private static Tallies tallies(Dataset<Row> pool, Dataset<Row> selection, Dataset<Row> ingested, String tokenColumn) {
    Tallies tallies = new Tallies();
    Map<String, Dataset<Row>> scored = new LinkedHashMap<>();
    scored.put(POOL, pool);
    scored.put(SELECTION, selection);
    for (Map.Entry<String, Dataset<Row>> table : scored.entrySet()) {
      Dataset<Row> d = table.getValue();
      if (d == null) {
        continue;
      }
      Map<String, Column> categories = new LinkedHashMap<>();
      categories.put(Columns.DOMAIN, column(d, Columns.DOMAIN));
      categories.put(Columns.DIFFICULTY, difficultyBin(column(d, Columns.DIFFICULTY)));
      if (has(d, tokenColumn)) {
        categories.put(TOKENS, floor(log2(greatest(col(tokenColumn), lit(1)))).cast("int"));
      }
      categories.put(BASIS, column(d, Columns.LENGTH_BASIS));
      categories.put(Columns.SOURCE, column(d, Columns.SOURCE));
      tallies.add(table.getKey(), d, categories);
    }
    if (ingested != null) {
      tallies.add(INGESTED, ingested, Map.of(Columns.SOURCE, column(ingested, Columns.SOURCE)));
    }
    return tallies.compute();
  }

  private static Column column(Dataset<Row> d, String name) {
    return has(d, name) ? col(name) : lit(null).cast("string");
  }

  /** The most frequent value ("" when it is null or there is none); ties go to the first by name. */
  private static String majority(Map<String, Long> byCount) {
    return byCount.keySet().stream().findFirst().filter(v -> !v.equals("(none)")).orElse("");
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
  private static Map<String, Set<String>> selectionIds(SparkSession spark, RunDirectory run, List<SelectedRow> selected, String strategy) {
    Map<String, Set<String>> ids = new LinkedHashMap<>();
    if (!selected.isEmpty() || run.isCommitted(run.selection())) {
      Set<String> set = new LinkedHashSet<>();
      selected.forEach(r -> set.add(r.id()));
      ids.put("selection (" + strategy + ")", set);
    }
    Dataset<Row> others = null;
    for (String name : childDirectories(run, run.selectionsRoot())) {
      Dataset<Row> d = committed(spark, run, run.selections(name));
      if (d != null) {
        ids.put(name, new LinkedHashSet<>());
        Dataset<Row> named = d.select(lit(name).as("name"), col(Columns.ID));
        others = others == null ? named : others.unionAll(named);
      }
    }
    if (others != null) {
      for (Row r : others.collectAsList()) {
        ids.get(r.getString(0)).add(r.getString(1));
      }
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

  private static List<String> difficultyLabels() {
    List<String> labels = new ArrayList<>();
    for (int i = 0; i < DIFFICULTY_BINS; i++) {
      labels.add(String.format(Locale.ROOT, "%.1f-%.1f", i / (double) DIFFICULTY_BINS, (i + 1) / (double) DIFFICULTY_BINS));
    }
    return labels;
  }

  private static Column difficultyBin(Column difficulty) {
    return least(lit(DIFFICULTY_BINS - 1), greatest(lit(0), floor(difficulty.cast("double").multiply(DIFFICULTY_BINS)).cast("int")));
  }

  /** Counts per difficulty bin, every bin present (zero when empty), in bin order. */
  private static Map<String, Long> binned(Map<Integer, Long> bins) {
    Map<String, Long> out = new LinkedHashMap<>();
    List<String> labels = difficultyLabels();
    for (int i = 0; i < labels.size(); i++) {
      out.put(labels.get(i), bins.getOrDefault(i, 0L));
    }
    return out;
  }

  /** Token counts in power-of-two bins (1, 2-3, 4-7, ...), from the smallest to the largest bin either side uses. */
  private static Distribution tokenHistogram(Map<Integer, Long> pool, Map<Integer, Long> selection) {
    Map<String, Long> poolBins = new LinkedHashMap<>();
    Map<String, Long> selectionBins = new LinkedHashMap<>();
    TreeSet<Integer> all = new TreeSet<>(pool.keySet());
    all.addAll(selection.keySet());
    if (!all.isEmpty()) {
      for (int b = all.first(); b <= all.last(); b++) {
        String label = tokenBinLabel(b);
        poolBins.put(label, pool.getOrDefault(b, 0L));
        selectionBins.put(label, selection.getOrDefault(b, 0L));
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

  /** Up to {@link #SAMPLES_PER_REASON} rows per (stage, reason) of removed/, first by id. */
  private static List<RemovedSample> removedSamples(SparkSession spark, RunDirectory run) {
    Map<String, Dataset<Row>> removed = new LinkedHashMap<>();
    for (String stage : childDirectories(run, run.removedRoot())) {
      removed.put(stage, committed(spark, run, run.removed(stage)));
    }
    return RemovedSamples.of(removed);
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
