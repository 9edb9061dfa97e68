package dev.distill.job.io;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A step's figures as a record and as run.json holds them: components in snake_case, in
 * declaration order, nulls left out. Read back into the same record type (figures the record does
 * not name, such as {@code reused} or {@code fingerprint}, are ignored), never by string key.
 */
public final class Figures {
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .setSerializationInclusion(JsonInclude.Include.NON_NULL)
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /** The record as run.json entries. */
  public static Map<String, Object> toMap(Record figures) {
    return MAPPER.convertValue(figures, new TypeReference<LinkedHashMap<String, Object>>() {});
  }

  /** The figures of {@code entries} (a stage's extra figures in run.json or its commit) as {@code type}. */
  public static <T extends Record> T read(Map<String, Object> entries, Class<T> type) {
    return MAPPER.convertValue(entries, type);
  }

  private Figures() {}
}
