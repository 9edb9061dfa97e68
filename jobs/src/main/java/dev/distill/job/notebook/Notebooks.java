package dev.distill.job.notebook;

import static org.apache.spark.sql.functions.col;

import dev.distill.job.io.RunJson;
import dev.distill.job.io.StageResult;
import dev.distill.job.report.Html;
import dev.distill.job.io.RunDirectory;
import dev.distill.job.select.SelectStage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * What the Java notebooks (notebooks/*.ipynb, rapaio-jupyter-kernel) share: a local Spark session
 * that works inside the kernel, the run directory to explore, HTML tables of a Dataset (escaped),
 * and re-selection from a run's scored table into a scratch directory.
 */
public final class Notebooks {

  /**
   * Spark's generated-code compiler (Janino) logs through java.util.logging, which the kernel
   * redirects in a way that breaks the first codegen; silencing those loggers avoids it.
   */
  public static void quietJanino() {
    for (String name : List.of("org.codehaus.janino", "org.codehaus.commons.compiler")) {
      Logger logger = Logger.getLogger(name);
      logger.setLevel(Level.OFF);
      QUIET.add(logger);
    }
  }

  /** java.util.logging holds loggers weakly: a collected logger would forget its level. */
  private static final List<Logger> QUIET = new CopyOnWriteArrayList<>();

  /** A local session for a notebook: two cores, no UI, few shuffle partitions, UTC. */
  public static SparkSession spark() {
    quietJanino();
    // The kernel loads the project's jars (%jar) in its own class loader: Spark's threads and the
    // classes it generates must see them too.
    Thread.currentThread().setContextClassLoader(Notebooks.class.getClassLoader());
    return SparkSession.builder()
        .master(System.getenv().getOrDefault("DISTILL_SPARK_MASTER", "local[2]"))
        .appName("distill-notebook")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate();
  }

  /**
   * The run to explore: $DISTILL_RUN, else the newest directory with a run.json under
   * {@code outputRoot} (the notebooks pass ../out, bin/distill's default output).
   */
  public static String runDir(String outputRoot) {
    String env = System.getenv("DISTILL_RUN");
    if (env != null && !env.isBlank()) {
      return env;
    }
    Path root = Path.of(outputRoot);
    try (Stream<Path> dirs = Files.isDirectory(root) ? Files.list(root) : Stream.empty()) {
      return dirs.filter(d -> Files.exists(d.resolve("run.json")))
          .max(Comparator.comparing(d -> d.resolve("run.json").toFile().lastModified()))
          .map(Path::toString)
          .orElseThrow(() -> new IllegalStateException("Cannot find a run to explore: no run.json under " + root.toAbsolutePath()
              + " and DISTILL_RUN is not set; run bin/distill run first, or set DISTILL_RUN=<output>/<run-id>"));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + root + ": " + e.getMessage(), e);
    }
  }

  /** The run's ingested rows: its first step's output. */
  public static Dataset<Row> ingested(SparkSession spark, String runDir) {
    RunDirectory run = new RunDirectory(runDir, spark.sparkContext().hadoopConfiguration());
    return spark.read().parquet(run.stage(RunJson.read(run, "Cannot explore").stageNames().get(0)));
  }

  /** The run's scored table: what its select step read (every candidate that passed the filters, scored). */
  public static Dataset<Row> scored(SparkSession spark, String runDir) {
    RunDirectory run = new RunDirectory(runDir, spark.sparkContext().hadoopConfiguration());
    return spark.read().parquet(run.stage(RunJson.read(run, "Cannot explore").inputOf(SelectStage.NAME).orElse("")));
  }

  /** The run's selection, in rank order. */
  public static Dataset<Row> selection(SparkSession spark, String runDir) {
    RunDirectory run = new RunDirectory(runDir, spark.sparkContext().hadoopConfiguration());
    return spark.read().parquet(run.selection()).orderBy(col("rank"));
  }

  /** The first {@code rows} rows of {@code d} as an HTML table, every cell escaped and cut to {@code maxChars}. */
  public static String table(Dataset<Row> d, int rows, int maxChars) {
    StringBuilder h = new StringBuilder("<table><thead><tr>");
    for (String c : d.columns()) {
      h.append("<th>").append(Html.escape(c)).append("</th>");
    }
    h.append("</tr></thead><tbody>");
    for (Row r : d.limit(rows).collectAsList()) {
      h.append("<tr>");
      for (int i = 0; i < r.length(); i++) {
        Object v = r.get(i);
        h.append("<td style=\"text-align:left;white-space:pre-wrap\">").append(Html.excerpt(v == null ? "" : v.toString(), maxChars))
            .append("</td>");
      }
      h.append("</tr>");
    }
    return h.append("</tbody></table>").toString();
  }

  /** A re-selection: where it went, its figures and its rows (rank order). */
  public record Reselection(String target, StageResult result, Dataset<Row> rows) {
    public long shared(Dataset<Row> other) {
      Set<String> a = ids(rows);
      return ids(other).stream().filter(a::contains).count();
    }
  }

  /**
   * Re-selects from the run's scored table with the run's config plus {@code overrides}
   * ({@code select.strategy=score}, {@code select.seed=7}, {@code select.score.domain_cap=0.1}, ...)
   * into {@code target}; nothing of the run changes.
   */
  public static Reselection reselect(SparkSession spark, String runDir, String target, String... overrides) {
    RunDirectory run = new RunDirectory(runDir, spark.sparkContext().hadoopConfiguration());
    StageResult r = dev.distill.job.select.Reselection.of(run, Arrays.asList(overrides)).into(spark, target);
    return new Reselection(target, r, spark.read().parquet(target).orderBy(col("rank")));
  }

  static Set<String> ids(Dataset<Row> d) {
    Set<String> out = new HashSet<>();
    for (Row r : d.select("id").collectAsList()) {
      out.add(r.getString(0));
    }
    return out;
  }

  private Notebooks() {}
}
