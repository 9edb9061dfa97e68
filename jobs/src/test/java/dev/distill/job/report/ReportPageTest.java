package dev.distill.job.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.report.RunReport.Distribution;
import dev.distill.job.report.RunReport.RemovedSample;
import dev.distill.job.report.RunReport.SelectedRow;
import dev.distill.job.report.RunReport.StageRow;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ReportPageTest {
  static final String SCRIPT = "<script>alert(1)</script>";
  static final String IMG = "<img src=x onerror=alert(1)>";

  static RunReport report(List<String> selections) {
    Map<String, Long> funnel = new LinkedHashMap<>();
    funnel.put("read", 100L);
    funnel.put("ingest", 98L);
    funnel.put("quality", 80L);
    funnel.put("select", 10L);
    List<StageRow> stages = List.of(new StageRow("ingest", 100, 98, Map.of(), 1.0),
        new StageRow("quality", 98, 80, Map.of("asy_figure", 12L, "api_error", 6L), 2.0), new StageRow("select", 80, 10, Map.of(), 0.5));
    Map<String, Map<String, Long>> overlap = new LinkedHashMap<>();
    Map<String, Integer> sizes = new LinkedHashMap<>();
    for (String a : selections) {
      Map<String, Long> row = new LinkedHashMap<>();
      for (String b : selections) {
        row.put(b, a.equals(b) ? 10L : 4L);
      }
      overlap.put(a, row);
      sizes.put(a, 10);
    }
    return new RunReport("run-1", "completed", "ab".repeat(32), "s1", "42", stages, funnel, 2,
        new Distribution(Map.of("08", 50L, "11", 30L), Map.of("08", 4L, "11", 6L)), Map.of("08", "General algebraic systems"),
        new Distribution(Map.of("0.8-0.9", 40L), Map.of("0.8-0.9", 5L)), new Distribution(Map.of("256-511", 70L), Map.of("256-511", 10L)),
        "trace", new Distribution(Map.of("sample/<main>", 98L), Map.of("sample/<main>", 10L)),
        List.of(new SelectedRow(1, "id-1", "sample/main", "08", 0.9, 300, "s1: hard " + SCRIPT, "Find x. " + SCRIPT),
            new SelectedRow(2, "id-2", "sample/main", "11", 0.8, 280, "s1: longest", "Area? " + IMG)),
        List.of(new RemovedSample("quality", "asy_figure", 12, "id-9", "sample/main", "Draw " + IMG, "detail " + SCRIPT)),
        selections, overlap, sizes,
        List.of(new RunReport.ReviewRow("id-7", "sample/main", "Near " + SCRIPT, "math500:test/x.json", "Eval " + IMG, 0.87,
            "unreadable verdict: " + SCRIPT)));
  }

  @Test
  void everyPieceOfProblemTextIsEscaped() {
    String html = ReportPage.render(report(List.of("selection (s1)")));
    assertFalse(html.contains(SCRIPT), "no raw script payload");
    assertFalse(html.contains(IMG), "no raw img payload");
    assertFalse(Pattern.compile("<script", Pattern.CASE_INSENSITIVE).matcher(html).find(), "the page has no script element at all");
    assertFalse(Pattern.compile("<img", Pattern.CASE_INSENSITIVE).matcher(html).find(), "the page has no img element at all");
    assertTrue(html.contains("Find x. &lt;script&gt;alert(1)&lt;/script&gt;"), "question shown as text");
    assertTrue(html.contains("Area? &lt;img src=x onerror=alert(1)&gt;"), "img payload shown as text");
    assertTrue(html.contains("detail &lt;script&gt;"), "removed row details escaped");
    assertTrue(html.contains("Near &lt;script&gt;") && html.contains("Eval &lt;img"), "review rows escaped");
    assertTrue(html.contains("<th>judge (decontam.judge)</th>") && html.contains("unreadable verdict: &lt;script&gt;"),
        "the judge's verdict or error is shown, escaped");
    assertTrue(html.contains("s1: hard &lt;script&gt;"), "why escaped");
    assertTrue(html.contains("sample/&lt;main&gt;"), "source names escaped");
  }

  @Test
  void pageIsSelfContainedAndForbidsScripts() {
    String html = ReportPage.render(report(List.of("selection (s1)")));
    assertTrue(html.contains("Content-Security-Policy") && html.contains("default-src 'none'"));
    assertFalse(html.contains("http://") && html.replace("http://www.w3.org/", "").replace("http://www.jfree.org/", "").contains("http://"),
        "no external resource");
    assertFalse(html.contains("https://"), "no external resource");
  }

  @Test
  void everySectionIsPresentWithItsCharts() {
    String html = ReportPage.render(report(List.of("selection (s1)", "random-seed3")));
    for (String section : ReportPage.SECTIONS) {
      assertTrue(html.contains("<section id=\"" + section + "\">"), section);
    }
    for (String chart : List.of("chart-funnel", "chart-reasons", "chart-domains", "chart-difficulty", "chart-tokens", "chart-sources",
        "chart-strategies")) {
      assertTrue(html.contains("<svg id='" + chart + "'"), chart);
    }
    assertTrue(html.contains("<th>random-seed3</th>"), "overlap table names the re-selection");
    assertTrue(html.contains("4 <small>(40%)</small>"), "shared rows and their share");
    assertEquals(2, html.split("<tr><td>\\d+</td><td><code>id-").length - 1, "one table row per selected row");
  }

  @Test
  void oneSelectionExplainsHowToCompareStrategies() {
    String html = ReportPage.render(report(List.of("selection (s1)")));
    assertTrue(html.contains("bin/distill select --run RUN_DIR"));
    assertFalse(html.contains("chart-strategies"));
  }

  @Test
  void sharesArePercentOfEachSideInThePoolsOrder() {
    Map<String, Long> pool = new LinkedHashMap<>();
    pool.put("a", 75L);
    pool.put("b", 25L);
    Map<String, Map<String, Double>> s = ReportPage.shares(new Distribution(pool, Map.of("b", 10L)), 10);
    assertEquals(List.of("a", "b"), List.copyOf(s.get(ReportPage.POOL).keySet()));
    assertEquals(75.0, s.get(ReportPage.POOL).get("a"), 1e-9);
    assertEquals(0.0, s.get(ReportPage.SELECTION).get("a"), 1e-9);
    assertEquals(100.0, s.get(ReportPage.SELECTION).get("b"), 1e-9);
  }
}
