package dev.distill.job.generate;

import dev.distill.job.conf.GenerateConfig;
import dev.distill.job.io.Json;
import dev.distill.job.schema.Columns;
import dev.distill.job.score.DifficultyStage;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Which calls a candidate row needs, as rows of {@link #SCHEMA}, one per ledger entry: the request
 * body, its key ({@code call_key}: sha256 of the canonical body: model, messages and every
 * parameter, extra_body included), and the entry's key ({@code key}: the call key, or
 * {@code <call key>#<choice>} for one of the {@code n} choices of a request that asks for several).
 * The same question asked of the same model the same way is one call, whichever row, source or run asks it.
 *
 * <p>Round 1: teacher (rows without a trace, or all with overwrite; {@code samples} traces each),
 * students (rows with a reference answer, {@code samples} each), classifier. Round 2: the judge,
 * which needs the teacher's attempt.
 *
 * <p>A call whose prompt estimate plus its token limit exceeds the model's context window is
 * clamped (a lower limit, so another request and key) or refused: planned with a {@code refusal}
 * and never sent.
 */
public final class CallPlanner implements Serializable {
  public static final StructType SCHEMA = new StructType()
      .add("rk", DataTypes.StringType, false)
      .add("slot", DataTypes.StringType, false)
      .add("key", DataTypes.StringType, false)
      .add("call_key", DataTypes.StringType, false)
      .add("role", DataTypes.StringType, false)
      .add("name", DataTypes.StringType, false)
      .add("model", DataTypes.StringType, false)
      .add("body", DataTypes.StringType, false)
      .add("prompt_chars", DataTypes.IntegerType, false)
      .add("max_tokens", DataTypes.IntegerType, false)
      .add("choices", DataTypes.IntegerType, false)
      .add("choice", DataTypes.IntegerType, false)
      .add("clamped", DataTypes.BooleanType, false)
      .add("refusal", DataTypes.StringType, true);

  /** Tokens added to a prompt's estimate for the chat template around each message. */
  static final int TEMPLATE_TOKENS_PER_MESSAGE = 16;

  private final GenerateConfig config;
  private final String mscCodes;
  private final Map<String, Integer> windows;

  public CallPlanner(GenerateConfig config, String mscCodes) {
    this(config, mscCodes, Map.of());
  }

  /** @param windows context window in tokens per role name, where known */
  public CallPlanner(GenerateConfig config, String mscCodes, Map<String, Integer> windows) {
    this.config = config;
    this.mscCodes = mscCodes;
    this.windows = new LinkedHashMap<>(windows);
  }

  /** Teacher, student and classifier calls for one row. */
  public List<Row> round1(String rk, Row row) {
    List<Row> calls = new ArrayList<>();
    String question = row.getAs(Columns.QUESTION);
    String trace = row.getAs(Columns.TRACE);
    GenerateConfig.Role teacher = config.teacher();
    if (teacher.enabled() && (config.teacherOverwrite() || trace == null || trace.isBlank())) {
      calls.addAll(samples(rk, teacher, Map.of("question", question)));
    }
    String reference = reference(row);
    if (reference != null) {
      for (GenerateConfig.Role student : config.students()) {
        calls.addAll(samples(rk, student, Map.of("question", question)));
      }
    }
    if (config.classifier().enabled()) {
      calls.addAll(plan(rk, List.of(GenerateConfig.CLASSIFIER), config.classifier(), Map.of("question", question, "msc_codes", mscCodes), null, 1));
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
    return judge(rk, row.getAs(Columns.QUESTION), reference, attempt);
  }

  /** The judge's call for these texts (the dry run plans it with an assumed attempt). */
  List<Row> judge(String rk, String question, String reference, String attempt) {
    return plan(rk, List.of(GenerateConfig.JUDGE), config.judge(), Map.of("question", question, "reference", reference, "attempt", attempt), null, 1);
  }

  /** One call of {@code role} with these prompt values, for a stage outside generate (decontam's paraphrase judge). */
  public List<Row> single(String rk, String slot, GenerateConfig.Role role, Map<String, String> values) {
    return plan(rk, List.of(slot), role, values, null, 1);
  }

  /** The answer replies are graded against: the reference answer, else the solution's last \boxed{}. */
  static String reference(Row row) {
    return DifficultyStage.reference(row.getAs(Columns.ANSWER), row.getAs(Columns.SOLUTION));
  }

  public static String studentSlot(String name, int sample) {
    return GenerateConfig.STUDENT + ":" + name + "#" + sample;
  }

  /** The teacher's slot for sample {@code i} of {@code samples}: "teacher" alone when there is one. */
  public static String teacherSlot(int sample, int samples) {
    return samples == 1 ? GenerateConfig.TEACHER : GenerateConfig.TEACHER + "#" + sample;
  }

  /** The role a slot belongs to: what comes before ':' or '#'. */
  static String roleOf(String slot) {
    int end = slot.length();
    for (char c : new char[] {':', '#'}) {
      int i = slot.indexOf(c);
      if (i >= 0 && i < end) {
        end = i;
      }
    }
    return slot.substring(0, end);
  }

  private List<Row> samples(String rk, GenerateConfig.Role role, Map<String, String> values) {
    int k = role.samples();
    List<String> slots = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      slots.add(role.role().equals(GenerateConfig.TEACHER) ? teacherSlot(i, k) : studentSlot(role.name(), i));
    }
    if (k == 1) {
      return plan(rk, slots, role, values, null, 1);
    }
    if (role.wire().useN()) {
      return plan(rk, slots, role, values, null, k);
    }
    List<Row> calls = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      calls.addAll(plan(rk, List.of(slots.get(i)), role, values, i, 1));
    }
    return calls;
  }

  /** One request for {@code slots} (one per choice when {@code n} > 1), checked against the context window. */
  private List<Row> plan(String rk, List<String> slots, GenerateConfig.Role role, Map<String, String> values, Integer seed, int n) {
    String prompt = role.prompt().render(values);
    int promptChars = role.system().length() + prompt.length();
    int maxTokens = role.maxTokens();
    boolean clamped = false;
    String refusal = null;
    Integer window = windows.get(role.name());
    if (window != null && window > 0) {
      int estimate = promptTokensEstimate(role.system(), prompt);
      if (estimate + maxTokens > window) {
        int room = window - estimate;
        if (GenerateConfig.CLAMP.equals(role.wire().contextOverflow()) && room > 0) {
          maxTokens = room;
          clamped = true;
        } else {
          refusal = String.format(Locale.ROOT, "context window: the prompt (about %,d tokens) + max_tokens %,d exceeds %s's %,d tokens; "
              + "not sent (%s.context_overflow: %s; lower max_tokens or use clamp)", estimate, maxTokens, role.model(), window,
              "generate." + (role.role().equals(GenerateConfig.STUDENT) ? "students[" + role.name() + "]" : role.role()), role.wire().contextOverflow());
        }
      }
    }
    Map<String, Object> body = body(role, prompt, seed, n, maxTokens);
    String json = Json.compact(body);
    String callKey = Json.canonicalSha256(body);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < slots.size(); i++) {
      String key = n == 1 ? callKey : callKey + "#" + i;
      rows.add(RowFactory.create(rk, slots.get(i), key, callKey, role.role(), role.name(), role.model(), json, promptChars, maxTokens, n, i,
          clamped, refusal));
    }
    return rows;
  }

  /**
   * Prompt tokens, estimated from above for text: UTF-8 bytes / 3 (byte-level BPE vocabularies of
   * current models average 3.5-4.5 bytes a token on English and LaTeX) plus the chat template.
   */
  static int promptTokensEstimate(String system, String prompt) {
    int bytes = system.getBytes(StandardCharsets.UTF_8).length + prompt.getBytes(StandardCharsets.UTF_8).length;
    return (bytes + 2) / 3 + TEMPLATE_TOKENS_PER_MESSAGE * (system.isBlank() ? 1 : 2);
  }

  /** The request body; everything in it is part of the ledger key, and nothing secret is. */
  static Map<String, Object> body(GenerateConfig.Role role, String prompt, Integer seed, int n, int maxTokens) {
    List<Map<String, String>> messages = new ArrayList<>();
    if (!role.system().isBlank()) {
      messages.add(Map.of("role", "system", "content", role.system()));
    }
    messages.add(Map.of("role", "user", "content", prompt));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", role.model());
    body.put("messages", messages);
    if (role.wire().sendTemperature()) {
      body.put("temperature", role.temperature());
    }
    body.put(role.wire().limitField(), maxTokens);
    if (n > 1) {
      body.put("n", n);
    }
    if (seed != null) {
      body.put("seed", seed);
    }
    body.putAll(role.wire().extraBody());
    return body;
  }

  /** The entry keys of a request planned with {@code choices} choices. */
  static List<String> entryKeys(String callKey, int choices) {
    if (choices == 1) {
      return List.of(callKey);
    }
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < choices; i++) {
      keys.add(callKey + "#" + i);
    }
    return keys;
  }
}
