package dev.distill.job.dedup;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.struct;

import dev.distill.job.schema.Columns;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * One deterministic representative per cluster, on the executors: a member with a trace first,
 * then one with a solution, then the smallest id. The clusters come labelled, so any clustering
 * (connected components of near-duplicate pairs, or others) shares the rule.
 */
public final class ClusterRepresentatives {
  /** The cluster label column of the members. */
  public static final String CLUSTER = "cluster";
  /** The representative id column of the result. */
  public static final String REP = "rep";

  /**
   * Members (columns id, trace, solution, {@link #CLUSTER}; one row per id) to (id, {@link #REP})
   * for every member that is not its cluster's representative.
   */
  public static Dataset<Row> resolve(Dataset<Row> members) {
    Dataset<Row> best = members.groupBy(col(CLUSTER)).agg(min(preference()).as("_best"))
        .select(col(CLUSTER).as("_cluster"), col("_best.id").as(REP));
    return members.join(best, col(CLUSTER).equalTo(col("_cluster")))
        .filter(col(Columns.ID).notEqual(col(REP)))
        .select(col(Columns.ID), col(REP));
  }

  /** The smallest is the best: false sorts first, so "not trace" puts a trace first, then a solution, then the smaller id. */
  static Column preference() {
    return struct(not(col("trace")).as("no_trace"), not(col("solution")).as("no_solution"), col(Columns.ID).as("id"));
  }

  private ClusterRepresentatives() {}
}
