package dev.distill.job.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.job.source.FieldExpression;
import dev.distill.job.source.FieldPath;
import dev.distill.job.source.OptionsBlock;
import dev.distill.job.source.SourceSpec;
import dev.distill.job.source.ValueText;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Maps one source record onto the canonical candidate schema, following a {@link SourceSpec}.
 *
 * <ul>
 *   <li>{@code question} = passage + blank line + question + blank line + options block, the
 *       parts that exist. Options from a list are labelled {@code (A) }, {@code (B) }, ... unless
 *       they already carry their label; a single string of options is appended as it is.
 *   <li>No question: {@link RecordException} ({@code missing_question}); the caller quarantines
 *       the row. No answer is not an error, even with {@code answer_required}: the row keeps a
 *       null answer and the quality stage drops it with a reason.
 *   <li>{@code level} is kept as given, numbers included ({@code 7}, {@code 4.0}).
 *   <li>{@code grades}: model to (its prediction equals the reference, ignoring case and
 *       whitespace); a model without a prediction counts as wrong. Null when either is absent.
 *   <li>{@code metadata}: compact JSON of the record's fields that no expression reads, in
 *       source order, then {@code source_id}, {@code pass_correct}, {@code pass_total} where
 *       configured.
 * </ul>
 */
public final class RecordMapper {
  /** One candidate row on the canonical schema (without the content id, added by ingest). */
  public record CanonicalRecord(
      String source,
      String question,
      String solution,
      String answer,
      String cotType,
      String subject,
      String level,
      String trace,
      String attempt,
      /* nullable */ Map<String, Boolean> grades,
      String metadata,
      String origin) implements Serializable {}

  public static final String SOURCE_ID = "source_id";
  public static final String PASS_CORRECT = "pass_correct";
  public static final String PASS_TOTAL = "pass_total";

  private RecordMapper() {}

  /**
   * Maps {@code record}.
   *
   * @param origin where the record came from, {@code file#line}, carried into the row
   * @throws RecordException when the record is not an object, has no question, or its grades
   *     field is not a map
   */
  public static CanonicalRecord map(SourceSpec spec, JsonNode record, String origin) {
    if (record == null || !record.isObject()) {
      throw new RecordException("not_an_object", "not an object: the record is " + RecordReader.kind(record) + ", expected a JSON object");
    }
    ValueText text = spec.valueText();
    return new CanonicalRecord(
        spec.name(),
        question(spec, record, text),
        field(spec, SourceSpec.SOLUTION, record, text),
        field(spec, SourceSpec.ANSWER, record, text),
        spec.cotType(),
        field(spec, SourceSpec.SUBJECT, record, text),
        field(spec, SourceSpec.LEVEL, record, text.numbersAsGiven()),
        field(spec, SourceSpec.TRACE, record, text),
        field(spec, SourceSpec.ATTEMPT, record, text),
        grades(spec, record, text),
        metadata(spec, (ObjectNode) record, text),
        origin);
  }

  /** Passage, question and options block, the parts that exist, a blank line apart. */
  private static String question(SourceSpec spec, JsonNode record, ValueText text) {
    FieldExpression questionField = spec.fields().get(SourceSpec.QUESTION);
    String question = questionField.evaluate(record, text);
    if (question == null) {
      throw new RecordException("missing_question", "missing question: " + questionField.describe()
          + (questionField.isAlternatives() ? " are" : " is") + " absent or empty");
    }
    List<String> parts = new ArrayList<>(3);
    if (spec.passage() != null) {
      addIfPresent(parts, spec.passage().evaluate(record, text));
    }
    parts.add(question);
    if (spec.options() != null) {
      addIfPresent(parts, OptionsBlock.format(spec.options().resolve(record, text), text));
    }
    return String.join("\n\n", parts);
  }

  private static void addIfPresent(List<String> parts, String part) {
    if (part != null) {
      parts.add(part);
    }
  }

  private static String field(SourceSpec spec, String name, JsonNode record, ValueText text) {
    FieldExpression expression = spec.fields().get(name);
    return expression == null ? spec.constants().get(name) : expression.evaluate(record, text);
  }

  private static Map<String, Boolean> grades(SourceSpec spec, JsonNode record, ValueText text) {
    SourceSpec.Grades grades = spec.grades();
    if (grades == null) {
      return null;
    }
    JsonNode predictions = grades.predictions().resolve(record, text);
    String reference = grades.reference().evaluate(record, text);
    if (predictions == null || reference == null) {
      return null;
    }
    if (!predictions.isObject()) {
      throw new RecordException("bad_grades", "bad grades: " + grades.predictions().describe() + " holds "
          + RecordReader.kind(predictions) + ", expected an object of model -> prediction");
    }
    String expected = comparable(reference);
    Map<String, Boolean> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> model : predictions.properties()) {
      String prediction = text.of(model.getValue());
      out.put(model.getKey(), prediction != null && comparable(prediction).equals(expected));
    }
    return Collections.unmodifiableMap(out);
  }

  private static String comparable(String value) {
    return value.replaceAll("\\s+", "").toLowerCase(Locale.ROOT);
  }

  private static String metadata(SourceSpec spec, ObjectNode record, ValueText text) {
    ObjectNode rest = record.deepCopy();
    for (FieldPath path : usedPaths(spec)) {
      path.removeFrom(rest);
    }
    if (spec.idField() != null) {
      String id = spec.idField().evaluate(record, text);
      if (id != null) {
        rest.put(SOURCE_ID, id);
      }
    }
    if (spec.passCounts() != null) {
      putIfPresent(rest, PASS_CORRECT, spec.passCounts().correct().resolve(record, text));
      putIfPresent(rest, PASS_TOTAL, spec.passCounts().total().resolve(record, text));
    }
    try {
      return RecordReader.JSON.writeValueAsString(rest);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot write metadata as JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static void putIfPresent(ObjectNode target, String name, JsonNode value) {
    if (value != null) {
      target.set(name, value.deepCopy());
    }
  }

  private static List<FieldPath> usedPaths(SourceSpec spec) {
    List<FieldPath> used = new ArrayList<>();
    spec.fields().values().forEach(e -> used.addAll(e.paths()));
    for (FieldExpression e : new FieldExpression[] {spec.options(), spec.passage(), spec.idField()}) {
      if (e != null) {
        used.addAll(e.paths());
      }
    }
    if (spec.grades() != null) {
      used.addAll(spec.grades().predictions().paths());
      used.addAll(spec.grades().reference().paths());
    }
    if (spec.passCounts() != null) {
      used.addAll(spec.passCounts().correct().paths());
      used.addAll(spec.passCounts().total().paths());
    }
    return used;
  }
}
