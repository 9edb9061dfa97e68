package dev.distill.job.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * A dotted path into a JSON record: {@code other.solution}, {@code final_answer[0]},
 * {@code solution[*]}, {@code items[-1].text}. Names may hold spaces ({@code Correct Answer}) but
 * not {@code . [ ] { } |}.
 */
public final class FieldPath implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * One value a path selects, with the concrete path that reaches it: {@code response[3]} for the
   * fourth element that {@code response[*]} selects.
   */
  public record Located(String path, JsonNode value) {
    /** The value as text by the ingest rules (see {@link ValueText}); null when null or blank. */
    public String text() {
      return ValueText.DEFAULT.of(value);
    }
  }

  private sealed interface Step extends Serializable permits Name, Index, All {}

  private record Name(String name) implements Step {}

  /** A list position; negative counts from the end ({@code [-1]} is the last element). */
  private record Index(int index) implements Step {}

  private record All() implements Step {}

  private final String text;
  private final List<Step> steps;

  private FieldPath(String text, List<Step> steps) {
    this.text = text;
    this.steps = List.copyOf(steps);
  }

  /**
   * Parses a path.
   *
   * @throws IllegalArgumentException with a message saying what is wrong, for the caller to wrap
   */
  public static FieldPath parse(String raw) {
    String text = raw == null ? "" : raw.strip();
    if (text.isEmpty()) {
      throw new IllegalArgumentException("the field path is empty");
    }
    List<Step> steps = new ArrayList<>();
    int i = 0;
    boolean expectName = true;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '[') {
        if (steps.isEmpty()) {
          throw new IllegalArgumentException("'" + text + "' starts with '[': name the field first, e.g. options[0]");
        }
        int close = closingBracket(text, i);
        steps.add(bracket(text, text.substring(i + 1, close).strip()));
        i = close + 1;
        expectName = false;
      } else if (c == '.') {
        if (expectName) {
          throw new IllegalArgumentException("'" + text + "' has an empty name at position " + (i + 1));
        }
        expectName = true;
        i++;
      } else {
        if (!expectName) {
          throw new IllegalArgumentException("'" + text + "' needs a '.' before the name at position " + (i + 1));
        }
        int end = nameEnd(text, i);
        steps.add(new Name(text.substring(i, end).strip()));
        i = end;
        expectName = false;
      }
    }
    if (expectName) {
      throw new IllegalArgumentException("'" + text + "' ends with '.'");
    }
    return new FieldPath(text, steps);
  }

  private static int closingBracket(String text, int open) {
    int close = text.indexOf(']', open);
    if (close < 0) {
      throw new IllegalArgumentException("'" + text + "' has '[' without a closing ']'");
    }
    return close;
  }

  /** Where the name starting at {@code start} ends: at the next '.' or '[', or the end of the path. */
  private static int nameEnd(String text, int start) {
    int end = start;
    while (end < text.length() && ".[".indexOf(text.charAt(end)) < 0) {
      if ("]{}|".indexOf(text.charAt(end)) >= 0) {
        throw new IllegalArgumentException("'" + text + "' holds '" + text.charAt(end) + "' at position " + (end + 1));
      }
      end++;
    }
    return end;
  }

  private static Step bracket(String text, String inside) {
    if (inside.equals("*")) {
      return new All();
    }
    try {
      return new Index(Integer.parseInt(inside));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' holds [" + inside + "]: a bracket takes a list index like [0] or [-1], or [*] for all elements");
    }
  }

  /** The path as written in the config. */
  public String text() {
    return text;
  }

  /** True when the path has {@code [*]} and may select several values. */
  public boolean fansOut() {
    return steps.stream().anyMatch(s -> s instanceof All);
  }

  /** The values the path selects, in document order; absent parts select nothing. */
  public List<JsonNode> resolve(JsonNode root) {
    List<JsonNode> current = List.of(root);
    for (Step step : steps) {
      List<JsonNode> next = new ArrayList<>();
      for (JsonNode node : current) {
        if (step instanceof Name name) {
          JsonNode child = node.isObject() ? node.get(name.name()) : null;
          if (child != null) {
            next.add(child);
          }
        } else if (step instanceof Index index) {
          if (node.isArray()) {
            int at = index.index() < 0 ? node.size() + index.index() : index.index();
            if (at >= 0 && at < node.size()) {
              next.add(node.get(at));
            }
          }
        } else if (node.isArray()) {
          node.forEach(next::add);
        }
      }
      current = next;
    }
    return current;
  }

  /**
   * The values the path selects, in document order, each with its concrete path (names joined by
   * dots, every list position written as the index it has, e.g. {@code items[2].text}); absent
   * parts select nothing.
   */
  public List<Located> locate(JsonNode root) {
    List<Located> current = List.of(new Located("", root));
    for (Step step : steps) {
      List<Located> next = new ArrayList<>();
      for (Located at : current) {
        JsonNode node = at.value();
        if (step instanceof Name name) {
          JsonNode child = node.isObject() ? node.get(name.name()) : null;
          if (child != null) {
            next.add(new Located(at.path().isEmpty() ? name.name() : at.path() + "." + name.name(), child));
          }
        } else if (step instanceof Index index) {
          if (node.isArray()) {
            int i = index.index() < 0 ? node.size() + index.index() : index.index();
            if (i >= 0 && i < node.size()) {
              next.add(new Located(at.path() + "[" + i + "]", node.get(i)));
            }
          }
        } else if (node.isArray()) {
          for (int i = 0; i < node.size(); i++) {
            next.add(new Located(at.path() + "[" + i + "]", node.get(i)));
          }
        }
      }
      current = next;
    }
    return current;
  }

  /**
   * Removes what this path reads from {@code record}, for the metadata of unused fields: the field
   * named by the leading names (all of {@code solution} for {@code solution[*]}); objects left
   * empty by the removal go too ({@code other} once {@code other.solution} is taken).
   */
  public void removeFrom(ObjectNode record) {
    List<String> names = new ArrayList<>();
    for (Step step : steps) {
      if (!(step instanceof Name name)) {
        break;
      }
      names.add(name.name());
    }
    remove(record, names, 0);
  }

  private static void remove(ObjectNode node, List<String> names, int at) {
    String name = names.get(at);
    if (at == names.size() - 1) {
      node.remove(name);
      return;
    }
    JsonNode child = node.get(name);
    if (child instanceof ObjectNode object) {
      remove(object, names, at + 1);
      if (object.isEmpty()) {
        node.remove(name);
      }
    }
  }

  @Override
  public String toString() {
    return text;
  }
}
