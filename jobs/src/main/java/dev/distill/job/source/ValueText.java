package dev.distill.job.source;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Turns a JSON value into the text of a canonical field. Strings are stripped; numbers print
 * without a trailing {@code .0} when integral ({@code 43.0 -> "43"}, {@code 0.25} stays); lists of
 * scalars join with {@code ", "}; objects and other lists print as compact JSON. Blank results and
 * the source's {@code null_values} (e.g. {@code NONE}) count as absent and give {@code null}.
 */
public final class ValueText implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final ValueText DEFAULT = new ValueText(Set.of(), false);

  private final Set<String> nullValues;
  private final boolean numbersAsGiven;

  ValueText(Set<String> nullValues, boolean numbersAsGiven) {
    this.nullValues = Set.copyOf(nullValues);
    this.numbersAsGiven = numbersAsGiven;
  }

  /** The same rules, but numbers keep their JSON text ({@code 4.0} stays "4.0"): for levels. */
  public ValueText numbersAsGiven() {
    return new ValueText(nullValues, true);
  }

  /** The text of {@code node}, or null when it is absent, null, blank or a null value. */
  public String of(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return null;
    }
    String text;
    if (node.isTextual()) {
      text = node.textValue();
    } else if (node.isNumber()) {
      text = numbersAsGiven ? node.toString() : number(node);
    } else if (node.isBoolean()) {
      text = node.asText();
    } else if (node.isArray()) {
      text = array(node);
    } else if (node.isObject()) {
      text = node.isEmpty() ? null : node.toString();
    } else {
      text = node.asText();
    }
    if (text == null) {
      return null;
    }
    text = text.strip();
    return text.isEmpty() || nullValues.contains(text) ? null : text;
  }

  private String array(JsonNode array) {
    List<String> parts = new ArrayList<>();
    for (JsonNode element : array) {
      if (element.isContainerNode()) {
        return array.toString();
      }
      String part = of(element);
      if (part != null) {
        parts.add(part);
      }
    }
    return String.join(", ", parts);
  }

  private static String number(JsonNode node) {
    if (node.isIntegralNumber()) {
      return node.asText();
    }
    double value = node.doubleValue();
    if (Double.isFinite(value) && value == Math.rint(value) && Math.abs(value) < 1e18) {
      return Long.toString((long) value);
    }
    return node.asText();
  }
}
