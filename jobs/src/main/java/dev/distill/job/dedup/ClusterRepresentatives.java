package dev.distill.job.dedup;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.struct;

import dev.distill.job.schema.Columns;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

  /** A member's preference attributes, for {@link #resolve(List)}. */
  public record Member(String id, boolean hasTrace, boolean hasSolution) {}

  /** Two members of one cluster. */
  public record Edge(Member a, Member b) {}

  /**
   * The same rule on the driver, for edges already there (semantic duplicates: bounded by the
   * pairs found, not by the pool): id -> representative id of every member that is not one.
   */
  public static Map<String, String> resolve(List<Edge> edges) {
    IdComponents components = new IdComponents();
    Map<String, Member> members = new HashMap<>();
    for (Edge e : edges) {
      members.putIfAbsent(e.a().id(), e.a());
      members.putIfAbsent(e.b().id(), e.b());
      components.union(e.a().id(), e.b().id());
    }
    Map<String, Member> best = new HashMap<>();
    members.values().forEach(m -> best.merge(components.root(m.id()), m, (x, y) -> better(x, y) ? x : y));
    Map<String, String> repOf = new HashMap<>();
    for (Member m : members.values()) {
      String rep = best.get(components.root(m.id())).id();
      if (!rep.equals(m.id())) {
        repOf.put(m.id(), rep);
      }
    }
    return repOf;
  }

  /** {@link #preference()} in Java: ids compare by UTF-8 bytes, as Spark orders strings. */
  private static boolean better(Member x, Member y) {
    if (x.hasTrace() != y.hasTrace()) {
      return x.hasTrace();
    }
    if (x.hasSolution() != y.hasSolution()) {
      return x.hasSolution();
    }
    return Arrays.compareUnsigned(x.id().getBytes(StandardCharsets.UTF_8), y.id().getBytes(StandardCharsets.UTF_8)) < 0;
  }

  private ClusterRepresentatives() {}
}
