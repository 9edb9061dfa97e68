package dev.distill.job.source;

import dev.distill.job.error.ConfigException;

/**
 * A source configuration that cannot be used. The message names the exact config key, says why
 * and how to fix it: {@code Cannot read config key sources[3].fields.question: <why>; <fix>}.
 */
public final class SourceConfigException extends ConfigException {
  private static final long serialVersionUID = 1L;

  public SourceConfigException(String message) {
    super(message);
  }

  /** Builds {@code Cannot read config key KEY: WHY; FIX}. */
  public static SourceConfigException sourceKey(String key, String why, String fix) {
    return new SourceConfigException("Cannot read config key " + key + ": " + why + "; " + fix);
  }
}
