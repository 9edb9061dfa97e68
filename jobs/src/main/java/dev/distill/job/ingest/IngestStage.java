package dev.distill.job.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.job.api.StageContext;
import dev.distill.job.api.Step;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.error.BadInputException;
import dev.distill.job.error.ConfigException;
import dev.distill.job.io.StageResult;
import dev.distill.job.io.RunDirectory;
import dev.distill.job.schema.CandidateSchema;
import dev.distill.job.schema.Columns;
import dev.distill.job.source.SourceSpec;
import dev.distill.job.spark.HadoopConf;
import dev.distill.udf.text.ContentId;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.collection.JavaConverters;

/**
 * Reads every configured source onto the canonical schema, one Spark task per file (JSON and CSV
 * are not splittable, and a task per file keeps line numbers exact). Rows that cannot be read or
 * mapped go to quarantine/ with file, line and error; the rest to stages/ingest/.
 */
public final class IngestStage implements Step {
  public static final String NAME = "ingest";
  static final String ERROR = "_error";
  static final String FILE = "_file";
  static final String LINE = "_line";
  static final String RAW = "_raw";

  static final StructType INGEST = withErrorColumns(CandidateSchema.CANDIDATE);

  /** What run.json records of ingest: rows read = rows out + quarantined. */
  public record Figures(int partitions, long rowsRead, long quarantined, int files, Map<String, Long> rowsPerSource) {}

  /** Ingest's row counts and figures, and the files read per source (run.json's "inputs"). */
  public record Result(StageResult stage, Figures figures, List<Map<String, Object>> inputs) {}

  private record FileTask(int sourceIndex, String file) implements Serializable {}

  /** Every source's files: text files (one task each, so line numbers stay exact), Parquet files (read by Spark), their bytes. */
  private record Listing(List<FileTask> textTasks, List<Dataset<Row>> parquetParts, List<Map<String, Object>> inputs, long bytes) {
    int files() {
      return textTasks.size() + parquetParts.size();
    }
  }

  /** Rows that reached stages/ingest (per source) and rows quarantined. */
  private record Counts(long out, long quarantined, Map<String, Long> perSource) {}

