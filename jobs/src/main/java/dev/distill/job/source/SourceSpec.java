package dev.distill.job.source;

import dev.distill.job.error.KeySuggestions;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One entry of {@code sources:} in the config: which files to read and how their fields map onto
 * the canonical candidate schema. Keys:
 *
 * <dl>
 *   <dt>{@code name} (required)
 *   <dd>Source name, kept in the {@code source} column, e.g. {@code math/test}.
 *   <dt>{@code path} (required)
 *   <dd>A file, directory or glob, or a list of them; relative paths are resolved by the caller.
 *   <dt>{@code format} (default {@code auto})
 *   <dd>{@code auto} | {@code jsonl} | {@code json} | {@code csv} | {@code parquet}; see {@code ingest.RecordReader}.
 *   <dt>{@code records} (default: auto)
 *   <dd>For a JSON file holding one object: dotted path to the array of records in it, e.g.
 *       {@code example}. Auto: the object's only field that holds an array of objects.
 *   <dt>{@code cot_type} (default {@code math})
 *   <dd>Constant {@code cot_type} of every row: math, science, law, reading, ...
 *   <dt>{@code constants}
 *   <dd>Canonical field to constant text, e.g. {@code {subject: Biology}}; any canonical field but
 *       {@code question}, and not one that {@code fields} also maps.
 *   <dt>{@code fields} ({@code question} required)
 *   <dd>Canonical field to {@link FieldExpression}, for question, solution, answer, subject, level, trace, attempt.
 *   <dt>{@code options}
 *   <dd>Expression for multiple-choice options, appended to the question (see {@code ingest.RecordMapper}).
 *   <dt>{@code passage}
 *   <dd>Expression for a reading passage, put before the question.
 *   <dt>{@code grades}
 *   <dd>{@code {predictions: <field holding a map model -> prediction>, reference: <expression>}}:
 *       the {@code grades} column, model to (prediction equals reference, ignoring case and spaces).
 *   <dt>{@code pass_counts}
 *   <dd>{@code {correct: <expression>, total: <expression>}}: kept in metadata as
 *       {@code pass_correct} and {@code pass_total}, a difficulty signal.
 *   <dt>{@code answer_required} (default false)
 *   <dd>A row without an answer is kept by ingest, and dropped with a reason by the quality stage.
 *   <dt>{@code id_field}
 *   <dd>Expression for the source's own id, kept in metadata as {@code source_id}.
 *   <dt>{@code null_values}
 *   <dd>Texts that mean "no value" in this source, e.g. {@code [NONE, "None."]}: a field whose
 *       stripped value equals one of them counts as absent.
 * </dl>
 *
 * <p>Unknown keys are rejected with the list of valid ones. Instances are immutable.
 */
