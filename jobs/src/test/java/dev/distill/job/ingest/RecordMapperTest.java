package dev.distill.job.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.distill.job.source.OptionsBlock;
import dev.distill.job.source.SourceSpec;
import dev.distill.job.source.ValueText;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecordMapperTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @SuppressWarnings("unchecked")
  private static SourceSpec spec(String yaml) throws Exception {
    return SourceSpec.fromMap(YAML.readValue(yaml, Map.class), "sources[0]");
  }

  private static RecordMapper.CanonicalRecord map(String yaml, String json) throws Exception {
    return RecordMapper.map(spec(yaml), JSON.readTree(json), "f.jsonl#1");
  }

  @Test
  void passageQuestionAndMarkedOptionsMakeTheQuestion() throws Exception {
    RecordMapper.CanonicalRecord r = map("""
        name: agieval/lsat-rc
        path: x.jsonl
        cot_type: reading
        constants: {subject: LSAT}
        fields: {question: question, answer: [label, answer], solution: other.solution}
        passage: passage
        options: options
        """, """
        {"passage": "Some passage.", "question": "Which is true?", "options": ["(A)one", "(B) two"],
         "label": ["A", "B"], "answer": null, "other": {"solution": "Because.", "source": "2014"}, "year": 2014}
        """);

    assertEquals("Some passage.\n\nWhich is true?\n\n(A)one\n(B) two", r.question());
    assertEquals("A, B", r.answer());
    assertEquals("Because.", r.solution());
    assertEquals("reading", r.cotType());
    assertEquals("LSAT", r.subject());
    assertEquals("agieval/lsat-rc", r.source());
    assertEquals("f.jsonl#1", r.origin());
    assertEquals("{\"other\":{\"source\":\"2014\"},\"year\":2014}", r.metadata());
    assertNull(r.grades());
    assertNull(r.level());
    assertNull(r.trace());
  }

  @Test
  void missingPassageAndOptionsLeaveTheQuestionAlone() throws Exception {
    RecordMapper.CanonicalRecord r = map("{name: s, path: x, fields: {question: question}, passage: passage, options: options}",
        "{\"question\": \"Just this.\", \"passage\": \"\", \"options\": null}");
    assertEquals("Just this.", r.question());
  }

  @Test
  void unmarkedOptionsAreLabelledByPosition() {
    List<String> options = List.of("Safe practices", "Unsafe", "x", "y", "z", "w", "v", "u", "I and II only");
    String block = OptionsBlock.format(JSON.valueToTree(options), ValueText.DEFAULT);
    assertEquals("(A) Safe practices\n(B) Unsafe\n(C) x\n(D) y\n(E) z\n(F) w\n(G) v\n(H) u\n(I) I and II only", block);
  }

  @Test
  void optionsAlreadyMarkedAreKeptMixedListsOnlyLabelTheUnmarked() {
    assertEquals("A. They will be moved.\n(B)They will be annoyed.\nC. ask him\n(D)help",
        OptionsBlock.format(JSON.valueToTree(List.of(" A. They will be moved.   ", "(B)They will be annoyed.", "  C. ask him ", "(D)help")),
            ValueText.DEFAULT));
    assertEquals("A 没有党参\nB 没有首乌\nC 有白术\nD 没有白术",
        OptionsBlock.format(JSON.valueToTree(List.of("A 没有党参", "B 没有首乌", "C 有白术", "D 没有白术")), ValueText.DEFAULT));
    assertEquals("(A) 錀 第七周期\n(B) A．镭\n(C)铼\n（D）氡",
        OptionsBlock.format(JSON.valueToTree(List.of("錀 第七周期", "A．镭", "(C)铼", "（D）氡")), ValueText.DEFAULT));
    // A bare "A " only counts as a label when every option has one.
    assertEquals("(A) A lot\n(B) Not much",
        OptionsBlock.format(JSON.valueToTree(List.of("A lot", "Not much")), ValueText.DEFAULT));
  }

  @Test
  void optionsAsOneStringOrAnObject() throws Exception {
    RecordMapper.CanonicalRecord mathqa = map("{name: s, path: x, fields: {question: problem, answer: correct}, options: options}",
        "{\"problem\": \"if x = 1 then\", \"options\": \"a ) 12 , b ) 16\", \"correct\": \"a\"}");
    assertEquals("if x = 1 then\n\na ) 12 , b ) 16", mathqa.question());

    RecordMapper.CanonicalRecord keyed = map("{name: s, path: x, fields: {question: q}, options: options}",
        "{\"q\": \"Pick\", \"options\": {\"A\": \"one\", \"B\": 2}}");
    assertEquals("Pick\n\n(A) one\n(B) 2", keyed.question());
  }

  @Test
  void indexAnswerBecomesTheLetterOfTheLabelledOption() throws Exception {
    RecordMapper.CanonicalRecord r = map("{name: s, path: x, fields: {question: question, answer: '{answer|letter}', subject: type}, options: choices}",
        "{\"question\": \"Which?\", \"choices\": [\"w\", \"x\", \"y\", \"z\"], \"answer\": 2, \"type\": \"college_biology\"}");
    assertEquals("Which?\n\n(A) w\n(B) x\n(C) y\n(D) z", r.question());
    assertEquals("C", r.answer());
    assertEquals("{}", r.metadata());
  }

  @Test
  void gradesCompareEachPredictionWithTheReference() throws Exception {
    RecordMapper.CanonicalRecord r = map("""
        name: mmlu_pro/test
        path: x
        fields: {question: question, answer: answer}
        grades: {predictions: model_preds, reference: answer}
        pass_counts: {correct: n_models_correct, total: n_models}
        id_field: question_id
        """, """
        {"question_id": 70, "question": "Q?", "answer": "I", "src": "ori",
         "model_preds": {"m1": "I", "m2": " i ", "m3": "D", "m4": null},
         "n_models_correct": 2, "n_models": 4, "category": "business"}
        """);
    Map<String, Boolean> expected = new LinkedHashMap<>();
    expected.put("m1", true);
    expected.put("m2", true);
    expected.put("m3", false);
    expected.put("m4", false);
    assertEquals(expected, r.grades());
    assertEquals(List.of("m1", "m2", "m3", "m4"), List.copyOf(r.grades().keySet()));
    assertEquals("{\"src\":\"ori\",\"category\":\"business\",\"source_id\":\"70\",\"pass_correct\":2,\"pass_total\":4}", r.metadata());
  }

  @Test
  void gradesAreNullWithoutPredictionsOrReference() throws Exception {
    String yaml = "{name: s, path: x, fields: {question: q}, grades: {predictions: p, reference: a}}";
    assertNull(map(yaml, "{\"q\": \"Q\", \"a\": \"B\"}").grades());
    assertNull(map(yaml, "{\"q\": \"Q\", \"p\": {\"m\": \"B\"}}").grades());
    RecordException e = assertThrows(RecordException.class, () -> map(yaml, "{\"q\": \"Q\", \"p\": \"B\", \"a\": \"B\"}"));
    assertEquals("bad_grades", e.reason());
  }

  @Test
  void missingQuestionIsARecordExceptionNamingTheField() {
    RecordException e = assertThrows(RecordException.class,
        () -> map("{name: s, path: x, fields: {question: problem, answer: answer}}", "{\"problem\": \"  \", \"answer\": \"3\"}"));
    assertEquals("missing_question", e.reason());
    assertEquals("missing question: field 'problem' is absent or empty", e.getMessage());

    RecordException alternatives = assertThrows(RecordException.class,
        () -> map("{name: s, path: x, fields: {question: [problem, input]}}", "{}"));
    assertEquals("missing question: fields 'problem', 'input' are absent or empty", alternatives.getMessage());
  }

  @Test
  void nonObjectRecordIsARecordException() throws Exception {
    JsonNode array = JSON.readTree("[1]");
    RecordException e = assertThrows(RecordException.class,
        () -> RecordMapper.map(spec("{name: s, path: x, fields: {question: q}}"), array, "f#1"));
    assertEquals("not_an_object", e.reason());
  }

  @Test
  void missingRequiredAnswerKeepsTheRowWithANullAnswer() throws Exception {
    RecordMapper.CanonicalRecord r = map("{name: s, path: x, fields: {question: q, answer: a}, answer_required: true}",
        "{\"q\": \"Q\", \"a\": \"\"}");
    assertNull(r.answer());
    assertEquals("Q", r.question());
  }

  @Test
  void levelIsKeptAsGivenOtherNumbersLoseTrailingZeros() throws Exception {
    RecordMapper.CanonicalRecord aime = map("{name: s, path: x, fields: {question: q, level: problem_number, answer: a}}",
        "{\"q\": \"Q\", \"problem_number\": 7, \"a\": 43.0, \"difficulty\": 4.0}");
    assertEquals("7", aime.level());
    assertEquals("43", aime.answer());
    assertEquals("{\"difficulty\":4.0}", aime.metadata());
    RecordMapper.CanonicalRecord rated = map("{name: s, path: x, fields: {question: q, level: difficulty}}",
        "{\"q\": \"Q\", \"difficulty\": 4.0}");
    assertEquals("4.0", rated.level());
    assertEquals("Level 3", map("{name: s, path: x, fields: {question: q, level: level}}",
        "{\"q\": \"Q\", \"level\": \"Level 3\"}").level());
  }

  @Test
  void nullValuesOfTheSourceApplyToEveryField() throws Exception {
    RecordMapper.CanonicalRecord r = map("{name: s, path: x, fields: {question: Q, solution: explanation, answer: final_answer}, null_values: [NONE, 证明题]}",
        "{\"Q\": \"Prove it.\", \"explanation\": \"NONE\", \"final_answer\": [\"证明题\"]}");
    assertNull(r.solution());
    assertNull(r.answer());
  }

  @Test
  void metadataKeepsUnusedFieldsInSourceOrderAndPrunesEmptiedObjects() throws Exception {
    RecordMapper.CanonicalRecord r = map("{name: s, path: x, fields: {question: q, solution: 'sol[*]', answer: other.a}}",
        "{\"z\": 1, \"q\": \"Q\", \"sol\": [\"a\"], \"other\": {\"a\": \"1\"}, \"keep\": {\"inner\": null}, \"a\": [1, 2]}");
    assertEquals("{\"z\":1,\"keep\":{\"inner\":null},\"a\":[1,2]}", r.metadata());
  }
}
