package dev.distill.job.export;

import dev.distill.job.schema.Columns;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;

/**
 * Which traces of a selected question become training rows ({@code export.traces}): {@code best},
 * the one the row carries (verified correct first, then the longest); {@code verified}, every
 * sample the verifier found correct (all of them where the question has no reference answer);
 * {@code all}, every sample. Rows without {@code teacher_samples} are exported as they are.
 */
final class TraceSamples {
  static final String BEST = "best";
  static final String VERIFIED = "verified";
  static final String ALL = "all";
  static final List<String> MODES = List.of(BEST, VERIFIED, ALL);

  static List<Row> expand(Row row, String mode) {
    int samples = Arrays.asList(row.schema().fieldNames()).indexOf(Columns.TEACHER_SAMPLES);
    if (BEST.equals(mode) || samples < 0 || row.isNullAt(samples)) {
      return List.of(row);
    }
    List<Row> traces = row.getList(samples);
    boolean anyVerdict = traces.stream().anyMatch(t -> !t.isNullAt(3));
    List<Row> out = new ArrayList<>();
    for (Row t : traces) {
      boolean keep = ALL.equals(mode) || !anyVerdict || Boolean.TRUE.equals(t.get(3));
      if (keep) {
        out.add(withTrace(row, t.getString(1), t.getString(2)));
      }
    }
    return out.isEmpty() ? List.of(row) : out;
  }

  private static Row withTrace(Row row, String trace, String attempt) {
    Object[] values = new Object[row.length()];
    for (int i = 0; i < values.length; i++) {
      values[i] = row.get(i);
    }
    values[row.fieldIndex(Columns.TRACE)] = trace;
    values[row.fieldIndex(Columns.ATTEMPT)] = attempt;
    return new GenericRowWithSchema(values, row.schema());
  }

  private TraceSamples() {}
}