public final class SourceSpec implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final String NAME = "name";
  public static final String PATH = "path";
  public static final String FORMAT = "format";
  public static final String RECORDS = "records";
  public static final String COT_TYPE = "cot_type";
  public static final String CONSTANTS = "constants";
  public static final String FIELDS = "fields";
  public static final String OPTIONS = "options";
  public static final String PASSAGE = "passage";
  public static final String GRADES = "grades";
  public static final String PASS_COUNTS = "pass_counts";
  public static final String ANSWER_REQUIRED = "answer_required";
  public static final String ID_FIELD = "id_field";
  public static final String NULL_VALUES = "null_values";

  /** Every key a source may have, in documentation order. */
  public static final List<String> KEYS = List.of(NAME, PATH, FORMAT, RECORDS, COT_TYPE, CONSTANTS, FIELDS, OPTIONS,
      PASSAGE, GRADES, PASS_COUNTS, ANSWER_REQUIRED, ID_FIELD, NULL_VALUES);

  public static final String QUESTION = "question";
  public static final String SOLUTION = "solution";
  public static final String ANSWER = "answer";
  public static final String SUBJECT = "subject";
  public static final String LEVEL = "level";
  public static final String TRACE = "trace";
  public static final String ATTEMPT = "attempt";
  static final String CANONICAL_FIELDS_TEXT = "question, solution, answer, subject, level, trace, attempt";
  /** Canonical fields that {@code fields} and {@code constants} may map. */
  public static final List<String> CANONICAL_FIELDS = List.of(QUESTION, SOLUTION, ANSWER, SUBJECT, LEVEL, TRACE, ATTEMPT);

  public static final String DEFAULT_COT_TYPE = "math";

  private static final List<String> GRADES_KEYS = List.of("predictions", "reference");
  private static final List<String> PASS_COUNTS_KEYS = List.of("correct", "total");

  /** {@code grades}: where the per-model predictions and the reference answer are. */
  public record Grades(FieldExpression predictions, FieldExpression reference) implements Serializable {}

  /** {@code pass_counts}: how many models got the question right, out of how many. */
  public record PassCounts(FieldExpression correct, FieldExpression total) implements Serializable {}

  private final String keyPath;
  private final String name;
  private final List<String> paths;
  private final SourceFormat format;
  private final String records;
  private final String cotType;
  private final Map<String, String> constants;
  private final Map<String, FieldExpression> fields;
  private final FieldExpression options;
  private final FieldExpression passage;
  private final Grades grades;
  private final PassCounts passCounts;
  private final boolean answerRequired;
  private final FieldExpression idField;
  private final Set<String> nullValues;

  private SourceSpec(Map<String, Object> raw, String keyPath) {
    this.keyPath = keyPath;
    for (String key : raw.keySet()) {
      if (!KEYS.contains(key)) {
        throw SourceConfigException.sourceKey(keyPath + "." + key, "unknown key", KeySuggestions.didYouMean(key, KEYS, keyPath)
            + "use one of " + String.join(", ", KEYS));
      }
    }
    this.name = requiredString(raw, NAME, "name the source, e.g. name: math/test");
    this.paths = paths(raw.get(PATH), keyPath + "." + PATH);
    this.format = format(raw.get(FORMAT), keyPath + "." + FORMAT);
    this.records = records(raw.get(RECORDS), keyPath + "." + RECORDS);
    String cot = optionalString(raw, COT_TYPE);
    this.cotType = cot == null ? DEFAULT_COT_TYPE : cot;
    this.fields = fields(raw.get(FIELDS), keyPath + "." + FIELDS);
    this.constants = constants(raw.get(CONSTANTS), keyPath + "." + CONSTANTS, fields);
    this.options = optionalExpression(raw, OPTIONS);
    this.passage = optionalExpression(raw, PASSAGE);
    Map<String, FieldExpression> g = pair(raw.get(GRADES), keyPath + "." + GRADES, GRADES_KEYS,
        "{predictions: model_preds, reference: answer}");
    this.grades = g == null ? null : new Grades(g.get("predictions"), g.get("reference"));
    Map<String, FieldExpression> p = pair(raw.get(PASS_COUNTS), keyPath + "." + PASS_COUNTS, PASS_COUNTS_KEYS,
        "{correct: n_models_correct, total: n_models}");
    this.passCounts = p == null ? null : new PassCounts(p.get("correct"), p.get("total"));
    this.answerRequired = bool(raw.get(ANSWER_REQUIRED), keyPath + "." + ANSWER_REQUIRED);
    this.idField = optionalExpression(raw, ID_FIELD);
    this.nullValues = nullValues(raw.get(NULL_VALUES), keyPath + "." + NULL_VALUES);
  }

  /**
   * Reads and validates one source.
   *
   * @param raw the source's map as read from YAML (after environment substitution)
   * @param keyPath where it is in the config, e.g. {@code sources[3]}, used in every error
   * @throws SourceConfigException naming the exact key, why, and how to fix it
   */
  public static SourceSpec fromMap(Map<String, Object> raw, String keyPath) {
    if (raw == null) {
      throw SourceConfigException.sourceKey(keyPath, "the source is empty", "give at least name, path and fields.question");
    }
    return new SourceSpec(raw, keyPath);
  }

  private String requiredString(Map<String, Object> raw, String key, String fix) {
    String value = optionalString(raw, key);
    if (value == null) {
      throw SourceConfigException.sourceKey(keyPath + "." + key, "it is missing", fix);
    }
    return value;
  }

  private String optionalString(Map<String, Object> raw, String key) {
    Object value = raw.get(key);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String) && !(value instanceof Number) && !(value instanceof Boolean)) {
      throw SourceConfigException.sourceKey(keyPath + "." + key, "expected text but got " + FieldExpression.describeValue(value), "write a single value");
    }
    String text = String.valueOf(value).strip();
    if (text.isEmpty()) {
      throw SourceConfigException.sourceKey(keyPath + "." + key, "it is empty", "give a value or leave the key out");
    }
    return text;
  }

  private FieldExpression optionalExpression(Map<String, Object> raw, String key) {
    Object value = raw.get(key);
    return value == null ? null : FieldExpression.parse(value, keyPath + "." + key);
  }

  private static List<String> paths(Object raw, String key) {
    List<String> out = new ArrayList<>();
    if (raw instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        Object item = list.get(i);
        if (!(item instanceof String s) || s.isBlank()) {
          throw SourceConfigException.sourceKey(key + "[" + i + "]", "expected a file, directory or glob but got " + FieldExpression.describeValue(item),
              "write each path as a string");
        }
        out.add(s.strip());
      }
    } else if (raw instanceof String s && !s.isBlank()) {
      out.add(s.strip());
    } else if (raw != null) {
      throw SourceConfigException.sourceKey(key, "expected a path or a list of paths but got " + FieldExpression.describeValue(raw),
          "write e.g. path: ${DISTILL_DATA}/pool/math/*.jsonl");
    }
    if (out.isEmpty()) {
      throw SourceConfigException.sourceKey(key, "it is missing", "give the file, directory or glob of the source, or a list of them");
    }
    return List.copyOf(out);
  }

  private static SourceFormat format(Object raw, String key) {
    if (raw == null) {
      return SourceFormat.AUTO;
    }
    List<String> names = new ArrayList<>();
    for (SourceFormat f : SourceFormat.values()) {
      names.add(f.configName());
      if (f.configName().equals(String.valueOf(raw).strip().toLowerCase(Locale.ROOT))) {
        return f;
      }
    }
    throw SourceConfigException.sourceKey(key, "unknown format '" + raw + "'", "use one of " + String.join(", ", names));
  }

  private static String records(Object raw, String key) {
    if (raw == null) {
      return null;
    }
    if (!(raw instanceof String s) || s.isBlank()) {
      throw SourceConfigException.sourceKey(key, "expected a dotted path but got " + FieldExpression.describeValue(raw),
          "name the field holding the array of records, e.g. records: example");
    }
    String path = s.strip();
    for (String part : path.split("\\.", -1)) {
      if (part.isBlank() || part.contains("[") || part.contains("]")) {
        throw SourceConfigException.sourceKey(key, "invalid records path '" + path + "'",
            "write field names separated by dots, e.g. records: data.rows");
      }
    }
    return path;
  }

  private static Map<String, FieldExpression> fields(Object raw, String key) {
    if (!(raw instanceof Map<?, ?> map)) {
      if (raw == null) {
        throw SourceConfigException.sourceKey(key + "." + QUESTION, "it is missing",
            "map the source field holding the problem text, e.g. fields: {question: problem}");
      }
      throw SourceConfigException.sourceKey(key, "expected a map of canonical field to source field but got " + FieldExpression.describeValue(raw),
          "write e.g. fields: {question: problem, answer: answer}");
    }
    Map<String, FieldExpression> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> entry : map.entrySet()) {
      String field = String.valueOf(entry.getKey());
      if (!CANONICAL_FIELDS.contains(field)) {
        throw SourceConfigException.sourceKey(key + "." + field, "unknown canonical field",
            "use one of " + CANONICAL_FIELDS_TEXT + " (the source's own field names go on the right: question: problem)");
      }
      out.put(field, FieldExpression.parse(entry.getValue(), key + "." + field));
    }
    if (!out.containsKey(QUESTION)) {
      throw SourceConfigException.sourceKey(key + "." + QUESTION, "it is missing",
          "map the source field holding the problem text, e.g. fields: {question: problem}");
    }
    return Collections.unmodifiableMap(out);
  }

  private static Map<String, String> constants(Object raw, String key, Map<String, FieldExpression> fields) {
    if (raw == null) {
      return Map.of();
    }
    if (!(raw instanceof Map<?, ?> map)) {
      throw SourceConfigException.sourceKey(key, "expected a map of canonical field to text but got " + FieldExpression.describeValue(raw),
          "write e.g. constants: {subject: Biology}");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> entry : map.entrySet()) {
      String field = String.valueOf(entry.getKey());
      String at = key + "." + field;
      if (!CANONICAL_FIELDS.contains(field) || QUESTION.equals(field)) {
        throw SourceConfigException.sourceKey(at, "unknown or unsupported canonical field for a constant",
            "use one of solution, answer, subject, level, trace, attempt");
      }
      if (fields.containsKey(field)) {
        throw SourceConfigException.sourceKey(at, "fields." + field + " maps the same field", "keep either the constant or the field mapping");
      }
      Object value = entry.getValue();
      if (value == null || value instanceof Map || value instanceof List || String.valueOf(value).isBlank()) {
        throw SourceConfigException.sourceKey(at, "expected text but got " + FieldExpression.describeValue(value), "write a single value, e.g. subject: Biology");
      }
      out.put(field, String.valueOf(value).strip());
    }
    return Collections.unmodifiableMap(out);
  }

  private static Map<String, FieldExpression> pair(Object raw, String key, List<String> keys, String example) {
    if (raw == null) {
      return null;
    }
    if (!(raw instanceof Map<?, ?> map)) {
      throw SourceConfigException.sourceKey(key, "expected a map but got " + FieldExpression.describeValue(raw), "write e.g. " + example);
    }
    for (Object k : map.keySet()) {
      if (!keys.contains(String.valueOf(k))) {
        throw SourceConfigException.sourceKey(key + "." + k, "unknown key", "use " + String.join(" and ", keys) + ", e.g. " + example);
      }
    }
    Map<String, FieldExpression> out = new LinkedHashMap<>();
    for (String k : keys) {
      if (map.get(k) == null) {
        throw SourceConfigException.sourceKey(key + "." + k, "it is missing", "give both " + String.join(" and ", keys) + ", e.g. " + example);
      }
      out.put(k, FieldExpression.parse(map.get(k), key + "." + k));
    }
    return out;
  }

  private static boolean bool(Object raw, String key) {
    if (raw == null) {
      return false;
    }
    if (raw instanceof Boolean b) {
      return b;
    }
    throw SourceConfigException.sourceKey(key, "expected true or false but got " + FieldExpression.describeValue(raw), "write answer_required: true");
  }

  private static Set<String> nullValues(Object raw, String key) {
    if (raw == null) {
      return Set.of();
    }
    List<?> list = raw instanceof List<?> l ? l : List.of(raw);
    Set<String> out = new LinkedHashSet<>();
    for (int i = 0; i < list.size(); i++) {
      Object item = list.get(i);
      if (item == null || item instanceof Map || item instanceof List || String.valueOf(item).isBlank()) {
        throw SourceConfigException.sourceKey(key + "[" + i + "]", "expected text but got " + FieldExpression.describeValue(item),
            "list the texts that mean no value, e.g. null_values: [NONE, \"None.\"]");
      }
      out.add(String.valueOf(item).strip());
    }
    return Collections.unmodifiableSet(out);
  }

  /** Where this source is in the config, e.g. {@code sources[3]}. */
  public String keyPath() {
    return keyPath;
  }

  /** {@code name}: the value of the {@code source} column. */
  public String name() {
    return name;
  }

  /** {@code path}: files, directories or globs, as configured (at least one). */
  public List<String> paths() {
    return paths;
  }

  /** {@code format}; {@link SourceFormat#AUTO} unless configured. */
  public SourceFormat format() {
    return format;
  }

  /** {@code records}: dotted path of the record array in a JSON object, or null for auto. */
  public String records() {
    return records;
  }

  /** {@code cot_type}; {@value #DEFAULT_COT_TYPE} unless configured. */
  public String cotType() {
    return cotType;
  }

  /** {@code constants}: canonical field to constant text. */
  public Map<String, String> constants() {
    return constants;
  }

  /** {@code fields}: canonical field to expression; always holds {@code question}. */
  public Map<String, FieldExpression> fields() {
    return fields;
  }

  /** {@code options}, or null. */
  public FieldExpression options() {
    return options;
  }

  /** {@code passage}, or null. */
  public FieldExpression passage() {
    return passage;
  }

  /** {@code grades}, or null. */
  public Grades grades() {
    return grades;
  }

  /** {@code pass_counts}, or null. */
  public PassCounts passCounts() {
    return passCounts;
  }

  /** {@code answer_required}: the quality stage drops rows of this source that have no answer. */
  public boolean answerRequired() {
    return answerRequired;
  }

  /** {@code id_field}, or null. */
  public FieldExpression idField() {
    return idField;
  }

  /** {@code null_values}: texts that mean "no value". */
  public Set<String> nullValues() {
    return nullValues;
  }

  /** The text rules of this source (its null values). */
  public ValueText valueText() {
    return new ValueText(nullValues, false);
  }

  @Override
  public String toString() {
    return "SourceSpec{" + keyPath + " " + name + " " + paths + "}";
  }
}
