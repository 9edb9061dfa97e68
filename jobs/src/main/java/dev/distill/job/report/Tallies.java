package dev.distill.job.report;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Rows per value of many (table, category) pairs, computed in one Spark job: each table's rows are
 * exploded into one (tally, value) pair per category, the union is grouped once, and only the
 * counts (bounded by the categories' cardinalities, not by the pool) reach the driver. The report
 * used to run a query per histogram; on a small pool Spark's per-query cost was most of its time.
 */
final class Tallies {
  private final List<Dataset<Row>> parts = new ArrayList<>();
  private final Map<String, Map<String, Long>> counts = new HashMap<>();

  /** Counts {@code table}'s rows per value of each category (name -> expression, cast to string). */
  Tallies add(String table, Dataset<Row> rows, Map<String, Column> categories) {
    if (rows == null || categories.isEmpty()) {
      return this;
    }
    List<Column> pairs = new ArrayList<>();
    categories.forEach((name, value) ->
        pairs.add(struct(lit(key(table, name)).as("k"), value.cast("string").as("v"))));
    parts.add(rows.select(explode(array(pairs.toArray(Column[]::new))).as("e")).select(col("e.k").as("k"), col("e.v").as("v")));
    return this;
  }

  /** Runs the one job. */
  Tallies compute() {
    if (parts.isEmpty()) {
      return this;
    }
    Dataset<Row> all = parts.get(0);
    for (Dataset<Row> part : parts.subList(1, parts.size())) {
      all = all.unionAll(part);
    }
    for (Row r : all.groupBy("k", "v").count().collectAsList()) {
      counts.computeIfAbsent(r.getString(0), k -> new HashMap<>()).put(r.isNullAt(1) ? null : r.getString(1), r.getLong(2));
    }
    return this;
  }

  /** Value -> rows, most frequent first, ties by value (null first, shown as "(none)"). */
  Map<String, Long> byCount(String table, String category) {
    Map<String, Long> out = new LinkedHashMap<>();
    counts.getOrDefault(key(table, category), Map.of()).entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed()
            .thenComparing(Map.Entry.comparingByKey(Comparator.nullsFirst(Comparator.naturalOrder()))))
        .forEach(e -> out.put(e.getKey() == null ? "(none)" : e.getKey(), e.getValue()));
    return out;
  }

  /** Integer value -> rows, nulls left out. */
  Map<Integer, Long> byInteger(String table, String category) {
    Map<Integer, Long> out = new HashMap<>();
    counts.getOrDefault(key(table, category), Map.of()).forEach((v, n) -> {
      if (v != null) {
        out.put(Integer.parseInt(v), n);
      }
    });
    return out;
  }

  private static String key(String table, String category) {
    return table + "\u0000" + category;
  }
}
