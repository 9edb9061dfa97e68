package dev.distill.job.select;

import static org.apache.spark.sql.functions.col;

import dev.distill.job.schema.Columns;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * {@link Candidates} on the executors: the scored table's light projection (one row per id), kept
 * while a strategy asks its questions. What comes to the driver is each answer: counts per domain,
 * top-k lists merged from per-task top-k lists, the rows at the positions asked for.
 */
final class CandidateTable implements Candidates, AutoCloseable {
  private final JavaRDD<Candidate> rdd;

  private CandidateTable(JavaRDD<Candidate> rdd) {
    this.rdd = rdd;
  }

  static CandidateTable of(Dataset<Row> scored) {
    JavaRDD<Candidate> rdd = scored.select(col(Columns.ID), col(Columns.SOURCE), col(Columns.DOMAIN), col(Columns.LENGTH_TOKENS),
            col(Columns.LENGTH_BASIS), col(Columns.TRACE_TOKENS), col(Columns.TEACHER_CORRECT), col(Columns.DIFFICULTY),
            col(Columns.ANSWER).isNotNull().and(col(Columns.ANSWER).notEqual("")),
            col(Columns.SOLUTION).isNotNull().and(col(Columns.SOLUTION).notEqual("")),
            col(Columns.TRACE).isNotNull().and(col(Columns.TRACE).notEqual("")))
        .dropDuplicates(Columns.ID)
        .toJavaRDD()
        .map(CandidateTable::candidate);
    return new CandidateTable(rdd.persist(StorageLevel.MEMORY_AND_DISK()));
  }

  private static Candidate candidate(Row r) {
    return new Candidate(r.getString(0), r.getString(1), r.getString(2), r.getInt(3), r.getString(4),
        r.isNullAt(5) ? null : r.getInt(5), r.isNullAt(6) ? null : r.getBoolean(6), r.getDouble(7),
        r.getBoolean(8), r.getBoolean(9), r.getBoolean(10));
  }

  @Override
  public long count() {
    return rdd.count();
  }

  @Override
  public SortedMap<String, Long> countByDomain() {
    return new TreeMap<>(rdd.mapToPair(c -> new Tuple2<>(c.domain(), 1L)).reduceByKey(Long::sum).collectAsMap());
  }

  @Override
  public int maxLengthTokens() {
    return rdd.map(Candidate::lengthTokens).fold(0, Math::max);
  }

  @Override
  public List<Candidate> top(Filter filter, Order order, int limit) {
    return limit <= 0 ? List.of() : rdd.filter(filter::test).takeOrdered(limit, order);
  }

  @Override
  public Map<String, List<Candidate>> topPerDomain(Order order, int limit) {
    Map<String, List<Candidate>> out = new TreeMap<>();
    rdd.mapToPair(c -> new Tuple2<>(c.domain(), c))
        .aggregateByKey(new TopK(order, limit), TopK::add, TopK::addAll)
        .collectAsMap()
        .forEach((domain, top) -> out.put(domain, top.list()));
    return out;
  }

  @Override
  public Map<Long, Candidate> atPositions(Key key, Set<Long> positions) {
    Set<Long> wanted = Set.copyOf(positions);
    Map<Long, Candidate> out = new HashMap<>();
    for (Tuple2<Candidate, Long> t : rdd.sortBy(key::apply, true, rdd.getNumPartitions()).zipWithIndex()
        .filter(t -> wanted.contains(t._2())).collect()) {
      out.put(t._2(), t._1());
    }
    return out;
  }

  @Override
  public void close() {
    rdd.unpersist(false);
  }
}
