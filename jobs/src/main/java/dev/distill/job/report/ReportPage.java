package dev.distill.job.report;

import dev.distill.job.report.RunReport.Distribution;
import dev.distill.job.report.RunReport.RemovedSample;
import dev.distill.job.report.RunReport.SelectedRow;
import dev.distill.job.report.RunReport.StageRow;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The run report as one self-contained HTML page: inline CSS, charts as inline SVG, no script and
 * no external resource (a Content-Security-Policy forbids both), every data string escaped.
 */
public final class ReportPage {
  /** Section ids, in page order; tests and links rely on them. */
  public static final List<String> SECTIONS = List.of("funnel", "domains", "difficulty", "tokens", "sources", "strategies", "selected", "removed", "review");
  static final int QUESTION_CHARS = 280;
  static final int DETAIL_CHARS = 200;
  static final String POOL = "pool (scored candidates)";
  static final String SELECTION = "selection";

  public static String render(RunReport r) {
    StringBuilder h = new StringBuilder(64 * 1024);
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
        .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<link rel=\"icon\" href=\"data:,\">\n")
        .append("<title>distill run ").append(Html.escape(r.runId())).append("</title>\n<style>").append(CSS).append("</style></head><body>\n");
    h.append("<header><h1>distill run <code>").append(Html.escape(r.runId())).append("</code></h1><p>status <b>")
        .append(Html.escape(r.status())).append("</b> &middot; strategy <b>").append(Html.escape(r.strategy())).append("</b>, seed <b>")
        .append(Html.escape(r.seed())).append("</b> &middot; config sha256 <code>").append(Html.escape(shortSha(r.configSha256())))
        .append("</code> &middot; report written ").append(Html.escape(Instant.now().toString())).append("</p><nav>");
    for (String s : SECTIONS) {
      h.append("<a href=\"#").append(s).append("\">").append(s).append("</a> ");
    }
    h.append("</nav></header>\n");
    funnel(h, r);
    domains(h, r);
    distribution(h, "difficulty", "Difficulty", "difficulty (0 easy - 1 hard)", r.difficulty(),
        "Difficulty of the pool's scored candidates against the selection, in bins of 0.1 (share of each side).");
    distribution(h, "tokens", "Trace tokens", "tokens (" + r.tokenBasis() + ")", r.tokens(),
        "Length in tokens (`length_tokens`, basis: " + r.tokenBasis() + "), power-of-two bins, share of each side.");
    sources(h, r);
    strategies(h, r);
    selected(h, r);
    removed(h, r);
    review(h, r);
    h.append("<footer>distill report &middot; self-contained: no script, no network.</footer>\n</body></html>\n");
    return h.toString();
  }

  private static void funnel(StringBuilder h, RunReport r) {
    h.append("<section id=\"funnel\"><h2>Funnel</h2>\n");
    Map<String, Map<String, Long>> series = new LinkedHashMap<>();
    series.put("rows", r.funnel());
    h.append(chart(Charts.bars("chart-funnel", "Rows after each stage", "stage", "rows", series, 860, 320, false)));
    h.append("<table class=\"num\"><thead><tr><th>stage</th><th>rows in</th><th>rows out</th><th>removed</th><th>seconds</th><th>reasons</th></tr></thead><tbody>\n");
    for (StageRow s : r.stages()) {
      long removed = s.removed().values().stream().mapToLong(Long::longValue).sum();
      h.append("<tr><td>").append(Html.escape(s.name())).append("</td><td>").append(n(s.rowsIn())).append("</td><td>").append(n(s.rowsOut()))
          .append("</td><td>").append(n(removed)).append("</td><td>").append(String.format(Locale.ROOT, "%.1f", s.seconds())).append("</td><td class=\"text\">");
      String sep = "";
      for (Map.Entry<String, Long> e : s.removed().entrySet()) {
        h.append(sep).append(Html.escape(e.getKey())).append(' ').append(n(e.getValue()));
        sep = ", ";
      }
      h.append("</td></tr>\n");
    }
    h.append("</tbody></table>");
    if (r.quarantined() > 0) {
      h.append("<p>").append(n(r.quarantined())).append(" input rows were unreadable and went to <code>quarantine/</code>.</p>");
    }
    Map<String, Long> reasons = new LinkedHashMap<>();
    for (StageRow s : r.stages()) {
      s.removed().forEach((k, v) -> reasons.merge(s.name() + ": " + k, v, Long::sum));
    }
    if (!reasons.isEmpty()) {
      Map<String, Map<String, Long>> rs = new LinkedHashMap<>();
      rs.put("rows removed", reasons);
      h.append(chart(Charts.bars("chart-reasons", "Rows removed, by stage and reason", "stage: reason", "rows", rs, 860,
          Math.max(220, 60 + 22 * reasons.size()), true)));
    }
    h.append("</section>\n");
  }

  private static void domains(StringBuilder h, RunReport r) {
    h.append("<section id=\"domains\"><h2>Domains: pool vs selection</h2>\n<p>Top-level MSC codes, share of the pool's ")
        .append(n(r.domains().poolTotal())).append(" scored candidates and of the ").append(n(r.domains().selectionTotal()))
        .append(" selected rows (").append(r.domains().pool().size()).append(" domains in the pool, ")
        .append(r.domains().selection().size()).append(" in the selection).</p>\n");
    Map<String, Map<String, Double>> series = shares(r.domains(), 30);
    h.append(chart(Charts.bars("chart-domains", "Domain share (top 30 of the pool)", "MSC code", "share %", series, 980, 380, false)));
    h.append("<table class=\"num\"><thead><tr><th>code</th><th>title</th><th>pool</th><th>selection</th></tr></thead><tbody>\n");
    for (Map.Entry<String, Long> e : r.domains().pool().entrySet()) {
      h.append("<tr><td>").append(Html.escape(e.getKey())).append("</td><td class=\"text\">").append(Html.escape(r.domainTitles().getOrDefault(e.getKey(), "")))
          .append("</td><td>").append(n(e.getValue())).append("</td><td>").append(n(r.domains().selection().getOrDefault(e.getKey(), 0L))).append("</td></tr>\n");
    }
    h.append("</tbody></table></section>\n");
  }

  private static void distribution(StringBuilder h, String id, String title, String axis, Distribution d, String text) {
    h.append("<section id=\"").append(id).append("\"><h2>").append(Html.escape(title)).append("</h2><p>").append(Html.escape(text)).append("</p>\n");
    if (d.pool().isEmpty() && d.selection().isEmpty()) {
      h.append("<p class=\"empty\">No data: the run has no scored table yet.</p>");
    } else {
      h.append(chart(Charts.histogram("chart-" + id, title + ": pool vs selection", axis, "share %", shares(d, Integer.MAX_VALUE), 860, 320)));
    }
    h.append("</section>\n");
  }

  private static void sources(StringBuilder h, RunReport r) {
    h.append("<section id=\"sources\"><h2>Source mix</h2><p>Rows per source after ingest and in the selection.</p>\n");
    h.append(chart(Charts.bars("chart-sources", "Source share: ingested vs selected", "source", "share %", shares(r.sources(), 30), 860,
        Math.max(260, 80 + 40 * Math.min(30, r.sources().pool().size())), true)));
    h.append("<table class=\"num\"><thead><tr><th>source</th><th>ingested</th><th>selected</th></tr></thead><tbody>\n");
    for (Map.Entry<String, Long> e : r.sources().pool().entrySet()) {
      h.append("<tr><td class=\"text\">").append(Html.escape(e.getKey())).append("</td><td>").append(n(e.getValue())).append("</td><td>")
          .append(n(r.sources().selection().getOrDefault(e.getKey(), 0L))).append("</td></tr>\n");
    }
    h.append("</tbody></table></section>\n");
  }

  private static void strategies(StringBuilder h, RunReport r) {
    h.append("<section id=\"strategies\"><h2>Strategies compared</h2>\n");
    if (r.selectionNames().size() < 2) {
      h.append("<p class=\"empty\">One selection only. Re-select from the same scored table with <code>bin/distill select --run RUN_DIR "
          + "--strategy random</code> (or score, longest, diverse; another seed or size), then <code>bin/distill report --run RUN_DIR</code> "
          + "to see how the selections overlap.</p></section>\n");
      return;
    }
    h.append("<p>Rows two selections share (diagonal: the selection's size), from the same scored table.</p>\n<table class=\"num\"><thead><tr><th></th>");
    for (String name : r.selectionNames()) {
      h.append("<th>").append(Html.escape(name)).append("</th>");
    }
    h.append("</tr></thead><tbody>\n");
    for (String a : r.selectionNames()) {
      h.append("<tr><th>").append(Html.escape(a)).append("</th>");
      for (String b : r.selectionNames()) {
        long shared = r.overlap().get(a).get(b);
        int size = Math.max(1, Math.min(r.selectionSizes().get(a), r.selectionSizes().get(b)));
        h.append("<td>").append(n(shared)).append(a.equals(b) ? "" : String.format(Locale.ROOT, " <small>(%.0f%%)</small>", 100.0 * shared / size))
            .append("</td>");
      }
      h.append("</tr>\n");
    }
    h.append("</tbody></table>\n");
    Map<String, Map<String, Long>> series = new LinkedHashMap<>();
    String first = r.selectionNames().get(0);
    Map<String, Long> shared = new LinkedHashMap<>();
    for (String b : r.selectionNames().subList(1, r.selectionNames().size())) {
      shared.put(b, r.overlap().get(first).get(b));
    }
    series.put("rows shared with " + first, shared);
    h.append(chart(Charts.bars("chart-strategies", "Overlap with the run's selection", "selection", "rows shared", series, 860,
        Math.max(200, 80 + 40 * shared.size()), true)));
    h.append("</section>\n");
  }

  private static void selected(StringBuilder h, RunReport r) {
    h.append("<section id=\"selected\"><h2>Selected rows (").append(n(r.selected().size())).append(")</h2>\n")
        .append("<table class=\"rows\"><thead><tr><th>rank</th><th>id</th><th>source</th><th>domain</th><th>difficulty</th><th>tokens</th>"
            + "<th>why</th><th>question</th></tr></thead><tbody>\n");
    for (SelectedRow s : r.selected()) {
      h.append("<tr><td>").append(s.rank()).append("</td><td><code>").append(Html.escape(shortId(s.id()))).append("</code></td><td>")
          .append(Html.escape(s.source())).append("</td><td>").append(Html.escape(s.domain())).append("</td><td>")
          .append(s.difficulty() == null ? "" : String.format(Locale.ROOT, "%.2f", s.difficulty())).append("</td><td>")
          .append(s.tokens() == null ? "" : n(s.tokens())).append("</td><td class=\"why\">").append(Html.escape(s.why()))
          .append("</td><td class=\"q\">").append(Html.excerpt(s.question(), QUESTION_CHARS)).append("</td></tr>\n");
    }
    h.append("</tbody></table></section>\n");
  }

  private static void review(StringBuilder h, RunReport r) {
    h.append("<section id=\"review\"><h2>For review: kept questions near an eval item by meaning</h2><p>Up to ").append(RunReport.REVIEW_ROWS)
        .append(" questions whose embedding cosine to their nearest eval item lies between decontam.review_threshold and "
            + "decontam.semantic_threshold, most similar first; all of them are in <code>review/paraphrase/</code>.</p>\n");
    if (r.review().isEmpty()) {
      h.append("<p class=\"empty\">None (embeddings off, or no question in the band).</p></section>\n");
      return;
    }
    boolean judged = r.review().stream().anyMatch(row -> row.judge() != null);
    h.append("<table class=\"rows\"><thead><tr><th>cosine</th><th>id</th><th>source</th><th>question</th><th>nearest eval item</th>"
        + "<th>eval question</th>").append(judged ? "<th>judge (decontam.judge)</th>" : "").append("</tr></thead><tbody>\n");
    for (RunReport.ReviewRow row : r.review()) {
      h.append("<tr><td>").append(String.format(Locale.ROOT, "%.3f", row.similarity())).append("</td><td><code>").append(Html.escape(shortId(row.id())))
          .append("</code></td><td>").append(Html.escape(row.source())).append("</td><td class=\"q\">")
          .append(Html.excerpt(row.question(), QUESTION_CHARS)).append("</td><td>").append(Html.escape(row.nearestEval()))
          .append("</td><td class=\"q\">").append(Html.excerpt(row.evalQuestion(), QUESTION_CHARS)).append("</td>");
      if (judged) {
        h.append("<td>").append(Html.escape(row.judge() == null ? "" : row.judge())).append("</td>");
      }
      h.append("</tr>\n");
    }
    h.append("</tbody></table></section>\n");
  }

  private static void removed(StringBuilder h, RunReport r) {
    h.append("<section id=\"removed\"><h2>Removed rows: samples per reason</h2><p>Up to ").append(RunReport.SAMPLES_PER_REASON)
        .append(" rows per stage and reason (first by id); every removed row is in <code>removed/&lt;stage&gt;/</code>.</p>\n");
    if (r.removedSamples().isEmpty()) {
      h.append("<p class=\"empty\">No row was removed.</p>");
    }
    String group = null;
    for (RemovedSample s : r.removedSamples()) {
      String key = s.stage() + "/" + s.reason();
      if (!key.equals(group)) {
        if (group != null) {
          h.append("</tbody></table>\n");
        }
        group = key;
        h.append("<h3>").append(Html.escape(s.stage())).append(": ").append(Html.escape(s.reason())).append(" <small>(")
            .append(n(s.count())).append(" rows)</small></h3>\n<table class=\"rows\"><thead><tr><th>id</th><th>source</th><th>question</th>"
                + "<th>detail</th></tr></thead><tbody>\n");
      }
      h.append("<tr><td><code>").append(Html.escape(shortId(s.id()))).append("</code></td><td>").append(Html.escape(s.source()))
          .append("</td><td class=\"q\">").append(Html.excerpt(s.question(), QUESTION_CHARS)).append("</td><td class=\"q\">")
          .append(Html.excerpt(s.detail(), DETAIL_CHARS)).append("</td></tr>\n");
    }
    if (group != null) {
      h.append("</tbody></table>\n");
    }
    h.append("</section>\n");
  }

  /** Percent of each side per category: the pool's top {@code limit} categories, in the pool's order. */
  static Map<String, Map<String, Double>> shares(Distribution d, int limit) {
    Map<String, Double> pool = new LinkedHashMap<>();
    Map<String, Double> selection = new LinkedHashMap<>();
    double pt = Math.max(1, d.poolTotal());
    double st = Math.max(1, d.selectionTotal());
    Map<String, Long> keys = new LinkedHashMap<>(d.pool());
    d.selection().forEach(keys::putIfAbsent);
    int i = 0;
    for (String k : keys.keySet()) {
      if (i++ >= limit) {
        break;
      }
      pool.put(k, 100.0 * d.pool().getOrDefault(k, 0L) / pt);
      selection.put(k, 100.0 * d.selection().getOrDefault(k, 0L) / st);
    }
    Map<String, Map<String, Double>> series = new LinkedHashMap<>();
    series.put(POOL, pool);
    series.put(SELECTION, selection);
    return series;
  }

  private static String chart(String svg) {
    return "<figure class=\"chart\">" + svg + "</figure>\n";
  }

  private static String n(long v) {
    return String.format(Locale.ROOT, "%,d", v);
  }

  private static String shortId(String id) {
    return id == null ? "" : id.length() > 12 ? id.substring(0, 12) : id;
  }

  private static String shortSha(String sha) {
    return sha == null ? "" : sha.length() > 16 ? sha.substring(0, 16) : sha;
  }

  private static final String CSS = String.join("\n",
      "body{font:14px/1.45 system-ui,-apple-system,'DejaVu Sans',sans-serif;margin:0 auto;max-width:1200px;padding:0 16px 40px;color:#222}",
      "header{border-bottom:1px solid #ddd;margin-bottom:12px}h1{font-size:22px;margin:16px 0 4px}h2{font-size:18px;margin-top:28px;"
          + "border-bottom:1px solid #eee}h3{font-size:15px;margin:16px 0 4px}",
      "nav a{margin-right:10px}code{font-family:'DejaVu Sans Mono',monospace;font-size:12px}",
      "table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{border:1px solid #e2e2e2;padding:3px 6px;vertical-align:top}",
      "thead th{background:#f3f3f3;position:sticky;top:0}table.num td{text-align:right}table.num td.text{text-align:left}",
      "td.q{max-width:520px;white-space:pre-wrap;word-break:break-word}td.why{max-width:300px;font-size:12px;color:#444}",
      "figure.chart{margin:8px 0}figure.chart svg{max-width:100%;height:auto}.empty{color:#777;font-style:italic}",
      "footer{margin-top:32px;color:#888;font-size:12px}");

  private ReportPage() {}
}
