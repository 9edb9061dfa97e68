package dev.distill.job.conf;

import dev.distill.job.error.ConfigException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The typed {@code generate} section: roles, endpoints, budgets, retries and the ledger. */
public record GenerateConfig(
    Role teacher,
    boolean teacherOverwrite,
    List<Role> students,
    Role judge,
    Role classifier,
    String ledger,
    int concurrency,
    int requestsPerMinute,
    long tokensPerMinute,
    int maxRetries,
    long backoffInitialMs,
    long backoffMaxMs,
    int timeoutSeconds,
    int idleTimeoutSeconds,
    int maxFatalErrors,
    double maxCostUsd,
    boolean retryFailed,
    int ledgerFlushRows,
    int ledgerFlushSeconds,
    int progressSeconds,
    boolean dryRun,
    Batching batching) implements Serializable {

  public static final String TEACHER = "teacher";
  public static final String STUDENT = "student";
  public static final String JUDGE = "judge";
  public static final String CLASSIFIER = "classifier";
  /** decontam.judge: is a question in the review band the same problem as its nearest eval item? */
  public static final String PARAPHRASE_JUDGE = "paraphrase_judge";

  static final String STUDENT_PROMPT = "{question}\n\nPlease reason step by step, and put your final answer within \\boxed{}.";
  private static final Set<String> ENDPOINT_KEYS = Set.of("model", "base_url", "api_key_env", "api_key_file", "temperature",
      "max_tokens", "price_input", "price_output", "system", "prompt", "stream", "limit_field", "send_temperature", "use_n",
      "extra_body", "context_window", "context_overflow", "free", "mode", "batch_api", "price_input_batch", "price_output_batch",
      "batch_discount");
  /** Request fields distill itself sets; extra_body may not replace them. */
  static final Set<String> RESERVED_BODY_KEYS = Set.of("model", "messages", "n", "stream", "stream_options", "max_tokens",
      "max_completion_tokens", "temperature", "seed");
  public static final String ONLINE = "online";
  public static final String BATCH = "batch";
  /** What a run does with batches (generate.batch_action): wait for them, or submit / collect and exit (--submit-only, --collect). */
  public static final String WAIT = "wait";
  public static final String SUBMIT = "submit";
  public static final String COLLECT = "collect";
  public static final List<String> BATCH_APIS = List.of("openai", "anthropic", "gemini");
  public static final String CLAMP = "clamp";
  public static final String REFUSE = "refuse";
  private static final Map<String, Set<String>> PLACEHOLDERS = Map.of(
      TEACHER, Set.of("question"),
      STUDENT, Set.of("question"),
      JUDGE, Set.of("question", "reference", "attempt"),
      CLASSIFIER, Set.of("question", "msc_codes"),
      PARAPHRASE_JUDGE, Set.of("question", "eval_question"));
  /** What decontam.judge does not configure (it is called online, once per question, without a context-window check). */
  private static final Map<String, Object> PARAPHRASE_JUDGE_FIXED = Map.of("use_n", false, "context_window", -1,
      "context_overflow", REFUSE, "mode", ONLINE, "batch_api", "openai", "price_input_batch", 0.0, "price_output_batch", 0.0,
      "batch_discount", 0.5);

  /**
   * One model behind one endpoint, as a role uses it. {@code name} is the role for teacher, judge
   * and classifier and the student's own name for students; the API key is a reference only.
   */
  public record Role(String role, String name, String model, String baseUrl, String apiKeyEnv, String apiKeyFile,
      double temperature, int maxTokens, int samples, double priceInput, double priceOutput, String system,
      PromptTemplate prompt, Wire wire, Batch batch) implements Serializable {

    /** A role called online (the batch settings at their defaults). */
    public Role(String role, String name, String model, String baseUrl, String apiKeyEnv, String apiKeyFile, double temperature,
        int maxTokens, int samples, double priceInput, double priceOutput, String system, PromptTemplate prompt, Wire wire) {
      this(role, name, model, baseUrl, apiKeyEnv, apiKeyFile, temperature, maxTokens, samples, priceInput, priceOutput, system, prompt, wire,
          new Batch(ONLINE, "openai", 0, 0, 0.5));
    }

    public boolean enabled() {
      return !model.isBlank();
    }

    /** Whether the role has prices to count its spending with. */
    public boolean priced() {
      return priceInput > 0 || priceOutput > 0 || batched() && (batch.priceInput() > 0 || batch.priceOutput() > 0);
    }

    /**
     * Whether calls to this role cost money: {@code free} when set, else any endpoint that is not on
     * this machine or a private network (a vLLM on the cluster is free; an API on the internet is not).
     */
    public boolean paid() {
      return wire.free() != null ? !wire.free() : !Endpoints.isLocalOrPrivate(baseUrl);
    }

    /** USD for the given token counts at this role's prices (per million tokens). */
    public double cost(long promptTokens, long completionTokens) {
      return (promptTokens * priceInput + completionTokens * priceOutput) / 1e6;
    }

    /** Whether the role's calls go through its provider's batch API (mode: batch). */
    public boolean batched() {
      return BATCH.equals(batch.mode());
    }

    /** USD for the given token counts at the role's batch prices: price_*_batch where set, else the online price x batch_discount. */
    public double batchCost(long promptTokens, long completionTokens) {
      return (promptTokens * batchPriceInput() + completionTokens * batchPriceOutput()) / 1e6;
    }

    public double batchPriceInput() {
      return batch.priceInput() > 0 ? batch.priceInput() : priceInput * batch.discount();
    }

    public double batchPriceOutput() {
      return batch.priceOutput() > 0 ? batch.priceOutput() : priceOutput * batch.discount();
    }

    /** What a call of this role costs in the mode it is called in. */
    public double costInMode(long promptTokens, long completionTokens) {
      return batched() ? batchCost(promptTokens, completionTokens) : cost(promptTokens, completionTokens);
    }

    /** The config key of this role's section, e.g. generate.teacher or generate.students[1]. */
    public String configKey(GenerateConfig g) {
      if (role.equals(PARAPHRASE_JUDGE)) {
        return "decontam.judge";
      }
      return role.equals(STUDENT) ? "generate.students[" + g.students().indexOf(this) + "]" : "generate." + role;
    }
  }

  /**
   * How a role's requests go on the wire: streamed or not, which name the token limit has, whether
   * temperature is sent, {@code n} for several samples in one request, extra provider fields, and
   * the context window to check prompts against.
   *
   * @param contextWindow tokens; 0 = ask the server (/v1/models max_model_len, vLLM and SGLang), -1 = do not check
   * @param free null = decide from the endpoint (see {@link Role#paid()})
   */
  public record Wire(boolean stream, String limitField, boolean sendTemperature, boolean useN, Map<String, Object> extraBody,
      int contextWindow, String contextOverflow, Boolean free) implements Serializable {}

  /**
   * How a role is called: {@code online} (one request at a time) or {@code batch} (its provider's
   * batch API: {@code openai} for /v1/files + /v1/batches, also Together, Groq and vLLM's
   * run_batch format; {@code anthropic} for Message Batches; {@code gemini} for batchGenerateContent),
   * and what batch calls cost.
   *
   * @param priceInput USD per million tokens in a batch; 0 = the online price x {@code discount}
   */
  public record Batch(String mode, String api, double priceInput, double priceOutput, double discount) implements Serializable {}

  /**
   * The batch settings every batch role shares: the poll interval (growing by half each poll up to
   * the max), the most requests and bytes per batch (0 = the provider's limit), and what a run does
   * once its batches are submitted ({@link #WAIT}, {@link #SUBMIT}, {@link #COLLECT}).
   */
  public record Batching(double pollSeconds, double pollMaxSeconds, int maxRequests, long maxBytes, String completionWindow,
      String action) implements Serializable {}


  public static GenerateConfig from(ConfigReader c) {
    Role teacher = role(c, "generate.teacher", TEACHER, TEACHER);
    Role judge = role(c, "generate.judge", JUDGE, JUDGE);
    Role classifier = role(c, "generate.classifier", CLASSIFIER, CLASSIFIER);
    GenerateConfig g = new GenerateConfig(teacher, c.raw("generate.teacher.overwrite") != null && c.bool("generate.teacher.overwrite"), students(c), judge, classifier, c.string("generate.ledger"), c.integer("generate.concurrency", 1),
        c.integer("generate.requests_per_minute", 0), c.longValue("generate.tokens_per_minute"),
        c.integer("generate.max_retries", 0), c.integer("generate.backoff_initial_ms", 0), c.integer("generate.backoff_max_ms", 0),
        c.integer("generate.timeout_seconds", 1), c.integer("generate.idle_timeout_seconds", 1), c.integer("generate.max_fatal_errors", 1),
        c.fraction("generate.max_cost_usd", 0, Double.MAX_VALUE),
        c.bool("generate.retry_failed"), c.integer("generate.ledger_flush_rows", 1), c.integer("generate.ledger_flush_seconds", 1),
        c.integer("generate.progress_seconds", 1), c.bool("generate.dry_run"), batching(c));
    if (g.maxCostUsd() > 0) {
      for (Role r : g.roles()) {
        if (r.paid() && !r.priced()) {
          throw ConfigException.forKey(r.configKey(g) + ".price_input", String.format(Locale.ROOT,
              "generate.max_cost_usd is %s but %s (model %s at %s) is a paid endpoint without prices, so its spending cannot be counted",
              g.maxCostUsd(), r.configKey(g), r.model(), r.baseUrl()),
              "set " + r.configKey(g) + ".price_input and .price_output (USD per million tokens), or " + r.configKey(g)
                  + ".free: true for a server that does not charge per token");
        }
      }
    }
    if (g.tokensPerMinute() < 0) {
      throw ConfigException.forKey("generate.tokens_per_minute", "value " + g.tokensPerMinute() + " is negative", "use 0 (unlimited) or a positive number");
    }
    return g;
  }

  /**
   * decontam.judge: the role keys of generate's judge (endpoint, key, prices, wire) with its own
   * prompt ({question}, {eval_question}); base_url and the key default to generate's, as every
   * role's do. Checked against generate.max_cost_usd like generate's roles.
   */
  public static Role paraphraseJudge(ConfigReader c) {
    String prefix = "decontam.judge";
    Role judge = role(c, prefix, PARAPHRASE_JUDGE, PARAPHRASE_JUDGE, PARAPHRASE_JUDGE_FIXED);
    double cap = c.fraction("generate.max_cost_usd", 0, Double.MAX_VALUE);
    if (judge.enabled() && cap > 0 && judge.paid() && !judge.priced()) {
      throw ConfigException.forKey(prefix + ".price_input", String.format(Locale.ROOT,
          "generate.max_cost_usd is %s but %s (model %s at %s) is a paid endpoint without prices, so its spending cannot be counted",
          cap, prefix, judge.model(), judge.baseUrl()),
          "set " + prefix + ".price_input and .price_output (USD per million tokens), or " + prefix + ".free: true for a server that does not charge per token");
    }
    return judge;
  }

  private static Batching batching(ConfigReader c) {
    double poll = c.fraction("generate.batch.poll_seconds", 0.01, 86400);
    double pollMax = c.fraction("generate.batch.poll_max_seconds", 0.01, 86400);
    if (pollMax < poll) {
      throw ConfigException.forKey("generate.batch.poll_max_seconds", pollMax + " is below generate.batch.poll_seconds " + poll,
          "set poll_max_seconds to at least poll_seconds");
    }
    return new Batching(poll, pollMax, c.integer("generate.batch.max_requests", 0), c.longValue("generate.batch.max_bytes"),
        c.string("generate.batch.completion_window"), c.oneOf("generate.batch.action", List.of(WAIT, SUBMIT, COLLECT)));
  }

  /** Whether any role calls through a batch API. */
  public boolean anyBatched() {
    return roles().stream().anyMatch(Role::batched);
  }

  /** Whether any role names a model, i.e. the generate stage runs. */
  public boolean enabled() {
    return teacher.enabled() || judge.enabled() || classifier.enabled() || !students.isEmpty();
  }

  /** Every configured role, teacher first. */
  public List<Role> roles() {
    List<Role> roles = new ArrayList<>();
    for (Role r : List.of(teacher, judge, classifier)) {
      if (r.enabled()) {
        roles.add(r);
      }
    }
    roles.addAll(students);
    return roles;
  }

  private static List<Role> students(ConfigReader c) {
    List<Role> students = new ArrayList<>();
    List<Map<String, Object>> raw = c.maps("generate.students");
    Set<String> names = new HashSet<>();
    for (int i = 0; i < raw.size(); i++) {
      String key = "generate.students[" + i + "]";
      Map<String, Object> item = raw.get(i);
      for (String k : item.keySet()) {
        if (!ENDPOINT_KEYS.contains(k) && !k.equals("name") && !k.equals("samples")) {
          throw ConfigException.forKey(key + "." + k, "unknown key", "valid keys are name, samples and " + ENDPOINT_KEYS);
        }
      }
      Map<String, Object> withDefaults = studentDefaults();
      withDefaults.putAll(item);
      ConfigReader itemReader = reader(key, mergeDefaults(c, withDefaults));
      String name = itemReader.string(key + ".name");
      if (!name.matches("[A-Za-z0-9._-]+")) {
        throw ConfigException.forKey(key + ".name", "\"" + name + "\" is not a valid student name",
            "use letters, digits, '.', '_' and '-' (it names the grades, e.g. qwen7b)");
      }
      if (!names.add(name)) {
        throw ConfigException.forKey(key + ".name", "the name " + name + " is used twice", "give every student its own name");
      }
      Role student = build(itemReader, key, STUDENT, name, itemReader.integer(key + ".samples", 1));
      if (!student.enabled()) {
        throw ConfigException.forKey(key + ".model", "missing", "name the student's model, e.g. model: Qwen/Qwen2.5-7B-Instruct");
      }
      students.add(student);
    }
    return students;
  }

  private static Map<String, Object> studentDefaults() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("temperature", 0.0);
    d.put("stream", true);
    d.put("limit_field", "max_tokens");
    d.put("send_temperature", true);
    d.put("use_n", false);
    d.put("extra_body", Map.of());
    d.put("context_window", 0);
    d.put("context_overflow", REFUSE);
    d.put("free", "auto");
    d.put("max_tokens", 8192);
    d.put("price_input", 0.0);
    d.put("price_output", 0.0);
    d.put("system", "");
    d.put("prompt", STUDENT_PROMPT);
    d.put("samples", 1);
    d.put("mode", ONLINE);
    d.put("batch_api", "openai");
    d.put("price_input_batch", 0.0);
    d.put("price_output_batch", 0.0);
    d.put("batch_discount", 0.5);
    return d;
  }

  private static Map<String, Object> mergeDefaults(ConfigReader c, Map<String, Object> item) {
    Map<String, Object> merged = new LinkedHashMap<>(item);
    for (String k : List.of("base_url", "api_key_env", "api_key_file")) {
      if (String.valueOf(merged.getOrDefault(k, "")).isBlank()) {
        merged.put(k, c.string("generate." + k));
      }
    }
    return merged;
  }

  private static Role role(ConfigReader c, String prefix, String role, String name) {
    return role(c, prefix, role, name, Map.of());
  }

  /** @param fixed keys the section cannot set (absent from the schema), under the defaults and the user's keys */
  private static Role role(ConfigReader c, String prefix, String role, String name, Map<String, Object> fixed) {
    // Over the defaults: --set generate.teacher={model: ...} replaces the whole section.
    Map<String, Object> section = new LinkedHashMap<>(fixed);
    if (new ConfigReader(ConfigLoader.defaults()).raw(prefix) instanceof Map<?, ?> d) {
      d.forEach((k, v) -> section.put(String.valueOf(k), v));
    }
    if (c.raw(prefix) instanceof Map<?, ?> m) {
      m.forEach((k, v) -> section.put(String.valueOf(k), v));
    }
    ConfigReader merged = reader(prefix, mergeDefaults(c, section));
    int samples = section.containsKey("samples") ? merged.integer(prefix + ".samples", 1) : 1;
    return build(merged, prefix, role, name, samples);
  }

  /** A reader that sees {@code section} at {@code prefix} (generate.x, decontam.judge), so errors name the real key. */
  private static ConfigReader reader(String prefix, Map<String, Object> section) {
    int dot = prefix.indexOf('.');
    return new ConfigReader(Map.of(prefix.substring(0, dot), Map.of(prefix.substring(dot + 1), section)));
  }

  private static Wire wire(ConfigReader c, String prefix) {
    Map<String, Object> extra = new LinkedHashMap<>();
    Object raw = c.raw(prefix + ".extra_body");
    if (raw != null && !(raw instanceof Map)) {
      throw ConfigException.forKey(prefix + ".extra_body", "expected a mapping but found " + raw, "write provider fields as key: value lines, e.g. {top_p: 0.95}");
    }
    if (raw instanceof Map<?, ?> m) {
      m.forEach((k, v) -> extra.put(String.valueOf(k), v));
    }
    for (String k : extra.keySet()) {
      if (RESERVED_BODY_KEYS.contains(k)) {
        throw ConfigException.forKey(prefix + ".extra_body." + k, "distill sets " + k + " itself",
            "use the role's own keys (temperature, max_tokens, limit_field, use_n, stream) instead");
      }
    }
    int window = c.integer(prefix + ".context_window", -1);
    return new Wire(c.bool(prefix + ".stream"), c.oneOf(prefix + ".limit_field", List.of("max_tokens", "max_completion_tokens")),
        c.bool(prefix + ".send_temperature"), c.bool(prefix + ".use_n"), extra, window,
        c.oneOf(prefix + ".context_overflow", List.of(CLAMP, REFUSE)), c.autoBool(prefix + ".free"));
  }

  private static Batch batch(ConfigReader c, String prefix) {
    return new Batch(c.oneOf(prefix + ".mode", List.of(ONLINE, BATCH)), c.oneOf(prefix + ".batch_api", BATCH_APIS),
        c.fraction(prefix + ".price_input_batch", 0, 1e6), c.fraction(prefix + ".price_output_batch", 0, 1e6),
        c.fraction(prefix + ".batch_discount", 0, 1));
  }

  private static Role build(ConfigReader c, String prefix, String role, String name, int samples) {
    String model = c.string(prefix + ".model").trim();
    String baseUrl = c.string(prefix + ".base_url").trim();
    PromptTemplate prompt;
    try {
      prompt = PromptTemplate.parse(c.string(prefix + ".prompt"), PLACEHOLDERS.get(role));
    } catch (IllegalArgumentException e) {
      throw ConfigException.forKey(prefix + ".prompt", e.getMessage(), "use only " + PLACEHOLDERS.get(role) + " (write {{name}} for a literal {name})");
    }
    Role r = new Role(role, name, model, baseUrl, c.string(prefix + ".api_key_env").trim(), c.string(prefix + ".api_key_file").trim(),
        c.fraction(prefix + ".temperature", 0, 2), c.integer(prefix + ".max_tokens", 1), samples,
        c.fraction(prefix + ".price_input", 0, 1e6), c.fraction(prefix + ".price_output", 0, 1e6), c.string(prefix + ".system"), prompt,
        wire(c, prefix), batch(c, prefix));
    if (samples > 1 && r.enabled() && r.temperature() == 0 && r.wire().sendTemperature()) {
      throw ConfigException.forKey(prefix + ".samples", samples + " samples at temperature 0 would be " + samples + " copies of one answer",
          "set " + prefix + ".temperature above 0 (e.g. 0.6, as the model cards of reasoning models advise) or samples: 1");
    }
    if (r.enabled() && r.batched() && "anthropic".equals(r.batch().api()) && samples > 1 && r.wire().useN()) {
      throw ConfigException.forKey(prefix + ".use_n", "Anthropic's Message Batches take one answer per request (no n)",
          "set " + prefix + ".use_n: false (one seeded request per sample)");
    }
    if (r.enabled() && !(baseUrl.startsWith("http://") || baseUrl.startsWith("https://"))) {
      throw ConfigException.forKey(prefix + ".base_url", baseUrl.isEmpty() ? "missing for model " + model : "\"" + baseUrl + "\" is not an http(s) URL",
          "set generate.base_url (or the role's own), e.g. http://127.0.0.1:8000/v1");
    }
    return r;
  }
}
