package dev.distill.job.error;

/** A configuration problem found before any Spark job starts; the message names the key, why, and the fix. */
public class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Builds "Cannot read config key KEY: WHY; FIX". */
  public static ConfigException forKey(String key, String why, String fix) {
    return new ConfigException("Cannot read config key " + key + ": " + why + "; " + fix);
  }
}
