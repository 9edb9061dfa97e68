package dev.distill.job.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.distill.job.io.Json;
import dev.distill.job.schema.CandidateSchema;
import dev.distill.job.schema.Columns;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import scala.jdk.javaapi.CollectionConverters;

/** A row's ledger replies written into its columns, without Spark. */
class ReplyApplierTest {
  private static final StructType CALL = new StructType().add("slot", DataTypes.StringType).add("key", DataTypes.StringType)
      .add("status", DataTypes.StringType).add("content", DataTypes.StringType).add("reasoning", DataTypes.StringType)
      .add("error", DataTypes.StringType);
  private static final StructType OUT = GenerateStage.outputSchema(CandidateSchema.CANDIDATE, true);
  private static final StructType IN = OUT.add(ReplyApplier.CALLS, DataTypes.createArrayType(CALL), true);

  @Test
  void everyRoleLandsInItsColumnAndEveryCallInTheProvenance() {
    Row out = apply(Map.of(Columns.ANSWER, "4", Columns.GRADES, Map.of("s0#0", false)),
        call("teacher#0", Ledger.OK, "The answer is 5.", "A long trace that ends at the wrong answer, five."),
        call("teacher#1", Ledger.OK, "The answer is 4.", "2 + 2 = 4"),
        call("teacher#2", Ledger.ERROR, null, null),
        call("student:s1#0", Ledger.OK, "So \\boxed{4}", null),
        call("student:s1#1", Ledger.TRUNCATED, null, "2 + 2 is"),
        call("student:s2#0", Ledger.ERROR, null, null),
        call("classifier", Ledger.OK, "Arithmetic.\n11", null),
        call("judge", null, null, null));

    assertEquals(OUT.size(), out.size());
    assertEquals("2 + 2 = 4", get(out, Columns.TRACE), "the verified trace, though shorter");
    assertEquals("The answer is 4.", get(out, Columns.ATTEMPT));
    List<Row> samples = list(get(out, Columns.TEACHER_SAMPLES));
    assertEquals(List.of(0, 1), samples.stream().map(r -> r.getInt(0)).toList());
    assertEquals(List.of(false, true), samples.stream().map(r -> r.get(3)).toList());
    assertEquals(Map.of("s0#0", false, "s1#0", true), CollectionConverters.asJava((scala.collection.Map<?, ?>) get(out, Columns.GRADES)));
    assertEquals(List.of("s1#1"), list(get(out, Columns.STUDENTS_NO_ANSWER)));
    assertEquals(List.of("student:s2#0: boom"), list(get(out, Columns.GENERATION_ERRORS)), "a failed sample among good ones is no error");
    assertEquals(List.of("judge"), list(get(out, ReplyApplier.PENDING)));
    assertEquals("11", get(out, Columns.DOMAIN_LLM));
    assertNull(get(out, Columns.JUDGE_CORRECT));
    Map<String, String> provenance = new TreeMap<>();
    for (String slot : List.of("teacher#0", "teacher#1", "teacher#2", "student:s1#0", "student:s1#1", "student:s2#0", "classifier", "judge")) {
      provenance.put(slot, "k-" + slot);
    }
    assertEquals(Json.compact(provenance), get(out, Columns.GENERATION));
  }

  @Test
  void withoutAnyTraceTheTeachersErrorsAreTheRowsAndUnknownCodesAreDropped() {
    Row out = apply(Map.of(Columns.ANSWER, "4"),
        call("teacher#0", Ledger.OK, "The answer is 4.", null),
        call("teacher#1", Ledger.OK, "", "thinking only"),
        call("judge", Ledger.OK, "They agree.\nYes", null),
        call("classifier", Ledger.OK, "Code: 99", null),
        call("student:s1#0", Ledger.REJECTED, null, null));

    assertNull(get(out, Columns.TRACE));
    assertNull(get(out, Columns.TEACHER_SAMPLES));
    assertNull(get(out, Columns.GRADES), "no student graded: grades untouched");
    assertEquals(List.of("student:s1#0: boom",
        "teacher#0: the reply has no thinking (no reasoning_content or reasoning field, no <think> block)",
        "teacher#1: the reply has thinking but no final answer after it"), list(get(out, Columns.GENERATION_ERRORS)));
    assertEquals(true, get(out, Columns.JUDGE_CORRECT));
    assertNull(get(out, Columns.DOMAIN_LLM), "99 is no MSC code here");
    assertEquals(List.of(), list(get(out, ReplyApplier.PENDING)));
  }

  @Test
  void aRowWithoutCallsKeepsItsColumns() {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put(Columns.TRACE, "kept");
    values.put(Columns.GENERATION, "{\"teacher\":\"k0\"}");
    Row out = apply(values);
    assertEquals("kept", get(out, Columns.TRACE));
    assertEquals("{\"teacher\":\"k0\"}", get(out, Columns.GENERATION));
    assertEquals(List.of(), list(get(out, Columns.GENERATION_ERRORS)));
  }

  private static Row call(String slot, String status, String content, String reasoning) {
    return new GenericRowWithSchema(new Object[] {slot, "k-" + slot, status, content, reasoning, status == null ? null : "boom"}, CALL);
  }

  private static Row apply(Map<String, Object> columns, Row... calls) {
    Object[] values = new Object[IN.size()];
    values[IN.fieldIndex(Columns.QUESTION)] = "What is 2 + 2?";
    columns.forEach((name, value) -> values[IN.fieldIndex(name)] = value instanceof Map<?, ?> m ? CollectionConverters.asScala(m) : value);
    values[IN.fieldIndex(ReplyApplier.CALLS)] = calls.length == 0 ? null : CollectionConverters.asScala(new ArrayList<>(List.of(calls))).toSeq();
    return new ReplyApplier(OUT, Set.of("11", "60")).apply(new GenericRowWithSchema(values, IN));
  }

  private static Object get(Row row, String column) {
    return row.get(OUT.fieldIndex(column));
  }

  @SuppressWarnings("unchecked")
  private static <T> List<T> list(Object seq) {
    return CollectionConverters.asJava((scala.collection.Seq<T>) seq);
  }
}
