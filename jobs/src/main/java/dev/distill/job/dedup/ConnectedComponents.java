package dev.distill.job.dedup;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.min;

import dev.distill.job.schema.Columns;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Connected components of an edge list on the executors, by min-label propagation: every id starts
 * with the smallest id among itself and its neighbours, then takes the smallest label among its
 * neighbours' until no label changes, which takes about as many rounds as the widest component's
 * diameter (near-duplicate clusters are small: 2 to 4 rounds on the bench pools). Each round's
 * labels are local checkpoints, so the lineage stays one round long.
 */
final class ConnectedComponents {
  private final int rounds;
  private final Dataset<Row> labels;

  private ConnectedComponents(int rounds, Dataset<Row> labels) {
    this.rounds = rounds;
    this.labels = labels;
  }

  /** Edges (columns a, b) to (id, {@link ClusterRepresentatives#CLUSTER}): the smallest id of each id's component. */
  static ConnectedComponents of(Dataset<Row> edges) {
    Dataset<Row> directed = edges.select(col("a").as("src"), col("b").as("dst"))
        .union(edges.select(col("b").as("src"), col("a").as("dst")))
        .localCheckpoint();
    Dataset<Row> labels = directed.groupBy(col("src")).agg(least(min(col("dst")), col("src")).as("label"))
        .select(col("src").as(Columns.ID), col("label")).localCheckpoint();
    int rounds = 1;
    while (true) {
      // Every id is some edge's dst, so each gets its neighbours' smallest label and keeps its own when that is smaller.
      Dataset<Row> next = directed.join(labels, col("src").equalTo(col(Columns.ID)))
          .groupBy(col("dst")).agg(min(col("label")).as("offered"))
          .join(labels, col("dst").equalTo(col(Columns.ID)))
          .select(col(Columns.ID), least(col("offered"), col("label")).as("label"), col("offered").lt(col("label")).as("changed"))
          .localCheckpoint();
      rounds++;
      labels = next.select(col(Columns.ID), col("label"));
      if (next.filter(col("changed")).isEmpty()) {
        return new ConnectedComponents(rounds, labels.withColumnRenamed("label", ClusterRepresentatives.CLUSTER));
      }
    }
  }

  /** Rounds of propagation, the last one the round that changed nothing. */
  int rounds() {
    return rounds;
  }

  Dataset<Row> labels() {
    return labels;
  }
}