  public static Result run(StageContext context, List<SourceSpec> sources) {
    long start = System.nanoTime();
    Listing listing = list(context, sources);
    int partitions = context.partitionsFor(listing.bytes());
    // Cached after the shuffle, so the writes and the count that follow run one task per partition, not one per file.
    Dataset<Row> all = read(context, sources, listing).repartition(partitions).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      write(all, context.run());
      Counts counts = count(all);
      Figures figures = new Figures(partitions, counts.out() + counts.quarantined(), counts.quarantined(), listing.files(), counts.perSource());
      context.figures(figures);
      StageResult result = new StageResult(NAME, figures.rowsRead(), counts.out(), Map.of(), (System.nanoTime() - start) / 1e9,
          context.drainStats());
      return new Result(result, figures, listing.inputs());
    } finally {
      all.unpersist();
    }
  }

  private static Listing list(StageContext context, List<SourceSpec> sources) {
    List<FileTask> textTasks = new ArrayList<>();
    List<Dataset<Row>> parquetParts = new ArrayList<>();
    List<Map<String, Object>> inputs = new ArrayList<>();
    long bytes = 0;
    for (int i = 0; i < sources.size(); i++) {
      List<SourceFiles.InputFile> files = SourceFiles.expand(sources.get(i), context.run().hadoop());
      Map<String, Object> input = new LinkedHashMap<>();
      input.put("source", sources.get(i).name());
      input.put("files", files);
      inputs.add(input);
      List<String> parquet = new ArrayList<>();
      for (SourceFiles.InputFile f : files) {
        bytes += Math.max(0, f.bytes());
        if (SourceFiles.isParquet(sources.get(i), f.path())) {
          parquet.add(f.path());
        } else {
          textTasks.add(new FileTask(i, f.path()));
        }
      }
      if (!parquet.isEmpty()) {
        parquetParts.add(readParquet(context.spark(), sources.get(i), i, parquet));
      }
    }
    return new Listing(textTasks, parquetParts, inputs, bytes);
  }

  /** Every row of every source on the ingest schema, unreadable ones with their error. */
  private static Dataset<Row> read(StageContext context, List<SourceSpec> sources, Listing listing) {
    List<SourceSpec> specs = List.copyOf(sources);
    HadoopConf hadoop = new HadoopConf(context.run().hadoop());
    List<Dataset<Row>> parts = new ArrayList<>(listing.parquetParts());
    if (!listing.textTasks().isEmpty()) {
      JavaRDD<Row> rows = JavaSparkContext.fromSparkContext(context.spark().sparkContext())
          .parallelize(listing.textTasks(), listing.textTasks().size())
          .flatMap(task -> readFile(task, specs.get(task.sourceIndex()), hadoop).iterator());
      parts.add(context.spark().createDataFrame(rows, INGEST));
    }
    return parts.stream().reduce(Dataset::unionByName)
        .orElseThrow(() -> new ConfigException("Cannot ingest: no sources are configured; add entries under sources:"));
  }

  /** Readable rows to stages/ingest, unreadable ones with file, line and error to quarantine/. */
  private static void write(Dataset<Row> all, RunDirectory run) {
    all.filter(col(ERROR).isNull()).drop(ERROR, FILE, LINE, RAW)
        .write().mode(SaveMode.Overwrite).parquet(run.stage(NAME));
    all.filter(col(ERROR).isNotNull())
        .select(col(Columns.SOURCE).as("source"), col(FILE).as("file"), col(LINE).as("line"), col(ERROR).as("error"), col(RAW).as("raw"))
        .write().mode(SaveMode.Overwrite).parquet(run.quarantine());
  }

  private static Counts count(Dataset<Row> all) {
    Map<String, Long> perSource = new TreeMap<>();
    long out = 0;
    long quarantined = 0;
    for (Row r : all.groupBy(col(Columns.SOURCE), col(ERROR).isNull().as("ok")).count().collectAsList()) {
      if (r.getBoolean(1)) {
        out += r.getLong(2);
        perSource.merge(r.getString(0), r.getLong(2), Long::sum);
      } else {
        quarantined += r.getLong(2);
      }
    }
    return new Counts(out, quarantined, perSource);
  }

  private static List<Row> readFile(FileTask task, SourceSpec spec, HadoopConf hadoop) throws Exception {
    List<Row> rows = new ArrayList<>();
    Path path = new Path(task.file());
    try (InputStream in = path.getFileSystem(hadoop.get()).open(path)) {
      RecordReader.read(task.file(), in, spec, new RecordReader.RecordSink() {
        @Override
        public void record(JsonNode record, long line, long index) {
          rows.add(mapRecord(spec, task.sourceIndex(), record, task.file(), line, index));
        }

        @Override
        public void unreadable(long line, String error, String rawSnippet) {
          rows.add(errorRow(spec.name(), task.sourceIndex(), task.file(), line, "unreadable: " + error, rawSnippet));
        }
      });
    } catch (IOException e) {
      rows.add(errorRow(spec.name(), task.sourceIndex(), task.file(), 0, "cannot read file: " + e.getMessage(), null));
    }
    return rows;
  }

  static Row mapRecord(SourceSpec spec, int sourceIndex, JsonNode record, String file, long line, long index) {
    String origin = file + "#" + (line > 0 ? line : index);
    try {
      RecordMapper.CanonicalRecord r = RecordMapper.map(spec, record, origin);
      scala.collection.Map<String, Boolean> grades = null;
      if (r.grades() != null) {
        grades = JavaConverters.mapAsScalaMap(new TreeMap<>(r.grades()));
      }
      return RowFactory.create(ContentId.of(r.question()), r.source(), sourceIndex, r.question(), r.solution(), r.answer(),
          r.cotType(), r.subject(), r.level(), r.trace(), r.attempt(), grades, r.metadata(), r.origin(),
          null, file, line, null);
    } catch (RuntimeException e) {
      String raw = record.toString();
      return errorRow(spec.name(), sourceIndex, file, line > 0 ? line : index, e.getMessage(), raw.length() > 200 ? raw.substring(0, 200) : raw);
    }
  }

  private static Row errorRow(String source, int sourceIndex, String file, long line, String error, String raw) {
    return RowFactory.create("", source, sourceIndex, "", null, null, null, null, null, null, null, null, null,
        file + "#" + line, error == null ? "unknown error" : error, file, line, raw);
  }

  private static Dataset<Row> readParquet(SparkSession spark, SourceSpec spec, int sourceIndex, List<String> files) {
    Dataset<Row> df = spark.read().parquet(files.toArray(new String[0]));
    Dataset<Row> json = df.select(to_json(struct(col("*"))).as("json"), input_file_name().as("file"));
    return json.mapPartitions((MapPartitionsFunction<Row, Row>) it -> {
      ObjectMapper mapper = new ObjectMapper();
      List<Row> out = new ArrayList<>();
      long index = 0;
      while (it.hasNext()) {
        Row r = it.next();
        index++;
        out.add(mapRecord(spec, sourceIndex, mapper.readTree(r.getString(0)), r.getString(1), 0, index));
      }
      return out.iterator();
    }, Encoders.row(INGEST));
  }

  private static StructType withErrorColumns(StructType base) {
    List<StructField> fields = new ArrayList<>(List.of(base.fields()));
    fields.add(DataTypes.createStructField(ERROR, DataTypes.StringType, true));
    fields.add(DataTypes.createStructField(FILE, DataTypes.StringType, true));
    fields.add(DataTypes.createStructField(LINE, DataTypes.LongType, true));
    fields.add(DataTypes.createStructField(RAW, DataTypes.StringType, true));
    return new StructType(fields.toArray(new StructField[0]));
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description(PipelineConfig config) {
    return "read every source onto the canonical schema";
  }

  /** What the sources are (and the sample pool they come from when none are configured). */
  @Override
  public List<String> sections() {
    return List.of("sources", "sample_pool");
  }

  @Override
  public List<String> files(PipelineConfig config) {
    return config.sources().stream().flatMap(s -> s.paths().stream()).toList();
  }

  /** Unreadable rows go to quarantine/, not to removed/: ingest gives no reason. */
  @Override
  public List<String> reasons() {
    return List.of();
  }

  @Override
  public List<String> outputs(RunDirectory run) {
    return List.of(run.stage(NAME) + "/_SUCCESS", run.quarantine() + "/_SUCCESS");
  }

  @Override
  public String output(RunDirectory run) {
    return run.stage(NAME);
  }

  @Override
  public Step.Result run(StageContext context, String input, RunSoFar soFar) {
    Result r = run(context, context.config().sources());
    Map<String, Object> entries = new LinkedHashMap<>();
    entries.put("inputs", r.inputs());
    entries.put("quarantined", r.figures().quarantined());
    return new Step.Result(r.stage(), entries);
  }

  /** More unreadable rows than run.max_quarantine_fraction allows stop the run, computed or reused. */
  @Override
  public void check(StageResult result, StageContext context) {
    Figures figures = result.figures(Figures.class);
    long quarantined = figures.quarantined();
    long rowsRead = figures.rowsRead();
    double allowed = context.config().run().maxQuarantineFraction();
    if (rowsRead > 0 && quarantined > allowed * rowsRead) {
      throw new BadInputException(String.format("Cannot continue: %d of %d rows read are unreadable (more than run.max_quarantine_fraction=%s); "
          + "see %s for file, line and error of each, fix the sources or raise the threshold", quarantined, rowsRead, allowed,
          context.run().quarantine()));
    }
  }
}
