package dev.distill.job.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.SparkTestSession;
import dev.distill.job.cli.Main;
import dev.distill.job.error.ExitCode;
import dev.distill.job.io.Json;
import dev.distill.job.io.RunDirectory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Encoders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report kept beside the page: reused while its inputs are unchanged, computed again once they change. */
class ReportDataTest {

  @Test
  void theKeptReportReadsBackAsTheSameReportInTheSameOrder(@TempDir Path tmp) throws Exception {
    Path root = RunReportTest.smallRun(tmp);
    RunDirectory run = new RunDirectory(root.toString(), SparkTestSession.get().sparkContext().hadoopConfiguration());
    ReportWriter.write(SparkTestSession.get(), root.toString());
    RunReport computed = RunReport.load(SparkTestSession.get(), root.toString());

    Optional<RunReport> kept = ReportData.reusable(run);

    assertTrue(kept.isPresent(), "nothing changed since the report was written");
    assertEquals(computed, kept.get());
    assertEquals(Json.compact(computed), Json.compact(kept.get()), "every map in the order the page shows it");
    String computedPage = ReportPage.render(computed).replaceAll("report written [^<]*", "");
    assertEquals(computedPage, ReportPage.render(kept.get()).replaceAll("report written [^<]*", ""));
  }

  @Test
  void aNewReSelectionMakesTheReportComputeAgain(@TempDir Path tmp) throws Exception {
    Path root = RunReportTest.smallRun(tmp);
    RunDirectory run = new RunDirectory(root.toString(), SparkTestSession.get().sparkContext().hadoopConfiguration());
    ReportWriter.write(SparkTestSession.get(), root.toString());
    assertTrue(ReportWriter.rewrite(run).isPresent());

    SparkTestSession.get().read().json(SparkTestSession.get().createDataset(List.of(
        "{\"id\":\"a\",\"source\":\"s/x\",\"question\":\"Q a\",\"domain\":\"08\",\"rank\":1,\"strategy\":\"longest\",\"why\":\"long\"}"),
        Encoders.STRING())).coalesce(1).write().parquet(root.resolve("selections/longest").toString());

    assertTrue(ReportData.reusable(run).isEmpty(), "a selection the kept report does not show");
    assertTrue(ReportWriter.rewrite(run).isEmpty());
    RunReport again = RunReport.load(SparkTestSession.get(), root.toString());
    assertTrue(again.selectionNames().contains("longest"), again.selectionNames().toString());
  }

  @Test
  void aChangedRunJsonOrAnUnreadableFileIsNotReused(@TempDir Path tmp) throws Exception {
    Path root = RunReportTest.smallRun(tmp);
    RunDirectory run = new RunDirectory(root.toString(), SparkTestSession.get().sparkContext().hadoopConfiguration());
    ReportWriter.write(SparkTestSession.get(), root.toString());
    Path runJson = root.resolve("run.json");
    String original = Files.readString(runJson);

    Files.writeString(runJson, original.replace("\"tiny\"", "\"tiny2\""));
    assertTrue(ReportData.reusable(run).isEmpty(), "run.json changed");

    Files.writeString(runJson, original);
    assertTrue(ReportData.reusable(run).isPresent(), "run.json as it was");
    Files.writeString(root.resolve(ReportData.PATH), "{not json");
    assertTrue(ReportData.reusable(run).isEmpty(), "an unreadable data file is computed again, not trusted");
  }

  @Test
  void theReportCommandRendersTheKeptReportWhenNothingChanged(@TempDir Path tmp) throws Exception {
    Path root = RunReportTest.smallRun(tmp);
    ReportWriter.write(SparkTestSession.get(), root.toString());
    Files.delete(root.resolve(ReportWriter.PATH));
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.out;
    int code;
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      code = Main.run(new String[] {"report", "--run", root.toString()});
    } finally {
      System.setOut(original);
    }
    String out = captured.toString(StandardCharsets.UTF_8);
    assertEquals(ExitCode.OK, code, out);
    assertTrue(out.contains("from " + ReportData.PATH), out);
    assertTrue(Files.readString(root.resolve(ReportWriter.PATH)).contains("Q a &lt;script&gt;alert(1)&lt;/script&gt;"));
  }
}
