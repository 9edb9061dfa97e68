package dev.distill.job.conf;

import dev.distill.job.error.ConfigException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Typed, key-path-aware reads from a configuration tree; every error names the key and the fix. */
public final class ConfigReader {
  private final Map<String, Object> root;

  public ConfigReader(Map<String, Object> root) {
    this.root = root;
  }

  public Object raw(String key) {
    Object node = root;
    for (String part : key.split("\\.")) {
      if (!(node instanceof Map)) {
        return null;
      }
      node = ((Map<?, ?>) node).get(part);
    }
    return node;
  }

  public String string(String key) {
    Object v = raw(key);
    if (v == null) {
      return "";
    }
    if (v instanceof Map || v instanceof List) {
      throw ConfigException.forKey(key, "expected a single value but found " + ConfigLoader.describe(v), "write a plain value");
    }
    return String.valueOf(v);
  }

  public int integer(String key, int min) {
    Object v = raw(key);
    long value;
    if (v instanceof Integer || v instanceof Long) {
      value = ((Number) v).longValue();
    } else {
      try {
        value = Long.parseLong(string(key).trim());
      } catch (NumberFormatException e) {
        throw ConfigException.forKey(key, "expected a whole number but found " + ConfigLoader.describe(v), "write e.g. " + key + ": " + Math.max(min, 1));
      }
    }
    if (value < min || value > Integer.MAX_VALUE) {
      throw ConfigException.forKey(key, "value " + value + " is out of range", "use a whole number >= " + min);
    }
    return (int) value;
  }

  public long longValue(String key) {
    Object v = raw(key);
    if (v instanceof Number) {
      return ((Number) v).longValue();
    }
    try {
      return Long.parseLong(string(key).trim());
    } catch (NumberFormatException e) {
      throw ConfigException.forKey(key, "expected a whole number but found " + ConfigLoader.describe(v), "write e.g. " + key + ": 42");
    }
  }

  public double fraction(String key, double min, double max) {
    double value = number(key);
    if (value < min || value > max) {
      throw ConfigException.forKey(key, "value " + value + " is out of range", "use a number between " + min + " and " + max);
    }
    return value;
  }

  public double number(String key) {
    Object v = raw(key);
    if (v instanceof Number) {
      return ((Number) v).doubleValue();
    }
    try {
      return Double.parseDouble(string(key).trim());
    } catch (NumberFormatException e) {
      throw ConfigException.forKey(key, "expected a number but found " + ConfigLoader.describe(v), "write e.g. " + key + ": 0.5");
    }
  }

  public boolean bool(String key) {
    Object v = raw(key);
    if (v instanceof Boolean) {
      return (Boolean) v;
    }
    throw ConfigException.forKey(key, "expected true or false but found " + ConfigLoader.describe(v), "write " + key + ": true or false");
  }

  /** A tri-state knob: {@code auto} (null), true or false. */
  public Boolean autoBool(String key) {
    Object v = raw(key);
    if (v instanceof Boolean) {
      return (Boolean) v;
    }
    if (v == null || "auto".equals(String.valueOf(v))) {
      return null;
    }
    throw ConfigException.forKey(key, "expected auto, true or false but found " + ConfigLoader.describe(v), "write " + key + ": auto");
  }

  public String oneOf(String key, List<String> allowed) {
    String v = string(key);
    if (!allowed.contains(v)) {
      throw ConfigException.forKey(key, "\"" + v + "\" is not a valid choice", "use one of " + allowed);
    }
    return v;
  }

  public List<String> strings(String key) {
    Object v = raw(key);
    List<String> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    if (!(v instanceof List)) {
      throw ConfigException.forKey(key, "expected a list but found " + ConfigLoader.describe(v), "write it as [a, b]");
    }
    for (Object item : (List<?>) v) {
      out.add(String.valueOf(item));
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  public List<Map<String, Object>> maps(String key) {
    Object v = raw(key);
    List<Map<String, Object>> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    if (!(v instanceof List)) {
      throw ConfigException.forKey(key, "expected a list of entries but found " + ConfigLoader.describe(v), "write each entry as '- name: ...'");
    }
    List<?> list = (List<?>) v;
    for (int i = 0; i < list.size(); i++) {
      if (!(list.get(i) instanceof Map)) {
        throw ConfigException.forKey(key + "[" + i + "]", "expected an entry with keys but found " + ConfigLoader.describe(list.get(i)), "write '- name: ...' with indented keys");
      }
      out.add(new LinkedHashMap<>((Map<String, Object>) list.get(i)));
    }
    return out;
  }

  public Map<String, String> stringMap(String key) {
    Object v = raw(key);
    Map<String, String> out = new LinkedHashMap<>();
    if (v == null) {
      return out;
    }
    if (!(v instanceof Map)) {
      throw ConfigException.forKey(key, "expected a mapping but found " + ConfigLoader.describe(v), "write key: value lines");
    }
    for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
      out.put(String.valueOf(e.getKey()), e.getValue() == null ? "" : String.valueOf(e.getValue()));
    }
    return out;
  }
}
