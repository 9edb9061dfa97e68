package dev.distill.job.export;

import dev.distill.job.schema.Columns;
import dev.distill.udf.tokens.TokenCounter;
import dev.distill.udf.tokens.TokenTruncation;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Turns one selected row into one training row: s1K's columns, {@code text} in the s1 chat format,
 * its tokens and the block-size policy's verdict. Runs on the executors.
 */
final class TrainRowBuilder implements Serializable {
  private static final long serialVersionUID = 1L;
  static final String ID = "_id";
  static final String DOMAIN = "_domain";
  static final String TOKENS_BEFORE = "_tokens_before";
  static final String REASON = "_reason";
  static final String DETAIL = "_detail";

  /** The bundle's columns followed by the helper columns export uses and drops. */
  static final StructType SCHEMA = BundleSchema.SCHEMA
      .add(ID, DataTypes.StringType, true)
      .add(DOMAIN, DataTypes.StringType, true)
      .add(TOKENS_BEFORE, DataTypes.IntegerType, false)
      .add(REASON, DataTypes.StringType, true)
      .add(DETAIL, DataTypes.StringType, true);

  private final String system;
  private final int blockSize;
  private final TooLongPolicy policy;

  TrainRowBuilder(String system, int blockSize, TooLongPolicy policy) {
    this.system = system;
    this.blockSize = blockSize;
    this.policy = policy;
  }

  /**
   * The row in {@link #SCHEMA}. Rows without a teacher attempt fall back to the reference solution,
   * then the answer.
   */
  Row build(Row r, TokenCounter counter) {
    String trace = r.getAs(Columns.TRACE);
    String attempt = r.getAs(Columns.ATTEMPT);
    String solution = r.getAs(Columns.SOLUTION);
    String answer = r.getAs(Columns.ANSWER);
    String finalAttempt = !blank(attempt) ? attempt : !blank(solution) ? solution : answer;
    String question = r.getAs(Columns.QUESTION);
    String text = ChatFormat.text(system, question, trace, finalAttempt);
    int tokens = counter.count(text);
    String trained = text;
    int trainedTokens = tokens;
    boolean truncated = false;
    String reason = null;
    String detail = null;
    if (tokens > blockSize) {
      if (policy == TooLongPolicy.DROP) {
        reason = TooLongPolicy.REASON;
        detail = "text has " + tokens + " tokens, more than export.block_size=" + blockSize;
      } else if (policy == TooLongPolicy.TRUNCATE) {
        String cut = TokenTruncation.prefix(counter, text, blockSize);
        if (cut.contains(ChatFormat.THINK)) {
          trained = cut;
          trainedTokens = counter.count(cut);
          truncated = true;
        } else {
          reason = TooLongPolicy.REASON;
          detail = "text has " + tokens + " tokens and the prompt alone does not fit export.block_size=" + blockSize
              + ": cannot truncate it without losing the assistant part";
        }
      }
    }
    List<String> trajectories = blank(trace) ? List.of() : List.of(trace);
    String domain = hasField(r, Columns.DOMAIN) ? r.getAs(Columns.DOMAIN) : null;
    return RowFactory.create(question, solution, r.getAs(Columns.COT_TYPE), r.getAs(Columns.SOURCE), r.getAs(Columns.METADATA), null,
        CollectionConverters.asScala(trajectories).toSeq(), finalAttempt, trained, trainedTokens, truncated,
        r.getAs(Columns.ID), domain, tokens, reason, detail);
  }

  private static boolean hasField(Row r, String name) {
    return Arrays.asList(r.schema().fieldNames()).contains(name);
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
