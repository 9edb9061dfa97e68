package dev.distill.job.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.distill.job.source.SourceConfigException;
import dev.distill.job.source.SourceFormat;
import dev.distill.job.source.SourceSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SourceSpecTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @SuppressWarnings("unchecked")
  private static Map<String, Object> yaml(String text) throws Exception {
    return YAML.readValue(text, Map.class);
  }

  private static SourceConfigException rejected(String text) {
    return assertThrows(SourceConfigException.class, () -> SourceSpec.fromMap(yaml(text), "sources[3]"));
  }

  @Test
  void readsEveryKey() throws Exception {
    SourceSpec spec = SourceSpec.fromMap(yaml("""
        name: mmlu_pro/test
        path: [a.jsonl, "dir/*.jsonl"]
        format: JSONL
        records: data.rows
        cot_type: general
        constants: {level: "3"}
        fields: {question: question, answer: [label, answer], subject: category}
        options: options
        passage: passage
        grades: {predictions: model_preds, reference: answer}
        pass_counts: {correct: n_models_correct, total: n_models}
        answer_required: true
        id_field: question_id
        null_values: [NONE, "None."]
        """), "sources[3]");

    assertEquals("mmlu_pro/test", spec.name());
    assertEquals(List.of("a.jsonl", "dir/*.jsonl"), spec.paths());
    assertEquals(SourceFormat.JSONL, spec.format());
    assertEquals("data.rows", spec.records());
    assertEquals("general", spec.cotType());
    assertEquals(Map.of("level", "3"), spec.constants());
    assertEquals(List.of("question", "answer", "subject"), List.copyOf(spec.fields().keySet()));
    assertEquals("[label, answer]", spec.fields().get("answer").source());
    assertEquals("model_preds", spec.grades().predictions().source());
    assertEquals("n_models", spec.passCounts().total().source());
    assertTrue(spec.answerRequired());
    assertEquals("question_id", spec.idField().source());
    assertEquals(List.of("NONE", "None."), List.copyOf(spec.nullValues()));
    assertEquals("sources[3]", spec.keyPath());
  }

  @Test
  void defaults() throws Exception {
    SourceSpec spec = SourceSpec.fromMap(yaml("{name: a, path: a.json, fields: {question: q}}"), "sources[0]");
    assertEquals(SourceFormat.AUTO, spec.format());
    assertEquals("math", spec.cotType());
    assertNull(spec.records());
    assertNull(spec.options());
    assertNull(spec.grades());
    assertFalse(spec.answerRequired());
    assertTrue(spec.constants().isEmpty());
  }

  @Test
  void unknownKeyIsRejectedWithTheValidKeys() {
    SourceConfigException e = rejected("{name: a, path: a.json, fields: {question: q}, colour: blue}");
    assertEquals("Cannot read config key sources[3].colour: unknown key; use one of name, path, format, records, cot_type, "
        + "constants, fields, options, passage, grades, pass_counts, answer_required, id_field, null_values", e.getMessage());
  }

  @Test
  void unknownCanonicalFieldIsRejected() {
    SourceConfigException e = rejected("{name: a, path: a.json, fields: {question: q, problem: p}}");
    assertTrue(e.getMessage().startsWith("Cannot read config key sources[3].fields.problem: unknown canonical field; use one of "
        + "question, solution, answer, subject, level, trace, attempt"), e.getMessage());
  }

  @Test
  void missingRequiredKeysAreNamed() {
    assertTrue(rejected("{path: a.json, fields: {question: q}}").getMessage()
        .startsWith("Cannot read config key sources[3].name: it is missing;"));
    assertTrue(rejected("{name: a, fields: {question: q}}").getMessage()
        .startsWith("Cannot read config key sources[3].path: it is missing;"));
    assertTrue(rejected("{name: a, path: a.json, fields: {answer: q}}").getMessage()
        .startsWith("Cannot read config key sources[3].fields.question: it is missing;"));
    assertTrue(rejected("{name: a, path: a.json}").getMessage()
        .startsWith("Cannot read config key sources[3].fields.question: it is missing;"));
  }

  @Test
  void badValuesAreNamedWithTheirKey() {
    assertTrue(rejected("{name: a, path: a.json, format: xml, fields: {question: q}}").getMessage()
        .startsWith("Cannot read config key sources[3].format: unknown format 'xml'; use one of auto, jsonl, json, csv, parquet"));
    assertTrue(rejected("{name: a, path: a.json, answer_required: yes please, fields: {question: q}}").getMessage()
        .startsWith("Cannot read config key sources[3].answer_required: expected true or false"));
    assertTrue(rejected("{name: a, path: a.json, grades: {predictions: p}, fields: {question: q}}").getMessage()
        .startsWith("Cannot read config key sources[3].grades.reference: it is missing;"));
    assertTrue(rejected("{name: a, path: a.json, pass_counts: {right: r, total: t}, fields: {question: q}}").getMessage()
        .startsWith("Cannot read config key sources[3].pass_counts.right: unknown key;"));
    assertTrue(rejected("{name: a, path: a.json, fields: {question: 'a..b'}}").getMessage()
        .startsWith("Cannot read config key sources[3].fields.question: invalid field expression:"));
    assertTrue(rejected("{name: a, path: a.json, records: 'a[0]', fields: {question: q}}").getMessage()
        .startsWith("Cannot read config key sources[3].records: invalid records path"));
    assertTrue(rejected("{name: a, path: a.json, constants: {subject: S}, fields: {question: q, subject: s}}").getMessage()
        .startsWith("Cannot read config key sources[3].constants.subject: fields.subject maps the same field;"));
    assertTrue(rejected("{name: a, path: a.json, constants: {question: Q}, fields: {question: q}}").getMessage()
        .startsWith("Cannot read config key sources[3].constants.question:"));
  }

  @Test
  void survivesJavaSerializationForSparkTasks() throws Exception {
    SourceSpec spec = SourceSpec.fromMap(yaml("""
        name: s
        path: x.json
        fields: {question: "{Body} {Question}", answer: [label, answer], solution: "solution[*]"}
        options: options
        grades: {predictions: p, reference: answer}
        null_values: [NONE]
        """), "sources[0]");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(spec);
    }
    SourceSpec copy;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (SourceSpec) in.readObject();
    }
    JsonNode record = new ObjectMapper().readTree(
        "{\"Body\": \"B.\", \"Question\": \"Q?\", \"label\": \"NONE\", \"answer\": \"7\", \"options\": [\"x\"]}");
    RecordMapper.CanonicalRecord r = RecordMapper.map(copy, record, "f#1");
    assertEquals("B. Q?\n\n(A) x", r.question());
    assertEquals("7", r.answer());
  }

  @Test
  void nullMapIsRejected() {
    SourceConfigException e = assertThrows(SourceConfigException.class, () -> SourceSpec.fromMap(null, "sources[1]"));
    assertTrue(e.getMessage().startsWith("Cannot read config key sources[1]: the source is empty;"), e.getMessage());
  }

  @Test
  void unknownKeyInAPlainJavaMapIsNamed() {
    Map<String, Object> raw = new LinkedHashMap<>();
    raw.put("name", "a");
    raw.put("path", "a.json");
    raw.put("fields", Map.of("question", "q"));
    raw.put("id", "x");
    SourceConfigException e = assertThrows(SourceConfigException.class, () -> SourceSpec.fromMap(raw, "sources[7]"));
    assertTrue(e.getMessage().startsWith("Cannot read config key sources[7].id: unknown key; use one of name,"), e.getMessage());
  }
}
