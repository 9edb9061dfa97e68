package dev.distill.job.generate;

import dev.distill.job.run.Json;
import dev.distill.job.schema.Columns;
import dev.distill.job.score.DifficultyStage;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Which calls a candidate row needs, as rows of {@link #SCHEMA}: the request body and its ledger
 * key (sha256 of the canonical body: model, messages and parameters), so the same question asked
 * of the same model the same way is one call, whichever row, source or run asks it.
 *
 * <p>Round 1: teacher (rows without a trace, or all with overwrite), students (rows with a
 * reference answer, `samples` each), classifier. Round 2: the judge, which needs the teacher's attempt.
 */
public final class CallPlanner implements Serializable {
  public static final StructType SCHEMA = new StructType()
      .add("rk", DataTypes.StringType, false)
      .add("slot", DataTypes.StringType, false)
      .add("key", DataTypes.StringType, false)
      .add("role", DataTypes.StringType, false)
      .add("name", DataTypes.StringType, false)
      .add("model", DataTypes.StringType, false)
      .add("body", DataTypes.StringType, false)
      .add("prompt_chars", DataTypes.IntegerType, false)
      .add("max_tokens", DataTypes.IntegerType, false);

  private final GenerateConfig config;
  private final String mscCodes;

  public CallPlanner(GenerateConfig config, String mscCodes) {
    this.config = config;
    this.mscCodes = mscCodes;
  }

  /** Teacher, student and classifier calls for one row. */
  public List<Row> round1(String rk, Row row) {
    List<Row> calls = new ArrayList<>();
    String question = row.getAs(Columns.QUESTION);
    String trace = row.getAs(Columns.TRACE);
    GenerateConfig.Role teacher = config.teacher();
    if (teacher.enabled() && (config.teacherOverwrite() || trace == null || trace.isBlank())) {
      calls.add(call(rk, GenerateConfig.TEACHER, teacher, Map.of("question", question), null));
    }
    String reference = reference(row);
    if (reference != null) {
      for (GenerateConfig.Role student : config.students()) {
        for (int i = 0; i < student.samples(); i++) {
          calls.add(call(rk, studentSlot(student.name(), i), student, Map.of("question", question), student.samples() > 1 ? i : null));
        }
      }
    }
    if (config.classifier().enabled()) {
      calls.add(call(rk, GenerateConfig.CLASSIFIER, config.classifier(), Map.of("question", question, "msc_codes", mscCodes), null));
    }
    return calls;
  }

  /** The judge's call for a row whose teacher attempt and reference answer are both known. */
  public List<Row> round2(String rk, Row row) {
    String attempt = row.getAs(Columns.ATTEMPT);
    String reference = reference(row);
    if (!config.judge().enabled() || attempt == null || attempt.isBlank() || reference == null) {
      return List.of();
    }
    return List.of(call(rk, GenerateConfig.JUDGE, config.judge(),
        Map.of("question", row.getAs(Columns.QUESTION), "reference", reference, "attempt", attempt), null));
  }

  /** The answer replies are graded against: the reference answer, else the solution's last \boxed{}. */
  static String reference(Row row) {
    return DifficultyStage.reference(row.getAs(Columns.ANSWER), row.getAs(Columns.SOLUTION));
  }

  public static String studentSlot(String name, int sample) {
    return GenerateConfig.STUDENT + ":" + name + "#" + sample;
  }

  static Row call(String rk, String slot, GenerateConfig.Role role, Map<String, String> values, Integer seed) {
    String prompt = role.prompt().render(values);
    Map<String, Object> body = body(role, prompt, seed);
    String json = Json.compact(body);
    int promptChars = role.system().length() + prompt.length();
    return RowFactory.create(rk, slot, Json.canonicalSha256(body), role.role(), role.name(), role.model(), json, promptChars, role.maxTokens());
  }

  /** The request body; everything in it is part of the ledger key, and nothing secret is. */
  static Map<String, Object> body(GenerateConfig.Role role, String prompt, Integer seed) {
    List<Map<String, String>> messages = new ArrayList<>();
    if (!role.system().isBlank()) {
      messages.add(Map.of("role", "system", "content", role.system()));
    }
    messages.add(Map.of("role", "user", "content", prompt));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", role.model());
    body.put("messages", messages);
    body.put("temperature", role.temperature());
    body.put("max_tokens", role.maxTokens());
    if (seed != null) {
      body.put("seed", seed);
    }
    return body;
  }
}
