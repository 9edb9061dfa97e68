package dev.distill.job.generate;

import dev.distill.job.conf.GenerateConfig;
import dev.distill.job.io.Json;
import dev.distill.job.schema.Columns;
import dev.distill.job.score.DifficultyStage;
import dev.distill.udf.answer.AnswerGrader;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.collection.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Writes the ledger's replies into a candidate row: teacher trace and attempt, student grades
 * (graded by the project's verifier), the classifier's MSC code, the judge's verdict. A failed
 * call becomes a line in generation_errors (quality drops the row as api_error); a call the cost
 * cap stopped becomes a pending slot (the stage removes the row as cost_cap).
 */
final class ReplyApplier implements Serializable {
  static final String CALLS = "_calls";
  static final String PENDING = "_pending";

  private final StructType out;
  private final Set<String> mscCodes;

  ReplyApplier(StructType out, Set<String> mscCodes) {
    this.out = out;
    this.mscCodes = new HashSet<>(mscCodes);
  }

  /** One call of the row with the ledger's entry for it (status null when the ledger has none). */
  record Call(String slot, String key, String status, String content, String reasoning, String error) {}

  /** One trace of a teacher asked for several: which sample, the trace, the attempt, whether the verifier found it correct. */
  static final StructType TEACHER_SAMPLE = new StructType()
      .add("sample", DataTypes.IntegerType, false)
      .add("trace", DataTypes.StringType, true)
      .add("attempt", DataTypes.StringType, true)
      .add("verified", DataTypes.BooleanType, true);

  Row apply(Row row) {
    Object[] values = new Object[out.size()];
    for (String field : out.fieldNames()) {
      int from = indexOf(row.schema(), field);
      values[out.fieldIndex(field)] = from < 0 ? null : row.get(from);
    }
    RowReplies replies = new RowReplies(row, values);
    for (Call call : calls(row)) {
      replies.take(call);
    }
    replies.finish();
    return RowFactory.create(values);
  }

  /**
   * What one row's calls come to, gathered call by call (in slot order) on top of what the row
   * already had, and written into its output values by {@link #finish}.
   */
  private final class RowReplies {
    private final Row row;
    private final Object[] values;
    private final List<String> errors;
    private final List<String> pending;
    private final List<String> noAnswer;
    private final Map<String, String> provenance;
    private final Map<String, Boolean> grades = new TreeMap<>();
    private boolean gradesChanged;
    private final String reference;
    private final List<Row> traces = new ArrayList<>();
    private final List<String> teacherErrors = new ArrayList<>();

    @SuppressWarnings("unchecked")
    RowReplies(Row row, Object[] values) {
      this.row = row;
      this.values = values;
      errors = new ArrayList<>(list(values[out.fieldIndex(Columns.GENERATION_ERRORS)]));
      pending = new ArrayList<>(list(values[out.fieldIndex(PENDING)]));
      noAnswer = new ArrayList<>(list(values[out.fieldIndex(Columns.STUDENTS_NO_ANSWER)]));
      provenance = provenance((String) values[out.fieldIndex(Columns.GENERATION)]);
      Object existing = values[out.fieldIndex(Columns.GRADES)];
      if (existing != null) {
        grades.putAll(CollectionConverters.asJava((scala.collection.Map<String, Boolean>) existing));
      }
      reference = CallPlanner.reference(row);
    }

    void take(Call call) {
      provenance.put(call.slot(), call.key());
      if (call.status() == null) {
        pending.add(call.slot());
        return;
      }
      String role = CallPlanner.roleOf(call.slot());
      boolean truncated = Ledger.TRUNCATED.equals(call.status());
      if (role.equals(GenerateConfig.STUDENT) && truncated) {
        // Cut off before its answer: no answer, not a wrong one (it would make the question look hard).
        noAnswer.add(call.slot().substring(call.slot().indexOf(':') + 1));
        return;
      }
      if (!Ledger.OK.equals(call.status())) {
        (role.equals(GenerateConfig.TEACHER) ? teacherErrors : errors).add(call.slot() + ": " + call.error());
        return;
      }
      switch (role) {
        case GenerateConfig.TEACHER -> teacher(call);
        case GenerateConfig.STUDENT -> student(call);
        case GenerateConfig.CLASSIFIER -> {
          String code = Replies.mscCode(call.content());
          values[out.fieldIndex(Columns.DOMAIN_LLM)] = code != null && mscCodes.contains(code) ? code : null;
        }
        case GenerateConfig.JUDGE -> values[out.fieldIndex(Columns.JUDGE_CORRECT)] = Replies.verdict(call.content());
        default -> throw new IllegalStateException("unknown call slot " + call.slot());
      }
    }

    private void teacher(Call call) {
      Replies.TeacherOutput t = Replies.teacher(call.content(), call.reasoning());
      if (t.trace() == null || t.trace().isEmpty()) {
        teacherErrors.add(call.slot() + ": the reply has no thinking (no reasoning_content or reasoning field, no <think> block)");
      } else if (t.attempt() == null || t.attempt().isEmpty()) {
        teacherErrors.add(call.slot() + ": the reply has thinking but no final answer after it");
      } else {
        Boolean verified = DifficultyStage.teacherCorrect(t.attempt(), row.getAs(Columns.ANSWER), row.getAs(Columns.SOLUTION));
        traces.add(RowFactory.create(sample(call.slot()), t.trace(), t.attempt(), verified));
      }
    }

    private void student(Call call) {
      String name = call.slot().substring(call.slot().indexOf(':') + 1);
      grades.put(name, reference != null && AnswerGrader.grade(call.content() == null ? "" : call.content(), reference).isCorrect());
      gradesChanged = true;
    }

    void finish() {
      Row best = best(traces);
      if (best != null) {
        values[out.fieldIndex(Columns.TRACE)] = best.getString(1);
        values[out.fieldIndex(Columns.ATTEMPT)] = best.getString(2);
      } else {
        // Only when no trace came at all is the row's generation failed; a failed sample among good ones is not.
        errors.addAll(teacherErrors);
      }
      int samples = indexOf(out, Columns.TEACHER_SAMPLES);
      if (samples >= 0 && !traces.isEmpty()) {
        values[samples] = CollectionConverters.asScala(traces).toSeq();
      }
      if (gradesChanged) {
        values[out.fieldIndex(Columns.GRADES)] = CollectionConverters.asScala(grades);
      }
      values[out.fieldIndex(Columns.GENERATION_ERRORS)] = CollectionConverters.asScala(errors).toSeq();
      values[out.fieldIndex(Columns.STUDENTS_NO_ANSWER)] = CollectionConverters.asScala(noAnswer).toSeq();
      values[out.fieldIndex(PENDING)] = CollectionConverters.asScala(pending).toSeq();
      values[out.fieldIndex(Columns.GENERATION)] = provenance.isEmpty() ? null : Json.compact(provenance);
    }
  }

  /** The trace the row keeps: a verified one first, then the longest, then the lowest sample. */
  static Row best(List<Row> traces) {
    Row best = null;
    for (Row t : traces) {
      if (best == null || better(t, best)) {
        best = t;
      }
    }
    return best;
  }

  private static boolean better(Row a, Row b) {
    int va = Boolean.TRUE.equals(a.get(3)) ? 1 : 0;
    int vb = Boolean.TRUE.equals(b.get(3)) ? 1 : 0;
    if (va != vb) {
      return va > vb;
    }
    int la = a.getString(1).length();
    int lb = b.getString(1).length();
    return la != lb ? la > lb : a.getInt(0) < b.getInt(0);
  }

  private static int sample(String slot) {
    int hash = slot.indexOf('#');
    return hash < 0 ? 0 : Integer.parseInt(slot.substring(hash + 1));
  }

  private static List<Call> calls(Row row) {
    int i = indexOf(row.schema(), CALLS);
    List<Call> calls = new ArrayList<>();
    if (i < 0 || row.isNullAt(i)) {
      return calls;
    }
    for (Row c : CollectionConverters.asJava(row.<Row>getSeq(i))) {
      calls.add(new Call(c.getAs("slot"), c.getAs("key"), c.getAs("status"), c.getAs("content"), c.getAs("reasoning"), c.getAs("error")));
    }
    calls.sort(Comparator.comparing(Call::slot));
    return calls;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> provenance(String json) {
    if (json == null) {
      return new TreeMap<>();
    }
    try {
      return new TreeMap<>(Json.MAPPER.readValue(json, Map.class));
    } catch (IOException e) {
      throw new IllegalStateException("unreadable generation column: " + json, e);
    }
  }

  @SuppressWarnings("unchecked")
  private static List<String> list(Object seq) {
    return seq == null ? List.of() : CollectionConverters.asJava(((Seq<String>) seq));
  }

  private static int indexOf(StructType schema, String field) {
    return Arrays.asList(schema.fieldNames()).indexOf(field);
  }
}
