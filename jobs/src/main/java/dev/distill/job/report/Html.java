package dev.distill.job.report;

/**
 * HTML escaping for every piece of text that comes from data (questions, traces, details, source
 * names, reasons): the report never emits data as markup, so a question holding {@code <script>} or
 * {@code <img onerror=...>} shows as text.
 */
public final class Html {

  /** Escapes {@code & < > " '} (safe in element content and in quoted attribute values); null becomes "". */
  public static String escape(Object value) {
    if (value == null) {
      return "";
    }
    String s = value.toString();
    StringBuilder out = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> {
          // Control characters other than tab and newline have no place in an HTML page.
          if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
            out.append('\uFFFD');
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }

  /** The first {@code max} characters of {@code s} (an ellipsis marks a cut), escaped. */
  public static String excerpt(String s, int max) {
    if (s == null) {
      return "";
    }
    String cut = s.length() <= max ? s : s.substring(0, max) + "\u2026";
    return escape(cut);
  }

  private Html() {}
}
