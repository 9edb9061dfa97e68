package dev.distill.job.conf;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A prompt with {@code {name}} placeholders, checked when the config is read. Substitution is one
 * pass, so braces inside the substituted text (LaTeX) are never read as placeholders; {@code {{name}}}
 * stays a literal {@code {name}}.
 */
public final class PromptTemplate implements Serializable {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([a-z_]+)}}|\\{([a-z_]+)}");

  private final String text;
  /** Alternating literal text and placeholder names; names are at odd positions. */
  private final List<String> parts;

  private PromptTemplate(String text, List<String> parts) {
    this.text = text;
    this.parts = parts;
  }

  /** Parses {@code text}; an unknown placeholder is an error naming it. */
  public static PromptTemplate parse(String text, Set<String> allowed) {
    List<String> parts = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    Matcher m = PLACEHOLDER.matcher(text);
    int last = 0;
    while (m.find()) {
      literal.append(text, last, m.start());
      if (m.group(1) != null) {
        literal.append('{').append(m.group(1)).append('}');
      } else if (allowed.contains(m.group(2))) {
        parts.add(literal.toString());
        literal.setLength(0);
        parts.add(m.group(2));
      } else {
        throw new IllegalArgumentException("unknown placeholder {" + m.group(2) + "}");
      }
      last = m.end();
    }
    literal.append(text.substring(last));
    parts.add(literal.toString());
    return new PromptTemplate(text, List.copyOf(parts));
  }

  /** The prompt with every placeholder replaced; a missing value is an empty string. */
  public String render(Map<String, String> values) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < parts.size(); i++) {
      if (i % 2 == 0) {
        out.append(parts.get(i));
      } else {
        String v = values.get(parts.get(i));
        out.append(v == null ? "" : v);
      }
    }
    return out.toString();
  }

  public String text() {
    return text;
  }

  @Override
  public String toString() {
    return text;
  }
}
