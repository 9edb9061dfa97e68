package dev.distill.job.io;

/** The distill version written into run.json and printed by --version. */
public final class Version {
  public static final String VERSION = "0.1.0";

  private Version() {}
}
