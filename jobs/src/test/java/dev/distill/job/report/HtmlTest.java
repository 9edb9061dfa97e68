package dev.distill.job.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class HtmlTest {

  @Test
  void escapesMarkupQuotesAndAmpersands() {
    assertEquals("&lt;script&gt;alert(1)&lt;/script&gt;", Html.escape("<script>alert(1)</script>"));
    assertEquals("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;", Html.escape("<img src=x onerror=\"alert(1)\">"));
    assertEquals("a &amp;&amp; b &#39;c&#39;", Html.escape("a && b 'c'"));
    assertEquals("", Html.escape(null));
  }

  @Test
  void dropsControlCharactersButKeepsNewlinesAndUnicode() {
    assertEquals("x\uFFFDy\nz 小明 $\\frac{1}{2}$", Html.escape("x\u0001y\nz 小明 $\\frac{1}{2}$"));
  }

  @Test
  void excerptCutsBeforeEscapingSoNoEntityIsHalved() {
    assertEquals("ab&lt;\u2026", Html.excerpt("ab<script>", 3));
    assertEquals("short", Html.excerpt("short", 10));
  }
}
