package dev.distill.job.conf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.distill.job.error.ConfigException;
import dev.distill.job.error.KeySuggestions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads the pipeline configuration: the documented defaults (conf/pipeline.yaml, bundled in the
 * jar) overlaid with the user's file and then with {@code --set key=value} overrides.
 *
 * <p>The defaults file is also the schema: a key that does not exist there is rejected, except
 * under the free-form maps listed in {@link #OPEN_MAPS}. Lists replace the default list wholesale.
 * String values may reference environment variables as {@code ${NAME}} or {@code ${NAME:-default}};
 * {@code DISTILL_DATA} defaults to {@code ../shared/data}.
 */
public final class ConfigLoader {
  public static final String DEFAULTS_RESOURCE = "distill/pipeline.yaml";
  public static final String DEFAULT_DATA_ROOT = "../shared/data";
  /** Maps whose keys are the user's to choose. */
  static final Set<String> OPEN_MAPS = Set.of("spark.conf", "select.score.weights", "domains.subject_map",
      "generate.teacher.extra_body", "generate.judge.extra_body", "generate.classifier.extra_body", "decontam.judge.extra_body");

  private static final Pattern ENV_REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final Map<String, String> env;

  public ConfigLoader(Map<String, String> env) {
    this.env = env;
  }

  public static ConfigLoader fromSystemEnv() {
    return new ConfigLoader(System.getenv());
  }

  /** Returns the merged, validated and env-substituted configuration tree. */
  public Map<String, Object> load(Path userConfig, List<String> overrides) {
    Map<String, Object> merged = defaults();
    if (userConfig != null) {
      Map<String, Object> user = readYaml(userConfig);
      validateKeys(user, merged, "", userConfig.toString());
      deepMerge(merged, user);
    }
    return overrideAndSubstitute(merged, overrides);
  }

  /** As {@link #load(Path, List)}, for a config read elsewhere (a Hadoop URI): {@code where} names it in every error. */
  public Map<String, Object> load(String where, String yaml, List<String> overrides) {
    Map<String, Object> merged = defaults();
    Map<String, Object> user = parseYaml(where, yaml);
    validateKeys(user, merged, "", where);
    deepMerge(merged, user);
    return overrideAndSubstitute(merged, overrides);
  }

  /** Applies overrides to an already resolved tree (e.g. the config recorded in a run's run.json). */
  public Map<String, Object> overlay(Map<String, Object> resolved, List<String> overrides) {
    Map<String, Object> merged = defaults();
    validateKeys(resolved, merged, "", "run.json");
    deepMerge(merged, resolved);
    return overrideAndSubstitute(merged, overrides);
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> overrideAndSubstitute(Map<String, Object> merged, List<String> overrides) {
    for (String override : overrides) {
      applyOverride(merged, override);
    }
    return (Map<String, Object>) substitute(merged, "");
  }

  public static Map<String, Object> defaults() {
    try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(DEFAULTS_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("Cannot load defaults: " + DEFAULTS_RESOURCE + " is not on the classpath; rebuild the jobs module");
      }
      return asMap(YAML.readValue(in, Object.class), "(defaults)");
    } catch (IOException e) {
      throw new IllegalStateException("Cannot load defaults " + DEFAULTS_RESOURCE + ": " + e.getMessage(), e);
    }
  }

  static Map<String, Object> readYaml(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException("Cannot read config file " + file + ": it does not exist or is not a file; pass an existing YAML file to --config");
    }
    String yaml;
    try {
      yaml = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException("Cannot read config file " + file + ": " + firstLine(e.getMessage()) + "; pass a readable UTF-8 YAML file to --config", e);
    }
    return parseYaml(file.toString(), yaml);
  }

  static Map<String, Object> parseYaml(String where, String yaml) {
    try {
      if (yaml.isBlank()) {
        return new LinkedHashMap<>();
      }
      Object tree = YAML.readValue(yaml, Object.class);
      if (tree == null) {
        return new LinkedHashMap<>();
      }
      return asMap(tree, where);
    } catch (IOException e) {
      throw new ConfigException("Cannot parse config file " + where + ": " + firstLine(e.getMessage()) + "; fix the YAML syntax at that line", e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object tree, String where) {
    if (!(tree instanceof Map)) {
      throw new ConfigException("Cannot read config " + where + ": the top level must be a mapping of sections (run:, sources:, ...); see conf/pipeline.yaml");
    }
    return (Map<String, Object>) tree;
  }

  @SuppressWarnings("unchecked")
  private static void validateKeys(Map<String, Object> user, Map<String, Object> schema, String prefix, String file) {
    for (Map.Entry<String, Object> e : user.entrySet()) {
      String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      if (!schema.containsKey(e.getKey())) {
        throw new ConfigException("Cannot read config key " + key + " in " + file + ": unknown key; "
            + suggest(e.getKey(), schema.keySet(), prefix));
      }
      Object def = schema.get(e.getKey());
      if (OPEN_MAPS.contains(key)) {
        if (e.getValue() != null && !(e.getValue() instanceof Map)) {
          throw ConfigException.forKey(key, "expected a mapping but found " + describe(e.getValue()), "write it as key: value lines");
        }
        continue;
      }
      if (def instanceof Map && e.getValue() != null) {
        if (!(e.getValue() instanceof Map)) {
          throw ConfigException.forKey(key, "expected a section (mapping) but found " + describe(e.getValue()),
              "write its sub-keys " + ((Map<String, Object>) def).keySet() + " indented under it");
        }
        validateKeys((Map<String, Object>) e.getValue(), (Map<String, Object>) def, key, file);
      }
    }
  }

  @SuppressWarnings("unchecked")
  static void deepMerge(Map<String, Object> base, Map<String, Object> over) {
    for (Map.Entry<String, Object> e : over.entrySet()) {
      Object current = base.get(e.getKey());
      if (current instanceof Map && e.getValue() instanceof Map) {
        Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) current);
        deepMerge(copy, (Map<String, Object>) e.getValue());
        base.put(e.getKey(), copy);
      } else {
        base.put(e.getKey(), e.getValue());
      }
    }
  }

  @SuppressWarnings("unchecked")
  private void applyOverride(Map<String, Object> merged, String override) {
    int eq = override.indexOf('=');
    if (eq <= 0) {
      throw new ConfigException("Cannot apply --set " + override + ": expected key=value; write e.g. --set select.seed=7");
    }
    String key = override.substring(0, eq).trim();
    String raw = override.substring(eq + 1);
    Object value;
    try {
      value = raw.isEmpty() ? "" : YAML.readValue(raw, Object.class);
    } catch (IOException e) {
      value = raw;
    }
    String[] parts = key.split("\\.");
    Map<String, Object> node = merged;
    StringBuilder path = new StringBuilder();
    for (int i = 0; i < parts.length; i++) {
      if (path.length() > 0) {
        path.append('.');
      }
      path.append(parts[i]);
      boolean open = OPEN_MAPS.contains(parent(path.toString()));
      if (!node.containsKey(parts[i]) && !open) {
        throw new ConfigException("Cannot apply --set " + key + ": unknown key " + path + "; " + suggest(parts[i], node.keySet(), parent(path.toString())));
      }
      if (i == parts.length - 1) {
        node.put(parts[i], value);
      } else {
        Object next = node.get(parts[i]);
        if (next == null && OPEN_MAPS.contains(path.toString())) {
          next = new LinkedHashMap<String, Object>();
          node.put(parts[i], next);
        }
        if (!(next instanceof Map)) {
          throw new ConfigException("Cannot apply --set " + key + ": " + path + " is a value, not a section; set " + path + "=... instead");
        }
        Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) next);
        node.put(parts[i], copy);
        node = copy;
      }
    }
  }

  /**
   * The fix for an unknown key: the valid key it is most likely a typo of, if any, and the valid
   * keys there, e.g. "did you mean dedup.threshold? valid keys under dedup are [...]".
   *
   * @param key the unknown key's last part
   * @param valid the keys valid where it was found
   * @param under the key path of the section it was found in ("" at the top level)
   */
  public static String suggest(String key, Collection<String> valid, String under) {
    String list = "valid keys " + (under.isEmpty() ? "at the top level" : "under " + under) + " are " + valid + " (see conf/pipeline.yaml)";
    return KeySuggestions.didYouMean(key, valid, under) + list;
  }

  private static String parent(String path) {
    int dot = path.lastIndexOf('.');
    return dot < 0 ? "" : path.substring(0, dot);
  }

  @SuppressWarnings("unchecked")
  private Object substitute(Object node, String key) {
    if (node instanceof Map) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : ((Map<String, Object>) node).entrySet()) {
        out.put(e.getKey(), substitute(e.getValue(), key.isEmpty() ? e.getKey() : key + "." + e.getKey()));
      }
      return out;
    }
    if (node instanceof List) {
      List<Object> out = new ArrayList<>();
      List<Object> in = (List<Object>) node;
      for (int i = 0; i < in.size(); i++) {
        out.add(substitute(in.get(i), key + "[" + i + "]"));
      }
      return out;
    }
    if (node instanceof String) {
      return substituteEnv((String) node, key);
    }
    return node;
  }

  String substituteEnv(String value, String key) {
    Matcher m = ENV_REF.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1);
      String resolved = env.get(name);
      if (resolved == null || resolved.isEmpty()) {
        resolved = m.group(2);
      }
      if (resolved == null && name.equals("DISTILL_DATA")) {
        resolved = DEFAULT_DATA_ROOT;
      }
      if (resolved == null) {
        throw ConfigException.forKey(key, "environment variable " + name + " is not set",
            "export " + name + "=... or write ${" + name + ":-default} in the config");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(resolved));
    }
    m.appendTail(out);
    return out.toString();
  }

  static String describe(Object value) {
    if (value instanceof List) {
      return "a list";
    }
    if (value instanceof Map) {
      return "a mapping";
    }
    return "\"" + value + "\"";
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
