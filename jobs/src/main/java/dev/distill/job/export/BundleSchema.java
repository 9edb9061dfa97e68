package dev.distill.job.export;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The columns of every table in the bundle (train.jsonl, train.parquet, arrow/): s1K's columns,
 * {@code text} in the s1 chat format, its token count and whether it was truncated.
 */
public final class BundleSchema {
  public static final StructType SCHEMA = new StructType()
      .add("question", DataTypes.StringType, false)
      .add("solution", DataTypes.StringType, true)
      .add("cot_type", DataTypes.StringType, true)
      .add("source_type", DataTypes.StringType, true)
      .add("metadata", DataTypes.StringType, true)
      .add("cot", DataTypes.StringType, true)
      .add("thinking_trajectories", DataTypes.createArrayType(DataTypes.StringType, false), false)
      .add("attempt", DataTypes.StringType, true)
      .add("text", DataTypes.StringType, false)
      .add("text_tokens", DataTypes.IntegerType, false)
      .add("truncated", DataTypes.BooleanType, false);

  public static final List<String> COLUMNS = List.copyOf(Arrays.asList(SCHEMA.fieldNames()));

  private BundleSchema() {}
}
