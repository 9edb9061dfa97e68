package dev.distill.job.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Where a canonical field's value comes from in a source record. Three shapes, as written in the
 * source config:
 *
 * <ul>
 *   <li>a path: {@code problem}, {@code other.solution}, {@code final_answer[0]} (a list index;
 *       {@code [-1]} is the last), {@code solution[*]} (every element, joined with a blank line).
 *       A list of scalars read without {@code [*]} is joined with {@code ", "} (["3", "5"] gives
 *       "3, 5"); integral numbers print without {@code .0}.
 *   <li>a YAML list of expressions: the first one with a non-empty value wins, e.g.
 *       {@code [label, answer]}.
 *   <li>a template, any string holding {@code {path}} placeholders: {@code "{Body} {Question}"}.
 *       Missing placeholders give empty text; the result is stripped. A placeholder may end with
 *       the filter {@code |letter}, which turns a 0-based index into a letter
 *       ({@code "{answer|letter}"}: 2 gives "C").
 * </ul>
 *
 * <p>Every value is stripped; a blank value counts as absent.
 */
public final class FieldExpression implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Filters a template placeholder may apply, as in {@code {answer|letter}}. */
  public static final Set<String> FILTERS = Set.of("letter");

  private enum Kind { PATH, TEMPLATE, FIRST_OF }

  /** One piece of a template: literal text, or a placeholder (path plus optional filter). */
  private record Piece(String literal, FieldPath path, String filter) implements Serializable {}

  private final Kind kind;
  private final String source;
  private final FieldPath path;
  private final List<Piece> pieces;
  private final List<FieldExpression> alternatives;

  private FieldExpression(Kind kind, String source, FieldPath path, List<Piece> pieces, List<FieldExpression> alternatives) {
    this.kind = kind;
    this.source = source;
    this.path = path;
    this.pieces = pieces;
    this.alternatives = alternatives;
  }

  /**
   * Parses an expression from its config value: a string (path or template) or a list of strings.
   *
   * @param keyPath the config key holding it, e.g. {@code sources[3].fields.question}, for errors
   * @throws SourceConfigException naming {@code keyPath} when the expression is malformed
   */
  public static FieldExpression parse(Object raw, String keyPath) {
    if (raw instanceof List<?> list) {
      if (list.isEmpty()) {
        throw SourceConfigException.sourceKey(keyPath, "the list of alternatives is empty",
            "give at least one field, e.g. [label, answer]");
      }
      List<FieldExpression> alternatives = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        Object item = list.get(i);
        if (!(item instanceof String)) {
          throw SourceConfigException.sourceKey(keyPath + "[" + i + "]", "expected a field path or template string but got " + describeValue(item),
              "write each alternative as a string, e.g. [label, answer]");
        }
        alternatives.add(parse(item, keyPath + "[" + i + "]"));
      }
      String source = alternatives.stream().map(FieldExpression::source).collect(Collectors.joining(", ", "[", "]"));
      return new FieldExpression(Kind.FIRST_OF, source, null, List.of(), List.copyOf(alternatives));
    }
    if (!(raw instanceof String text) || text.isBlank()) {
      throw SourceConfigException.sourceKey(keyPath, "expected a field path, a template or a list of them but got " + describeValue(raw),
          "write e.g. problem, other.solution, solution[*], [label, answer] or \"{Body} {Question}\"");
    }
    try {
      if (text.indexOf('{') >= 0 || text.indexOf('}') >= 0) {
        return new FieldExpression(Kind.TEMPLATE, text, null, List.copyOf(template(text)), List.of());
      }
      return new FieldExpression(Kind.PATH, text.strip(), FieldPath.parse(text), List.of(), List.of());
    } catch (IllegalArgumentException e) {
      throw SourceConfigException.sourceKey(keyPath, "invalid field expression: " + e.getMessage(),
          "write a dotted path such as other.solution, with [0] or [*] for lists, or a template such as \"{Body} {Question}\"");
    }
  }

  private static List<Piece> template(String text) {
    List<Piece> pieces = new ArrayList<>();
    int i = 0;
    while (i < text.length()) {
      int open = text.indexOf('{', i);
      int strayClose = text.indexOf('}', i);
      if (strayClose >= 0 && (open < 0 || strayClose < open)) {
        throw new IllegalArgumentException("template '" + text + "' has '}' without '{' at position " + (strayClose + 1));
      }
      if (open < 0) {
        pieces.add(new Piece(text.substring(i), null, null));
        break;
      }
      if (open > i) {
        pieces.add(new Piece(text.substring(i, open), null, null));
      }
      int close = text.indexOf('}', open);
      if (close < 0) {
        throw new IllegalArgumentException("template '" + text + "' has '{' without '}' at position " + (open + 1));
      }
      String inside = text.substring(open + 1, close);
      String filter = null;
      int bar = inside.indexOf('|');
      if (bar >= 0) {
        filter = inside.substring(bar + 1).strip();
        inside = inside.substring(0, bar);
        if (!FILTERS.contains(filter)) {
          throw new IllegalArgumentException("template '" + text + "' uses the unknown filter '" + filter + "' (known: " + String.join(", ", FILTERS) + ")");
        }
      }
      if (inside.indexOf('{') >= 0) {
        throw new IllegalArgumentException("template '" + text + "' nests '{' inside a placeholder");
      }
      pieces.add(new Piece(null, FieldPath.parse(inside), filter));
      i = close + 1;
    }
    return pieces;
  }

  /** The expression as written in the config. */
  public String source() {
    return source;
  }

  /**
   * The value of this expression in {@code record} as text, or null when absent or blank. Uses
   * the default text rules (no null values).
   */
  public String evaluate(JsonNode record) {
    return evaluate(record, ValueText.DEFAULT);
  }

  public String evaluate(JsonNode record, ValueText text) {
    switch (kind) {
      case PATH:
        return pathText(path, record, text);
      case TEMPLATE:
        StringBuilder out = new StringBuilder();
        for (Piece piece : pieces) {
          if (piece.literal() != null) {
            out.append(piece.literal());
          } else {
            String value = pathText(piece.path(), record, text);
            if (value != null) {
              out.append("letter".equals(piece.filter()) ? indexToLetter(value) : value);
            }
          }
        }
        String result = out.toString().strip();
        return result.isEmpty() ? null : result;
      default:
        for (FieldExpression alternative : alternatives) {
          String value = alternative.evaluate(record, text);
          if (value != null) {
            return value;
          }
        }
        return null;
    }
  }

  /**
   * The JSON value this expression selects, for fields that need structure (options, the
   * predictions map, pass counts): a path's node (an array of the matches for {@code [*]}), a
   * template's text, the first alternative that has a value; null when absent.
   */
  public JsonNode resolve(JsonNode record, ValueText text) {
    switch (kind) {
      case PATH:
        List<JsonNode> nodes = path.resolve(record);
        if (path.fansOut()) {
          ArrayNode array = JsonNodeFactory.instance.arrayNode();
          nodes.forEach(array::add);
          return array.isEmpty() ? null : array;
        }
        return nodes.isEmpty() || text.of(nodes.get(0)) == null ? null : nodes.get(0);
      case TEMPLATE:
        String value = evaluate(record, text);
        return value == null ? null : JsonNodeFactory.instance.textNode(value);
      default:
        for (FieldExpression alternative : alternatives) {
          JsonNode node = alternative.resolve(record, text);
          if (node != null) {
            return node;
          }
        }
        return null;
    }
  }

  /** Every path this expression reads, for leaving them out of the metadata. */
  public List<FieldPath> paths() {
    List<FieldPath> out = new ArrayList<>();
    switch (kind) {
      case PATH -> out.add(path);
      case TEMPLATE -> pieces.stream().filter(p -> p.path() != null).forEach(p -> out.add(p.path()));
      default -> alternatives.forEach(a -> out.addAll(a.paths()));
    }
    return out;
  }

  /** True for a list of alternatives, described as several fields. */
  public boolean isAlternatives() {
    return kind == Kind.FIRST_OF;
  }

  /** For messages: {@code field 'problem'}, {@code fields 'label', 'answer'}, {@code template '{Body} {Question}'}. */
  public String describe() {
    switch (kind) {
      case PATH:
        return "field '" + source + "'";
      case TEMPLATE:
        return "template '" + source + "'";
      default:
        return "fields " + paths().stream().map(p -> "'" + p.text() + "'").collect(Collectors.joining(", "));
    }
  }

  private static String pathText(FieldPath path, JsonNode record, ValueText text) {
    List<JsonNode> nodes = path.resolve(record);
    if (!path.fansOut()) {
      return nodes.isEmpty() ? null : text.of(nodes.get(0));
    }
    List<String> parts = new ArrayList<>();
    for (JsonNode node : nodes) {
      String part = text.of(node);
      if (part != null) {
        parts.add(part);
      }
    }
    return parts.isEmpty() ? null : String.join("\n\n", parts);
  }

  private static String indexToLetter(String value) {
    if (value.matches("\\d{1,4}")) {
      return OptionsBlock.letter(Integer.parseInt(value));
    }
    return value;
  }

  public static String describeValue(Object value) {
    if (value == null) {
      return "nothing";
    }
    if (value instanceof String s) {
      return s.isBlank() ? "an empty string" : "the string '" + s + "'";
    }
    if (value instanceof List) {
      return "a list";
    }
    if (value instanceof Map) {
      return "a map";
    }
    return "the " + value.getClass().getSimpleName().toLowerCase(Locale.ROOT) + " " + value;
  }

  @Override
  public String toString() {
    return source;
  }
}
