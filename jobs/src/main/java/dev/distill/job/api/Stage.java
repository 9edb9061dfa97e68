package dev.distill.job.api;

import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.io.RunDirectory;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * One filtering/scoring step of the pipeline: a Dataset-to-Dataset transform.
 *
 * <p>The returned dataset holds every input row, with the stage's score columns added and a
 * {@code reason} column: null keeps the row, anything else drops it with that reason (and an
 * optional {@code detail}). The runner writes kept rows to {@code stages/<name>/} and dropped
 * ones to {@code removed/<name>/}, so no row is ever lost.
 */
public interface Stage extends Step {
  /** One line for the Spark UI and the console. */
  String description();

  @Override
  default String description(PipelineConfig config) {
    return description();
  }

  Dataset<Row> apply(StageContext context, Dataset<Row> input);

  /**
   * For a stage whose kept rows are its input rows with only constant columns added (the flags of
   * a row it keeps are always empty): those columns, added to the input rows it did not remove.
   * The runner then computes the verdicts once, writes the removed rows, and writes the kept rows
   * from the input less the removed rows' keys, instead of caching the whole judged input to
   * write both from one computation (at 1,000,000 candidates about 9 GB of text, which spills).
   * Empty (the default): the cache.
   */
  default Optional<UnaryOperator<Dataset<Row>>> keptFromInput() {
    return Optional.empty();
  }

  @Override
  default List<String> outputs(RunDirectory run) {
    return List.of(run.stage(name()) + "/_SUCCESS", run.removed(name()) + "/_SUCCESS");
  }

  @Override
  default String output(RunDirectory run) {
    return run.stage(name());
  }

  /** A filtering stage judges rows by its own rules: an incremental run carries its verdicts on unchanged rows over. */
  @Override
  default boolean carriesVerdicts() {
    return true;
  }

  @Override
  default Result run(StageContext context, String input, RunSoFar soFar) {
    return new Result(StageRunner.run(this, context, context.spark().read().parquet(input)));
  }

  /**
   * What an incremental run (run.base_run) shows this stage besides the new rows: nothing for a
   * stage that judges each row alone, or the base run's rows that entered or left the stage for one
   * that compares rows with each other. Those rows are marked {@link #INCUMBENT} and judged as in a
   * full run; a base row the stage kept and now removes (a new row of an earlier source overlaps
   * it, a new near-duplicate represents its cluster) is displaced: removed in this run with that
   * reason and not carried into later stages. Other verdicts on incumbents are discarded.
   */
  @Override
  default Incumbents incumbents() {
    return Incumbents.NONE;
  }

  /** Boolean column on the incumbent rows an incremental run adds to the input. */
  String INCUMBENT = "_incumbent";

  enum Incumbents {
    /** Each row is judged alone: only new rows are processed. */
    NONE,
    /** The base run's input rows of this stage take part (without their verdicts). */
    INPUT,
    /** The base run's kept rows of this stage take part. */
    OUTPUT
  }
}
