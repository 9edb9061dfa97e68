package dev.distill.job.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.SparkTestSession;
import dev.distill.job.error.ConfigException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report read from a small hand-made run directory, and written to report/index.html. */
class RunReportTest {

  private static void parquet(SparkSession spark, Path dir, String... jsonRows) {
    spark.read().json(spark.createDataset(List.of(jsonRows), Encoders.STRING())).coalesce(1).write().parquet(dir.toString());
  }

  static Path smallRun(Path root) throws Exception {
    SparkSession spark = SparkTestSession.get();
    Files.writeString(root.resolve("run.json"), """
        {"run_id": "tiny", "status": "completed", "config_sha256": "abc", "config": {"select": {"strategy": "s1", "seed": 7}},
         "quarantined": 0,
         "stages": [{"name": "ingest", "rows_in": 4, "rows_out": 4, "removed": {}, "seconds": 1.0},
                    {"name": "quality", "rows_in": 4, "rows_out": 3, "removed": {"asy_figure": 1}, "seconds": 1.0},
                    {"name": "domains", "rows_in": 3, "rows_out": 3, "removed": {}, "seconds": 1.0},
                    {"name": "select", "rows_in": 3, "rows_out": 2, "removed": {"not_selected": 1}, "seconds": 1.0}],
         "funnel": {"read": 4, "ingest": 4, "quality": 3}}
        """, StandardCharsets.UTF_8);
    String a = "{\"id\":\"a\",\"source\":\"s/x\",\"question\":\"Q a <script>alert(1)</script>\",\"domain\":\"08\",\"difficulty\":0.95,\"length_tokens\":300,\"length_basis\":\"trace\"";
    String b = "{\"id\":\"b\",\"source\":\"s/y\",\"question\":\"Q b\",\"domain\":\"11\",\"difficulty\":0.15,\"length_tokens\":3000,\"length_basis\":\"trace\"";
    String c = "{\"id\":\"c\",\"source\":\"s/x\",\"question\":\"Q c\",\"domain\":\"08\",\"difficulty\":0.55,\"length_tokens\":5,\"length_basis\":\"trace\"";
    parquet(spark, root.resolve("stages/ingest"), a + "}", b + "}", c + "}", "{\"id\":\"d\",\"source\":\"s/y\",\"question\":\"Q d\"}");
    parquet(spark, root.resolve("stages/domains"), a + "}", b + "}", c + "}");
    parquet(spark, root.resolve("selection"), a + ",\"rank\":1,\"strategy\":\"s1\",\"why\":\"hard\"}", b + ",\"rank\":2,\"strategy\":\"s1\",\"why\":\"long\"}");
    parquet(spark, root.resolve("selections/random-seed3"), c + ",\"rank\":1,\"strategy\":\"random\",\"why\":\"random\"}",
        b + ",\"rank\":2,\"strategy\":\"random\",\"why\":\"random\"}");
    parquet(spark, root.resolve("removed/quality"),
        "{\"id\":\"d\",\"source\":\"s/y\",\"question\":\"Q d <img src=x onerror=alert(1)>\",\"reason\":\"asy_figure\",\"detail\":\"[asy]\"}");
    return root;
  }

  @Test
  void readsFunnelDistributionsSamplesAndOverlap(@TempDir Path tmp) throws Exception {
    RunReport r = RunReport.load(SparkTestSession.get(), smallRun(tmp).toString());
    assertEquals("tiny", r.runId());
    assertEquals("7", r.seed());
    assertEquals(List.of("read", "ingest", "quality"), List.copyOf(r.funnel().keySet()));
    assertEquals(2L, r.domains().pool().get("08"));
    assertEquals(1L, r.domains().selection().get("11"));
    assertEquals(1L, r.difficulty().pool().get("0.9-1.0"));
    assertEquals(1L, r.difficulty().selection().get("0.1-0.2"));
    assertEquals(10, r.difficulty().pool().size(), "every difficulty bin, empty ones too");
    assertEquals(1L, r.tokens().pool().get("256-511"));
    assertEquals(1L, r.tokens().pool().get("2048-4095"));
    assertEquals(1L, r.tokens().pool().get("4-7"));
    assertEquals(2L, r.sources().pool().get("s/y"), "source mix counts every ingested row");
    assertEquals(List.of(1, 2), r.selected().stream().map(RunReport.SelectedRow::rank).toList());
    assertEquals(1, r.removedSamples().size());
    assertEquals("asy_figure", r.removedSamples().get(0).reason());
    assertEquals(List.of("selection (s1)", "random-seed3"), r.selectionNames());
    assertEquals(1L, r.overlap().get("selection (s1)").get("random-seed3"), "both picked b");
  }

  @Test
  void writesTheEscapedPageIntoTheRunDirectory(@TempDir Path tmp) throws Exception {
    ReportWriter.Written w = ReportWriter.write(SparkTestSession.get(), smallRun(tmp).toString());
    Path page = tmp.resolve(ReportWriter.PATH);
    assertEquals(page.toString(), w.path());
    String html = Files.readString(page);
    assertEquals(Files.size(page), w.bytes());
    assertTrue(html.contains("Q a &lt;script&gt;alert(1)&lt;/script&gt;"));
    assertTrue(html.contains("Q d &lt;img src=x onerror=alert(1)&gt;"));
    assertTrue(!html.contains("<script>") && !html.contains("<img "));
  }

  @Test
  void aDirectoryWithoutRunJsonIsRefusedWithTheFix(@TempDir Path tmp) {
    ConfigException e = assertThrows(ConfigException.class, () -> RunReport.load(SparkTestSession.get(), tmp.toString()));
    assertTrue(e.getMessage().startsWith("Cannot report on ") && e.getMessage().contains("pass the run directory"), e.getMessage());
  }
}
