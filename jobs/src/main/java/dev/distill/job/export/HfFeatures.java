package dev.distill.job.export;

import dev.distill.job.io.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * One Spark schema, two descriptions of it: the Arrow schema that Hugging Face {@code datasets}
 * writes for it (every field nullable, list children named {@code item}, the features in the
 * {@code huggingface} schema metadata) and the {@code features} of dataset_info.json
 * ({@code {"dtype": "string", "_type": "Value"}}, lists as {@code Sequence}, which every
 * {@code datasets} version reads; 4.x turns it into {@code List}).
 */
public final class HfFeatures {
  private final StructType schema;

  public HfFeatures(StructType schema) {
    this.schema = schema;
    for (StructField f : schema.fields()) {
      arrowField(f.name(), f.dataType());
    }
  }

  /** Column name -> feature, in column order. */
  public Map<String, Object> features() {
    Map<String, Object> out = new LinkedHashMap<>();
    for (StructField f : schema.fields()) {
      out.put(f.name(), feature(f.name(), f.dataType()));
    }
    return out;
  }

  public Schema arrowSchema() {
    List<Field> fields = new ArrayList<>();
    for (StructField f : schema.fields()) {
      fields.add(arrowField(f.name(), f.dataType()));
    }
    Map<String, Object> info = Map.of("info", Map.of("features", features()));
    return new Schema(fields, Map.of("huggingface", Json.compact(info)));
  }

  private static Map<String, Object> feature(String column, DataType type) {
    Map<String, Object> f = new LinkedHashMap<>();
    if (type instanceof ArrayType array) {
      f.put("feature", feature(column, array.elementType()));
      f.put("length", -1);
      f.put("_type", "Sequence");
    } else {
      f.put("dtype", dtype(column, type));
      f.put("_type", "Value");
    }
    return f;
  }

  private static String dtype(String column, DataType type) {
    if (type.equals(DataTypes.StringType)) {
      return "string";
    }
    if (type.equals(DataTypes.IntegerType)) {
      return "int32";
    }
    if (type.equals(DataTypes.LongType)) {
      return "int64";
    }
    if (type.equals(DataTypes.BooleanType)) {
      return "bool";
    }
    throw unsupported(column, type);
  }

  static Field arrowField(String name, DataType type) {
    if (type instanceof ArrayType array) {
      return new Field(name, FieldType.nullable(new ArrowType.List()), List.of(arrowField("item", array.elementType())));
    }
    ArrowType arrow;
    if (type.equals(DataTypes.StringType)) {
      arrow = new ArrowType.Utf8();
    } else if (type.equals(DataTypes.IntegerType)) {
      arrow = new ArrowType.Int(32, true);
    } else if (type.equals(DataTypes.LongType)) {
      arrow = new ArrowType.Int(64, true);
    } else if (type.equals(DataTypes.BooleanType)) {
      arrow = ArrowType.Bool.INSTANCE;
    } else {
      throw unsupported(name, type);
    }
    return new Field(name, FieldType.nullable(arrow), null);
  }

  private static IllegalArgumentException unsupported(String column, DataType type) {
    return new IllegalArgumentException("Cannot describe column " + column + " for Hugging Face datasets: type " + type.simpleString()
        + " is not supported; use string, int, bigint, boolean or array of those");
  }
}
