package dev.distill.job.select;

import dev.distill.job.api.StageContext;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.score.MscCodes;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A strategy that works on the scored table itself (Spark) and brings to the driver only what its
 * picks need, instead of the whole pool as {@link Candidate}s. {@link SelectStage} calls
 * {@link #select(StageContext, Dataset, PipelineConfig.Select, MscCodes)} for it.
 */
public interface TableSelector extends Selector {
  List<Pick> select(StageContext context, Dataset<Row> scored, PipelineConfig.Select config, MscCodes codes);

  /** Only the table form exists: this one is never handed a collected pool. */
  @Override
  default List<Pick> select(Candidates candidates, PipelineConfig.Select config, MscCodes codes) {
    throw new UnsupportedOperationException(name() + " selects from the scored table (SelectStage), not from a collected pool");
  }
}
