package dev.distill.job.ingest;

/**
 * A source configuration that cannot be used. The message names the exact config key, says why
 * and how to fix it: {@code Cannot read config key sources[3].fields.question: <why>; <fix>}.
 */
public final class ConfigException extends dev.distill.job.error.ConfigException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }

  /** Builds {@code Cannot read config key KEY: WHY; FIX}. */
  static ConfigException sourceKey(String key, String why, String fix) {
    return new ConfigException("Cannot read config key " + key + ": " + why + "; " + fix);
  }
}
