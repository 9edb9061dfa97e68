package dev.distill.job.select;

import static org.apache.spark.sql.functions.col;

import dev.distill.job.api.StageContext;
import dev.distill.job.api.Step;
import dev.distill.job.io.RunDirectory;
import dev.distill.job.io.StageResult;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.schema.CandidateSchema;
import dev.distill.job.schema.Columns;
import dev.distill.job.score.MscCodes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Selects the training rows from the scored table. The strategy asks the candidates (a light
 * projection kept on the executors) only bounded questions, every answer in a total order, so the
 * picks do not depend on partitioning; the chosen rows are written with {@code rank},
 * {@code strategy} and {@code why}, in rank order, as one Parquet file.
 */
public final class SelectStage implements Step {
  public static final String NAME = "select";
  /** What run.json records of a selection (and of each re-selection under "selections"). */
  public record Figures(String strategy, long seed, int size, int candidates, int selected, int domainsCovered, Map<String, Long> domains,
      String target) {}

  /** A candidate the strategy did not choose: counted, so select reconciles like every step; its row stays in the scored table. */
  public static final String NOT_SELECTED = "not_selected";

  /** Selects from {@code scored} and writes the picks to {@code target}; returns the stage's figures. */
  public static StageResult run(StageContext context, Dataset<Row> scored, String target) {
    long start = System.nanoTime();
    CandidateSchema.require(scored.schema(), NAME, Columns.ID, Columns.DOMAIN, Columns.LENGTH_TOKENS, Columns.DIFFICULTY);
    PipelineConfig.Select cfg = context.config().select();
    MscCodes codes = MscCodes.load(context.config().domains().subjectMap());
    Selector selector = Selector.forStrategy(cfg.strategy());
    int candidates;
    List<Pick> picks;
    try (CandidateTable table = CandidateTable.of(scored)) {
      candidates = Math.toIntExact(table.count());
      picks = selector instanceof TableSelector t ? t.select(context, scored, cfg, codes) : selector.select(table, cfg, codes);
    }
    StructType pickSchema = new StructType()
        .add("_pick_id", DataTypes.StringType, false)
        .add(Columns.RANK, DataTypes.IntegerType, false)
        .add(Columns.STRATEGY, DataTypes.StringType, false)
        .add(Columns.WHY, DataTypes.StringType, false);
    List<Row> pickRows = new ArrayList<>();
    Map<String, Long> domains = new TreeMap<>();
    for (int i = 0; i < picks.size(); i++) {
      Pick p = picks.get(i);
      pickRows.add(RowFactory.create(p.candidate().id(), i + 1, cfg.strategy(), p.why()));
      domains.merge(p.candidate().domain(), 1L, Long::sum);
    }
    Dataset<Row> chosen = scored.dropDuplicates(Columns.ID)
        .join(context.spark().createDataFrame(pickRows, pickSchema), col(Columns.ID).equalTo(col("_pick_id")))
        .drop("_pick_id")
        .orderBy(Columns.RANK)
        .coalesce(1);
    chosen.write().mode(SaveMode.Overwrite).parquet(target);
    context.figures(new Figures(cfg.strategy(), cfg.seed(), cfg.size(), candidates, picks.size(), domains.size(), domains, target));
    double seconds = (System.nanoTime() - start) / 1e9;
    Map<String, Long> notChosen = candidates == picks.size() ? Map.of() : Map.of(NOT_SELECTED, (long) (candidates - picks.size()));
    return new StageResult(NAME, candidates, picks.size(), notChosen, seconds, context.drainStats());
  }

  static List<Candidate> candidates(Dataset<Row> scored) {
    List<Row> rows = scored.select(col(Columns.ID), col(Columns.SOURCE), col(Columns.DOMAIN), col(Columns.LENGTH_TOKENS),
            col(Columns.LENGTH_BASIS), col(Columns.TRACE_TOKENS), col(Columns.TEACHER_CORRECT), col(Columns.DIFFICULTY),
            col(Columns.ANSWER).isNotNull().and(col(Columns.ANSWER).notEqual("")),
            col(Columns.SOLUTION).isNotNull().and(col(Columns.SOLUTION).notEqual("")),
            col(Columns.TRACE).isNotNull().and(col(Columns.TRACE).notEqual("")))
        .dropDuplicates(Columns.ID)
        .orderBy(Columns.ID)
        .collectAsList();
    List<Candidate> out = new ArrayList<>(rows.size());
    for (Row r : rows) {
      out.add(new Candidate(r.getString(0), r.getString(1), r.getString(2), r.getInt(3), r.getString(4),
          r.isNullAt(5) ? null : r.getInt(5), r.isNullAt(6) ? null : r.getBoolean(6), r.getDouble(7),
          r.getBoolean(8), r.getBoolean(9), r.getBoolean(10)));
    }
    return out;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description(PipelineConfig config) {
    return "strategy " + config.select().strategy() + ", seed " + config.select().seed();
  }

  @Override
  public List<String> reasons() {
    return List.of(NOT_SELECTED);
  }

  @Override
  public List<String> outputs(RunDirectory run) {
    return List.of(run.selection() + "/_SUCCESS");
  }

  @Override
  public String output(RunDirectory run) {
    return run.selection();
  }

  @Override
  public Result run(StageContext context, String input, RunSoFar soFar) {
    return new Result(run(context, context.spark().read().parquet(input), context.run().selection()));
  }
}
