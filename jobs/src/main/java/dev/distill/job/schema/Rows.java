package dev.distill.job.schema;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/** Row helpers for stages that extend each input row with new columns. */
public final class Rows {

  /** The row's values followed by {@code added}, in that order (the stage's output schema order). */
  public static Row append(Row row, Object... added) {
    Object[] values = new Object[row.size() + added.length];
    for (int i = 0; i < row.size(); i++) {
      values[i] = row.get(i);
    }
    System.arraycopy(added, 0, values, row.size(), added.length);
    return RowFactory.create(values);
  }

  private Rows() {}
}
