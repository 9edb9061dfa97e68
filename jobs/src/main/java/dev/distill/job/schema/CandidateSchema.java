package dev.distill.job.schema;

import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.createMapType;
import static org.apache.spark.sql.types.DataTypes.createStructField;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** The canonical candidate schema every stage reads and extends. */
public final class CandidateSchema {
  public static final StructType CANDIDATE = new StructType(new StructField[] {
      createStructField(Columns.ID, StringType, false),
      createStructField(Columns.SOURCE, StringType, false),
      createStructField(Columns.SOURCE_ORDER, IntegerType, false),
      createStructField(Columns.QUESTION, StringType, false),
      createStructField(Columns.SOLUTION, StringType, true),
      createStructField(Columns.ANSWER, StringType, true),
      createStructField(Columns.COT_TYPE, StringType, true),
      createStructField(Columns.SUBJECT, StringType, true),
      createStructField(Columns.LEVEL, StringType, true),
      createStructField(Columns.TRACE, StringType, true),
      createStructField(Columns.ATTEMPT, StringType, true),
      createStructField(Columns.GRADES, createMapType(StringType, BooleanType, false), true),
      createStructField(Columns.METADATA, StringType, true),
      createStructField(Columns.ORIGIN, StringType, false),
  });

  /** Rows that could not be read: where, why, and the first characters of the raw text. */
  public static final StructType QUARANTINE = new StructType(new StructField[] {
      createStructField("source", StringType, false),
      createStructField("file", StringType, false),
      createStructField("line", DataTypes.LongType, false),
      createStructField("error", StringType, false),
      createStructField("raw", StringType, true),
  });

  /** Checks that {@code schema} has every named column, before any work is done. */
  public static void require(StructType schema, String stage, String... columns) {
    List<String> names = Arrays.asList(schema.fieldNames());
    for (String column : columns) {
      if (!names.contains(column)) {
        throw new IllegalArgumentException("Cannot run stage " + stage + ": input has no column '" + column
            + "' (columns: " + names + "); run the earlier stages first");
      }
    }
  }

  private CandidateSchema() {}
}
