package dev.distill.job.export;

import java.util.Locale;

/** What export does with a row whose {@code text} has more tokens than the block size (export.too_long). */
public enum TooLongPolicy {
  /** Removed with reason {@code too_long} into removed/export/. */
  DROP,
  /** {@code text} cut to the block size (never before the think marker), {@code truncated} set. */
  TRUNCATE,
  /** Written as it is: the trainer cuts it; counted in manifest.json. */
  KEEP;

  public static final String REASON = "too_long";

  public static TooLongPolicy of(String name) {
    return valueOf(name.trim().toUpperCase(Locale.ROOT));
  }

  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
