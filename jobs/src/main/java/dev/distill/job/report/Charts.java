package dev.distill.job.report;

import java.awt.Color;
import java.awt.Font;
import java.awt.Rectangle;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.StandardChartTheme;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.svg.SVGGraphics2D;
import org.jfree.svg.ViewBox;

/**
 * Bar charts drawn by JFreeChart into JFreeSVG's Graphics2D: each chart is one self-contained
 * {@code <svg>} element for inlining in the report (no image files, no scripts, no network).
 * JFreeSVG escapes the text it writes, so category names from data cannot inject markup.
 */
public final class Charts {
  static {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  private static final Color[] PALETTE = {new Color(0x4C78A8), new Color(0xF58518), new Color(0x54A24B), new Color(0xB279A2),
      new Color(0xE45756), new Color(0x72B7B2)};

  /**
   * A grouped bar chart: one bar per series in every category, categories in the order of the
   * first series' map (others may add categories). {@code id} must be unique in the page.
   */
  public static String bars(String id, String title, String categoryLabel, String valueLabel,
      Map<String, ? extends Map<String, ? extends Number>> series, int width, int height, boolean horizontal) {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    for (Map.Entry<String, ? extends Map<String, ? extends Number>> s : series.entrySet()) {
      for (Map.Entry<String, ? extends Number> v : s.getValue().entrySet()) {
        data.addValue(v.getValue(), s.getKey(), v.getKey());
      }
    }
    JFreeChart chart = ChartFactory.createBarChart(title, categoryLabel, valueLabel, data,
        horizontal ? PlotOrientation.HORIZONTAL : PlotOrientation.VERTICAL, series.size() > 1, false, false);
    style(chart, data.getColumnCount() > 12 && !horizontal);
    return svg(id, chart, width, height);
  }

  /** A histogram already binned: one series of counts (or shares) per bin label, bins in map order. */
  public static String histogram(String id, String title, String binLabel, String valueLabel,
      Map<String, ? extends Map<String, ? extends Number>> series, int width, int height) {
    return bars(id, title, binLabel, valueLabel, series, width, height, false);
  }

  private static void style(JFreeChart chart, boolean rotateLabels) {
    StandardChartTheme theme = (StandardChartTheme) StandardChartTheme.createJFreeTheme();
    theme.setExtraLargeFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    theme.setLargeFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
    theme.setRegularFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    theme.setSmallFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
    theme.apply(chart);
    chart.setBackgroundPaint(Color.WHITE);
    chart.setAntiAlias(true);
    CategoryPlot plot = chart.getCategoryPlot();
    plot.setBackgroundPaint(new Color(0xF7F7F7));
    plot.setRangeGridlinePaint(new Color(0xCCCCCC));
    plot.setOutlineVisible(false);
    BarRenderer renderer = (BarRenderer) plot.getRenderer();
    renderer.setBarPainter(new StandardBarPainter());
    renderer.setShadowVisible(false);
    renderer.setItemMargin(0.02);
    for (int i = 0; i < PALETTE.length; i++) {
      renderer.setSeriesPaint(i, PALETTE[i]);
    }
    CategoryAxis axis = plot.getDomainAxis();
    axis.setCategoryMargin(0.1);
    axis.setMaximumCategoryLabelLines(2);
    if (rotateLabels) {
      axis.setCategoryLabelPositions(CategoryLabelPositions.UP_45);
    }
  }

  private static String svg(String id, JFreeChart chart, int width, int height) {
    SVGGraphics2D g2 = new SVGGraphics2D(width, height);
    g2.setDefsKeyPrefix(id + "-");
    chart.draw(g2, new Rectangle(0, 0, width, height));
    return g2.getSVGElement(id, true, new ViewBox(0, 0, width, height), null, null);
  }

  private Charts() {}
}
