package dev.distill.job;

import dev.distill.job.api.StageContext;
import dev.distill.job.conf.ConfigLoader;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.io.RunDirectory;
import dev.distill.job.schema.CandidateSchema;
import dev.distill.udf.text.ContentId;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * The one local SparkSession shared by every Spark test of the jobs module, and helpers to build
 * candidate rows, configurations and stage contexts.
 */
public final class SparkTestSession {
  private static volatile SparkSession session;
  private static final AtomicInteger ORIGINS = new AtomicInteger();

  /** The shared session: local[2], no UI, 4 shuffle partitions, UTC; created on first use. */
  public static SparkSession get() {
    SparkSession s = session;
    if (s == null) {
      synchronized (SparkTestSession.class) {
        s = session;
        if (s == null) {
          s = SparkSession.builder()
              .master("local[2]")
              .appName("distill-jobs-tests")
              .config("spark.ui.enabled", "false")
              .config("spark.sql.shuffle.partitions", "4")
              .config("spark.sql.session.timeZone", "UTC")
              .config("spark.driver.bindAddress", "127.0.0.1")
              .config("spark.driver.host", "127.0.0.1")
              .getOrCreate();
          session = s;
        }
      }
    }
    return s;
  }

  /** A Dataset with the canonical candidate schema. */
  public static Dataset<Row> candidates(List<Row> rows) {
    return get().createDataFrame(rows, CandidateSchema.CANDIDATE);
  }

  /** Starts a candidate row for {@code question}; every other column has a sensible default. */
  public static CandidateRow candidate(String question) {
    return new CandidateRow(question);
  }

  /** The default configuration (conf/pipeline.yaml) with {@code key=value} overrides (values are YAML). */
  public static PipelineConfig config(String... overrides) {
    return PipelineConfig.from(new ConfigLoader(Map.of()).load(null, List.of(overrides)));
  }

  /** A stage context on the shared session, with a run directory at {@code runRoot}. */
  public static StageContext context(Path runRoot, String... overrides) {
    SparkSession spark = get();
    return new StageContext(spark, config(overrides), new RunDirectory(runRoot.toString(), spark.sparkContext().hadoopConfiguration()));
  }

  /** Fluent builder of one row of {@link CandidateSchema#CANDIDATE}. */
  public static final class CandidateRow {
    private String id;
    private final String question;
    private String source = "test/source";
    private int sourceOrder = 0;
    private String solution;
    private String answer;
    private String cotType = "math";
    private String subject;
    private String level;
    private String trace;
    private String attempt;
    private Map<String, Boolean> grades;
    private String metadata = "{}";
    private String origin;

    private CandidateRow(String question) {
      this.question = question;
      this.id = ContentId.of(question);
      this.origin = "test#" + ORIGINS.incrementAndGet();
    }

    public CandidateRow id(String value) {
      id = value;
      return this;
    }

    /** Where the row came from; unique per source unless a test wants two rows with one key. */
    public CandidateRow origin(String value) {
      origin = value;
      return this;
    }

    public CandidateRow source(String value) {
      source = value;
      return this;
    }

    public CandidateRow source(String value, int order) {
      source = value;
      sourceOrder = order;
      return this;
    }

    public CandidateRow solution(String value) {
      solution = value;
      return this;
    }

    public CandidateRow answer(String value) {
      answer = value;
      return this;
    }

    public CandidateRow cotType(String value) {
      cotType = value;
      return this;
    }

    public CandidateRow subject(String value) {
      subject = value;
      return this;
    }

    public CandidateRow level(String value) {
      level = value;
      return this;
    }

    public CandidateRow trace(String value) {
      trace = value;
      return this;
    }

    public CandidateRow attempt(String value) {
      attempt = value;
      return this;
    }

    /** Student model -> answered correctly; null for no grades. */
    public CandidateRow grades(Map<String, Boolean> value) {
      grades = value;
      return this;
    }

    public CandidateRow metadata(String value) {
      metadata = value;
      return this;
    }

    public String id() {
      return id;
    }

    public String origin() {
      return origin;
    }

    public Row row() {
      Object gradesValue = grades == null ? null : scala.jdk.javaapi.CollectionConverters.asScala(grades);
      return RowFactory.create(id, source, sourceOrder, question, solution, answer, cotType, subject, level, trace, attempt,
          gradesValue, metadata, origin);
    }
  }

  private SparkTestSession() {}
}
