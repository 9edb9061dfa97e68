package dev.distill.job.grade;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.error.ConfigException;
import dev.distill.job.source.FieldPath;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Selects text from a row with a field path: dots for nested fields, {@code [i]} for a list
 * position, {@code [*]} for every element ({@code 6b_finetuning.solution}, {@code response[*]}).
 * A response path may fan out (each selected response is graded on its own); a reference path
 * selects one value per row (a list of plain values reads as their comma-separated text).
 */
public final class ResponseSelector {
  private final String option;
  private final FieldPath path;
  private final boolean single;

  private ResponseSelector(String option, FieldPath path, boolean single) {
    this.option = option;
    this.path = path;
    this.single = single;
  }

  /** The selector for {@code --response}: any number of values per row. */
  public static ResponseSelector responses(String path) {
    return new ResponseSelector("--response", parse("--response", path), false);
  }

  /** The selector for {@code --reference}: one value per row, no {@code [*]}. */
  public static ResponseSelector reference(String path) {
    FieldPath parsed = parse("--reference", path);
    if (parsed.fansOut()) {
      throw new ConfigException("Cannot grade with --reference '" + path + "': [*] selects several references per row;"
          + " give the one field holding the reference answer, e.g. answer or final_answer[0]");
    }
    return new ResponseSelector("--reference", parsed, true);
  }

  private static FieldPath parse(String option, String path) {
    try {
      return FieldPath.parse(path);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("Cannot grade with " + option + " '" + path + "': " + e.getMessage()
          + "; write a dotted path such as 6b_finetuning.solution, with [0] or [*] for lists");
    }
  }

  /** The path as given. */
  public String path() {
    return path.text();
  }

  /**
   * The values the path selects in one row, in document order, each with its concrete path; empty
   * when the row has nothing there.
   *
   * @throws ConfigException when the path selects a list or an object where text is expected (the
   *     message names the row and suggests the path that would work)
   */
  public List<FieldPath.Located> select(JsonNode record, long row) {
    List<FieldPath.Located> found = path.locate(record);
    for (FieldPath.Located at : found) {
      JsonNode value = at.value();
      if (value.isObject()) {
        throw new ConfigException("Cannot grade with " + option + " '" + path.text() + "': in row " + row + " it selects an object"
            + " with the fields " + fieldNames(value) + "; add the field holding the text, e.g. " + path.text() + "."
            + firstTextField(value));
      }
      if (value.isArray() && (!single || hasContainer(value))) {
        throw new ConfigException("Cannot grade with " + option + " '" + path.text() + "': in row " + row + " it selects a list of "
            + value.size() + " values; " + (single ? "pick one element, e.g. " + at.path() + "[0]"
            : "grade each element with " + at.path() + "[*], or pick one with " + at.path() + "[0]"));
      }
    }
    return found;
  }

  /** For messages: the top-level fields of a row, so that a user can correct a path that selects nothing. */
  static String fieldNames(JsonNode record) {
    List<String> names = new ArrayList<>();
    Iterator<String> it = record.fieldNames();
    while (it.hasNext() && names.size() < 20) {
      names.add(it.next());
    }
    return names.toString();
  }

  private static String firstTextField(JsonNode object) {
    Iterator<String> it = object.fieldNames();
    while (it.hasNext()) {
      String name = it.next();
      if (object.get(name).isTextual()) {
        return name;
      }
    }
    return object.fieldNames().hasNext() ? object.fieldNames().next() : "text";
  }

  private static boolean hasContainer(JsonNode array) {
    for (JsonNode element : array) {
      if (element.isContainerNode()) {
        return true;
      }
    }
    return false;
  }
}
