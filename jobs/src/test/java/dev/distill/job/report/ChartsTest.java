package dev.distill.job.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ChartsTest {

  private static Map<String, Map<String, Long>> twoSeries() {
    Map<String, Long> pool = new LinkedHashMap<>();
    pool.put("08", 120L);
    pool.put("11", 80L);
    pool.put("<b>x</b>", 5L);
    Map<String, Long> selection = new LinkedHashMap<>();
    selection.put("08", 30L);
    selection.put("11", 40L);
    Map<String, Map<String, Long>> series = new LinkedHashMap<>();
    series.put("pool", pool);
    series.put("selection", selection);
    return series;
  }

  @Test
  void barChartIsOneNonEmptySvgElementWithItsIdAndSize() {
    String svg = Charts.bars("chart-test", "Domains", "code", "rows", twoSeries(), 600, 300, false);
    assertTrue(svg.startsWith("<svg"), svg.substring(0, Math.min(80, svg.length())));
    assertTrue(svg.trim().endsWith("</svg>"));
    assertTrue(svg.contains("id='chart-test'"), "the id");
    assertTrue(svg.contains("width='600.0'") && svg.contains("height='300.0'") && svg.contains("viewBox="), "dimensions and viewBox");
    assertEquals(3, bars(svg, "76,120,168"), "one pool bar per category");
    assertEquals(2, bars(svg, "245,133,24"), "one selection bar per category it has");
    assertTrue(svg.contains("Domains") && svg.contains("selection"), "title and legend as text");
  }

  /** Bars of one series colour with a positive height (the legend's swatch is not counted: it has no clip path). */
  private static int bars(String svg, String rgb) {
    Matcher m = Pattern.compile("<rect [^>]*height='([0-9.]+)' style='fill:rgb\\(" + rgb + "\\)' clip-path").matcher(svg);
    int n = 0;
    while (m.find()) {
      if (Double.parseDouble(m.group(1)) > 0) {
        n++;
      }
    }
    return n;
  }

  @Test
  void categoryNamesFromDataAreEscapedInsideTheSvg() {
    String svg = Charts.bars("chart-esc", "t", "c", "v", twoSeries(), 600, 300, true);
    assertFalse(svg.contains("<b>x</b>"), "no markup from data");
    assertTrue(svg.contains("&lt;b&gt;x&lt;/b&gt;"), "shown as text");
  }
}
