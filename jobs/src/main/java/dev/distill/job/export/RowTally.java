package dev.distill.job.export;

import dev.distill.job.score.MscCodes;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;

/**
 * What the card, the manifest and the stage's figures need from the rows, counted in the same pass
 * that writes them: the token statistics of every built row (dropped ones too), and for each kept
 * row its domain and whether it has a teacher trace.
 */
final class RowTally {
  private final TokenStats tokens;
  private final Map<String, Long> domains = new TreeMap<>();
  private long withoutTrace;

  RowTally(TokenStats tokens) {
    this.tokens = tokens;
  }

  /** Counts one row of {@link TrainRowBuilder#SCHEMA}; false when the too-long policy dropped it. */
  boolean add(Row r) {
    boolean dropped = !r.isNullAt(r.fieldIndex(TrainRowBuilder.REASON));
    tokens.add(r.getInt(r.fieldIndex(TrainRowBuilder.TOKENS_BEFORE)), r.getInt(r.fieldIndex("text_tokens")),
        r.getBoolean(r.fieldIndex("truncated")), dropped);
    if (dropped) {
      return false;
    }
    String domain = r.getAs(TrainRowBuilder.DOMAIN);
    domains.merge(domain == null ? MscCodes.GENERAL : domain, 1L, Long::sum);
    if (r.getList(r.fieldIndex("thinking_trajectories")).isEmpty()) {
      withoutTrace++;
    }
    return true;
  }

  TokenStats tokens() {
    return tokens;
  }

  /** Rows kept, the bundle's row count. */
  long rows() {
    return tokens.rows();
  }

  /** Kept rows per top-level MSC code, in code order. */
  Map<String, Long> domains() {
    return domains;
  }

  long withoutTrace() {
    return withoutTrace;
  }
}
