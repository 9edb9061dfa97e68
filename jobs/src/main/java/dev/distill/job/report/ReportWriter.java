package dev.distill.job.report;

import dev.distill.job.io.Console;
import dev.distill.job.io.RunDirectory;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;

/** Writes {@code <run>/report/index.html}: at the end of every run and by {@code bin/distill report}. */
public final class ReportWriter {
  public static final String PATH = RunDirectory.REPORT;

  /** Where the page went, its size and how long it took. */
  public record Written(String path, long bytes, double seconds) {}

  /** Builds and writes the report of {@code runDir} (atomically); throws when it cannot. */
  public static Written write(SparkSession spark, String runDir) {
    long start = System.nanoTime();
    String previous = spark.sparkContext().getLocalProperty("spark.job.description");
    spark.sparkContext().setJobGroup("distill:report", "report: " + PATH, false);
    try {
      RunDirectory run = new RunDirectory(runDir, spark.sparkContext().hadoopConfiguration());
      // Taken before the report is read, so a change made while it is computed makes the next report compute again.
      String inputs = ReportData.fingerprint(run);
      RunReport report = RunReport.load(spark, runDir);
      ReportData.save(run, inputs, report);
      return render(run, report, start);
    } finally {
      spark.sparkContext().setJobDescription(previous);
    }
  }

  /**
   * Writes the page again from {@code report/data.json}, without Spark, when nothing the report was
   * computed from has changed since (see {@link ReportData}); empty when it must be computed.
   */
  public static Optional<Written> rewrite(RunDirectory run) {
    long start = System.nanoTime();
    return ReportData.reusable(run).map(report -> render(run, report, start));
  }

  private static Written render(RunDirectory run, RunReport report, long start) {
    byte[] html = ReportPage.render(report).getBytes(StandardCharsets.UTF_8);
    String path = run.report();
    run.writeBytes(path, html);
    return new Written(path, html.length, (System.nanoTime() - start) / 1e9);
  }

  /**
   * The end-of-run report: a failure is printed and does not fail the run (the selection and the
   * handoff are already committed; {@code bin/distill report} can write it again).
   */
  public static void writeAfterRun(SparkSession spark, String runDir, Console console) {
    try {
      Written w = write(spark, runDir);
      console.info(String.format(Locale.ROOT, "report %s (%,d bytes) in %.1fs", w.path(), w.bytes(), w.seconds()));
    } catch (RuntimeException | LinkageError e) {
      console.info("Cannot write the run report: " + e + "; the run itself is complete, retry with bin/distill report --run " + runDir);
    }
  }

  private ReportWriter() {}
}
