package dev.distill.job.conf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Keeps secret config values (S3 keys passed as {@code spark.hadoop.fs.s3a.secret.key}, passwords,
 * tokens) out of everything a run writes: a value whose key matches the redaction pattern (the
 * one Spark's UI and logs use, {@code spark.redaction.regex}) is replaced by {@link #REDACTED}.
 */
public final class Secrets {
  public static final String REDACTED = "*********(redacted)";

  /** A deep copy of {@code tree} with every secret value replaced. */
  public static Map<String, Object> redact(Map<String, Object> tree, String regex) {
    return redactMap(tree, Pattern.compile(regex));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> redactMap(Map<String, Object> map, Pattern secret) {
    Map<String, Object> copy = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : map.entrySet()) {
      Object v = e.getValue();
      if (v instanceof String s && !s.isEmpty() && secret.matcher(e.getKey()).find()) {
        copy.put(e.getKey(), REDACTED);
      } else {
        copy.put(e.getKey(), redactValue(v, secret));
      }
    }
    return copy;
  }

  @SuppressWarnings("unchecked")
  private static Object redactValue(Object v, Pattern secret) {
    if (v instanceof Map<?, ?> m) {
      return redactMap((Map<String, Object>) m, secret);
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      for (Object o : l) {
        out.add(redactValue(o, secret));
      }
      return out;
    }
    return v;
  }

  /** A deep copy of {@code tree} without the redacted values (a run.json read back: give the secrets again, or use the provider chain). */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> withoutRedacted(Map<String, Object> tree) {
    Map<String, Object> copy = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : tree.entrySet()) {
      Object v = e.getValue();
      if (REDACTED.equals(v)) {
        continue;
      }
      copy.put(e.getKey(), v instanceof Map<?, ?> m ? withoutRedacted((Map<String, Object>) m) : v);
    }
    return copy;
  }

  private Secrets() {}
}
