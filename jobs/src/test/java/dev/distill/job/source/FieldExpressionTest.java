package dev.distill.job.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FieldExpressionTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String RECORD = """
      {
        "problem": "  Find x.  ",
        "other": {"solution": "x = 2", "source": "book"},
        "final_answer": ["3", "5"],
        "solution": ["First way.", "", "Second way."],
        "items": [{"text": "a"}, {"text": "b"}, {"n": 1}],
        "target": 43.0,
        "ratio": 0.25,
        "big": -9867630.0,
        "count": 12,
        "flag": true,
        "nothing": null,
        "blank": "   ",
        "nested_list": [[1, 2], [3]],
        "Body": "There are 3 apples.",
        "Question": "How many?",
        "answer_index": 2,
        "Correct Answer": "B"
      }
      """;

  private static String eval(Object expression) throws Exception {
    return FieldExpression.parse(expression, "sources[0].fields.x").evaluate(JSON.readTree(RECORD));
  }

  @Test
  void pathsReadNestedFieldsAndListPositions() throws Exception {
    assertEquals("Find x.", eval("problem"));
    assertEquals("x = 2", eval("other.solution"));
    assertEquals("3", eval("final_answer[0]"));
    assertEquals("5", eval("final_answer[-1]"));
    assertEquals("b", eval("items[1].text"));
    assertEquals("B", eval("Correct Answer"));
    assertNull(eval("final_answer[7]"));
    assertNull(eval("other.missing"));
    assertNull(eval("problem.deeper"));
    assertNull(eval("nothing"));
    assertNull(eval("blank"));
  }

  @Test
  void wildcardJoinsEveryNonEmptyElementWithABlankLine() throws Exception {
    assertEquals("First way.\n\nSecond way.", eval("solution[*]"));
    assertEquals("a\n\nb", eval("items[*].text"));
    assertNull(eval("missing[*]"));
  }

  @Test
  void listsOfScalarsJoinWithCommasAndNumbersLoseIntegralZeros() throws Exception {
    assertEquals("3, 5", eval("final_answer"));
    assertEquals("43", eval("target"));
    assertEquals("0.25", eval("ratio"));
    assertEquals("-9867630", eval("big"));
    assertEquals("12", eval("count"));
    assertEquals("true", eval("flag"));
    assertEquals("[[1,2],[3]]", eval("nested_list"));
    assertEquals("{\"solution\":\"x = 2\",\"source\":\"book\"}", eval("other"));
  }

  @Test
  void listOfExpressionsTakesTheFirstNonEmpty() throws Exception {
    assertEquals("x = 2", eval(List.of("blank", "nothing", "other.solution", "problem")));
    assertNull(eval(List.of("blank", "missing")));
  }

  @Test
  void templatesFillPlaceholdersAndTrim() throws Exception {
    assertEquals("There are 3 apples. How many?", eval("{Body} {Question}"));
    assertEquals("How many?", eval("{missing} {Question}"));
    assertEquals("43 apples", eval("{target} apples"));
    assertNull(eval("{missing} {blank}"));
    assertEquals("C", eval("{answer_index|letter}"));
    assertEquals("First way.\n\nSecond way.", eval("{solution[*]}"));
  }

  @Test
  void nullValuesCountAsAbsent() throws Exception {
    JsonNode record = JSON.readTree("{\"explanation\": \" NONE \", \"alt\": \"real\", \"list\": [\"NONE\"]}");
    ValueText text = new ValueText(Set.of("NONE"), false);
    assertNull(FieldExpression.parse("explanation", "k").evaluate(record, text));
    assertNull(FieldExpression.parse("list", "k").evaluate(record, text));
    assertEquals("real", FieldExpression.parse(List.of("explanation", "alt"), "k").evaluate(record, text));
    assertEquals("NONE", FieldExpression.parse("explanation", "k").evaluate(record));
  }

  @Test
  void numbersAsGivenKeepTheirJsonText() throws Exception {
    JsonNode record = JSON.readTree("{\"difficulty\": 4.0, \"n\": 7}");
    ValueText asGiven = ValueText.DEFAULT.numbersAsGiven();
    assertEquals("4.0", FieldExpression.parse("difficulty", "k").evaluate(record, asGiven));
    assertEquals("7", FieldExpression.parse("n", "k").evaluate(record, asGiven));
    assertEquals("4", FieldExpression.parse("difficulty", "k").evaluate(record));
  }

  @Test
  void describeNamesTheFields() {
    assertEquals("field 'problem'", FieldExpression.parse("problem", "k").describe());
    assertEquals("fields 'label', 'answer'", FieldExpression.parse(List.of("label", "answer"), "k").describe());
    assertEquals("template '{Body} {Question}'", FieldExpression.parse("{Body} {Question}", "k").describe());
  }

  @Test
  void malformedExpressionsNameTheKey() {
    for (Object bad : List.of("a..b", ".a", "a.", "a[x]", "[0]", "a[0", "{a", "a}", "{a|upper}", "", List.of(), List.of(1))) {
      SourceConfigException e = assertThrows(SourceConfigException.class, () -> FieldExpression.parse(bad, "sources[2].fields.answer"),
          String.valueOf(bad));
      assertTrue(e.getMessage().startsWith("Cannot read config key sources[2].fields.answer"), e.getMessage());
      assertTrue(e.getMessage().contains("; "), e.getMessage());
    }
  }
}
