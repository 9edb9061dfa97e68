package dev.distill.job.generate;

import dev.distill.job.conf.GenerateConfig;
import dev.distill.job.error.ConfigException;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * An API key, read on the driver from the environment variable or file the config names. It
 * travels to the executors inside the task, never in the config, run.json, the ledger or a log:
 * {@link #toString()} hides it and {@link #scrub} removes it from any text we record.
 */
public final class ApiKey implements Serializable {
  public static final ApiKey NONE = new ApiKey(null);

  private final String value;

  private ApiKey(String value) {
    this.value = value;
  }

  /** Resolves a role's key: the variable named by api_key_env, else the first line of api_key_file, else none. */
  public static ApiKey resolve(GenerateConfig.Role role, String keyPrefix, Map<String, String> env) {
    if (!role.apiKeyEnv().isEmpty()) {
      String v = env.get(role.apiKeyEnv());
      if (v == null || v.isBlank()) {
        throw ConfigException.forKey(keyPrefix + ".api_key_env", "the environment variable " + role.apiKeyEnv() + " is not set",
            "export " + role.apiKeyEnv() + " before running, or name another variable");
      }
      return new ApiKey(v.strip());
    }
    if (!role.apiKeyFile().isEmpty()) {
      Path file = Path.of(role.apiKeyFile());
      try {
        String first = Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::strip).filter(s -> !s.isEmpty())
            .findFirst().orElse(null);
        if (first == null) {
          throw ConfigException.forKey(keyPrefix + ".api_key_file", "the file " + file + " is empty", "write the key on its first line");
        }
        return new ApiKey(first);
      } catch (IOException e) {
        throw ConfigException.forKey(keyPrefix + ".api_key_file", "cannot read " + file + " (" + e.getMessage() + ")",
            "point it at a readable file holding the key");
      }
    }
    return NONE;
  }

  public boolean present() {
    return value != null;
  }

  /** The Authorization header value; only the HTTP client calls this. */
  String bearer() {
    return "Bearer " + value;
  }

  /** The key itself, for providers that take it in a header of their own (Anthropic's x-api-key, Gemini's x-goog-api-key); only the HTTP clients call this. */
  String value() {
    return value;
  }

  /** {@code text} with every occurrence of the key replaced, for errors and bodies we record. */
  public String scrub(String text) {
    return value == null || text == null ? text : text.replace(value, "***");
  }

  @Override
  public String toString() {
    return value == null ? "ApiKey(none)" : "ApiKey(***)";
  }
}
