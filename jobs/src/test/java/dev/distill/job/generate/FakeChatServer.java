package dev.distill.job.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.distill.job.io.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real chat-completions server on 127.0.0.1 for tests: deterministic replies per model, served in
 * the documented dialect of a real OpenAI-compatible server (a "profile", chosen by the URL path
 * prefix: see {@link #baseUrl(String)}), and misbehaviour on command, chosen by markers in the
 * question so each case is reproducible.
 *
 * <p>Markers (first attempt only unless said): [429] (429 with Retry-After: 1), [500], [always500]
 * (every attempt), [slow] (slower than the client's timeout), [truncated] (half a body), [missing]
 * (no choices), [nothink] (teacher reply without thinking), [length] (every attempt: cut by the
 * token cap while thinking), [quota] (every attempt until {@link #refillQuota()}), [ratelimit]
 * (transient 429 with the profile's headers), [err200] (OpenRouter: an error inside a 200),
 * [array] (content as parts), [badrequest] (every attempt: 400), [stall] and [drop] (a stream that
 * stops, or whose connection is cut), [long] (a long reasoning reply streamed token by token),
 * [overflow] (the prompt is larger than the context window), [pass=K] (model student-rate: choice
 * or seed i is right iff i &lt; K).
 *
 * <p>Models: teacher-r (thinking in the profile's reasoning field), teacher-t (thinking in think
 * tags), student-good / student-bad (right / wrong answer), student-rate ([pass=K]), judge (Yes when
 * the attempt holds the reference), classifier (code 11 on the last line). On the openai profile a
 * reasoning model name (o1, o3-mini, gpt-5...) behaves as teacher-r.
 *
 * <p>Billing. Real providers bill a generation they ran even when the client never read it whole:
 * an abandoned stream, a dropped connection, a reply that came after the client's timeout. A client
 * that records spend therefore has to assume the worst case for every attempt it could not read
 * whole: all of the request's prompt (its UTF-8 bytes + 32, {@link #worstCasePromptTokens(String)},
 * a bound no tokenizer exceeds) and all of its max_tokens (or max_completion_tokens; the context
 * window when it sets neither) times n. This server bills exactly that for such attempts
 * ([truncated], [stall], [drop], a [slow] first attempt, a client that went away mid-reply), bills
 * a complete 200 reply at the usage it sent, and bills nothing for errors (4xx, 5xx, 429,
 * [missing], [err200]). So "spend the client recorded = what the server billed" is an exact check;
 * see {@link #billedPromptTokens(String)}, and {@link #awaitIdle(long)} for attempts the server
 * finishes after the client gave up on them.
 */
public final class FakeChatServer implements AutoCloseable {
  public static final String KEY = "sk-test-7f3a9c1e55d2b0aa";
  /** USD per million tokens the openrouter profile reports in usage.cost. */
  public static final double OPENROUTER_PRICE_IN = 1.0;
  public static final double OPENROUTER_PRICE_OUT = 2.0;
  public static final List<String> PROFILES = List.of("plain", "vllm", "sglang", "llama", "ollama", "openai", "deepseek", "gemini",
      "anthropic", "openrouter", "nostream");
  /** Every model the tests use, as GET /models lists them. */
  public static final List<String> MODELS = List.of("teacher-r", "teacher-t", "student-good", "student-bad", "student-rate", "judge",
      "classifier");

  private static final Pattern PASS = Pattern.compile("\\[pass=(\\d+)]");
  // https://platform.openai.com/docs/guides/reasoning: o-series and gpt-5 are reasoning models.
  private static final Pattern OPENAI_REASONING_MODEL = Pattern.compile("^(o\\d|gpt-5).*");
  private static final long SLOW_MS = 3500;
  private static final String TOKEN = "think ";

  /** One server dialect; the prefix is the path its base URL ends with. */
  private enum Profile {
    // Today's behaviour, plus streaming.
    PLAIN("/v1", "reasoning_content", true, false),
    // https://docs.vllm.ai/en/stable/features/reasoning_outputs/ : "reasoning used to be called reasoning_content" (PR #27752, #33402).
    VLLM("/vllm/v1", "reasoning", true, false),
    // https://docs.sglang.io/docs/advanced_features/separate_reasoning : message.reasoning_content.
    SGLANG("/sglang/v1", "reasoning_content", true, false),
    // ggml-org/llama.cpp tools/server/README.md: --reasoning-format deepseek puts thoughts in message.reasoning_content.
    LLAMA("/llama/v1", "reasoning_content", false, false),
    // ollama/ollama openai/openai.go: Message.Reasoning `json:"reasoning,omitempty"`; Content is a string, so "" not null.
    OLLAMA("/ollama/v1", "reasoning", false, true),
    // https://platform.openai.com/docs/guides/reasoning: reasoning tokens are not returned, only counted in usage.
    OPENAI("/openai/v1", null, false, true),
    // https://api-docs.deepseek.com/guides/reasoning_model : reasoning_content at the level of content.
    DEEPSEEK("/deepseek/v1", "reasoning_content", false, false),
    // https://ai.google.dev/gemini-api/docs/openai : base URL .../v1beta/openai/; thoughts only with include_thoughts.
    GEMINI("/gemini/v1beta/openai", null, false, true),
    // https://platform.claude.com/docs/en/api/openai-sdk : "the OpenAI SDK will not return Claude's detailed thought process".
    ANTHROPIC("/anthropic/v1", null, false, true),
    // https://openrouter.ai/docs/use-cases/reasoning-tokens : message.reasoning; base URL https://openrouter.ai/api/v1.
    OPENROUTER("/openrouter/api/v1", "reasoning", false, false),
    // A server that ignores "stream" and always answers one JSON body.
    NOSTREAM("/nostream/v1", "reasoning_content", false, false);

    final String prefix;
    /** The message / delta field the thinking goes in; null: the server does not return it. */
    final String reasoningField;
    /** Serves GET /models with max_model_len (vLLM, SGLang). */
    final boolean listsModels;
    /** A reply cut while thinking has content "" rather than null. */
    final boolean emptyContent;

    Profile(String prefix, String reasoningField, boolean listsModels, boolean emptyContent) {
      this.prefix = prefix;
      this.reasoningField = reasoningField;
      this.listsModels = listsModels;
      this.emptyContent = emptyContent;
    }

    static Profile named(String name) {
      return valueOf(name.toUpperCase(java.util.Locale.ROOT));
    }
  }

  /** One request as the server reads it. */
  private record Req(String body, Profile profile, int attempt, JsonNode json, String model, String role, String prompt,
      String question, int n, Integer maxTokens, Double temperature, int seed, boolean stream, boolean includeUsage,
      boolean thoughts, int contextTokens) {
    boolean has(String marker) {
      return question.contains(marker);
    }

    boolean thinker() {
      return "teacher-r".equals(role) || "teacher-t".equals(role);
    }

    /** A [long] reply is paced token by token; every other reply is written at once. */
    boolean paced() {
      return thinker() && has("[long]");
    }
  }

  /** A piece of a reply as one stream delta: field r (reasoning), c (content) or h (hidden reasoning: generated, not sent). */
  private record Piece(char field, String text) {}

  private record Choice(int index, List<Piece> pieces, String finish, int completionTokens, int reasoningTokens) {}

  private record Reply(int status, String body, Map<String, String> headers) {
    Reply(int status, String body) {
      this(status, body, Map.of());
    }
  }

  private enum Outcome { COMPLETE, BROKEN, UNBILLED }

  private final HttpServer server;
  private final Map<String, String> answers;
  private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> answered = new ConcurrentHashMap<>();
  private final Map<String, List<Long>> attemptTimes = new ConcurrentHashMap<>();
  private final Map<String, Long> lastSeen = new ConcurrentHashMap<>();
  private final Map<Integer, AtomicInteger> statusCounts = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> billedPrompt = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> billedCompletion = new ConcurrentHashMap<>();
  private final AtomicInteger billedAttempts = new AtomicInteger();
  private final AtomicLong sequence = new AtomicLong();
  private final AtomicInteger totalAnswered = new AtomicInteger();
  private final AtomicInteger unauthorized = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile int hangAfter = Integer.MAX_VALUE;
  private volatile CountDownLatch release = new CountDownLatch(0);
  private volatile boolean quotaRefilled;
  /** After this many complete replies every request meets a spent quota (until refilled), as an account running dry does. */
  private volatile int quotaReplies = Integer.MAX_VALUE;
  private volatile int maxModelLen = 32768;
  private volatile int longTokens = 30000;
  private volatile long chunkDelayMicros = 115;
  private volatile long stallMillis = 5000;

  /** @param answers question text -> the reference answer the teacher and student-good give */
  public FakeChatServer(Map<String, String> answers) throws IOException {
    this.answers = answers;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    // Streams hold a thread each for their whole length: room for a benchmark's concurrency of streams.
    server.setExecutor(Executors.newFixedThreadPool(256));
    server.createContext("/", this::route);
    server.start();
  }

  public String baseUrl() {
    return baseUrl("plain");
  }

  /** The base URL of one profile: plain, vllm, sglang, llama, ollama, openai, deepseek, gemini, anthropic, openrouter, nostream. */
  public String baseUrl(String profile) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + Profile.named(profile).prefix;
  }

  /** After {@code n} more replies, hold every further request until {@link #release()}. */
  public void hangAfter(int n) {
    release = new CountDownLatch(1);
    hangAfter = totalAnswered.get() + n;
  }

  public void release() {
    hangAfter = Integer.MAX_VALUE;
    release.countDown();
  }

  /** After {@code replies} more complete replies, every request gets the profile's spent-quota error until {@link #refillQuota()}. */
  public void exhaustQuotaAfter(int replies) {
    quotaRefilled = false;
    quotaReplies = totalAnswered.get() + replies;
  }

  /** [quota] questions fail until this is called, then answer; an exhausted quota is refilled too. */
  public void refillQuota() {
    quotaReplies = Integer.MAX_VALUE;
    quotaRefilled = true;
  }

  /** The context window GET /models reports and requests are checked against (default 32768). */
  public void setMaxModelLen(int tokens) {
    maxModelLen = tokens;
  }

  /** How many reasoning tokens a [long] teacher reply has (default 30000). */
  public void setLongTokens(int tokens) {
    longTokens = tokens;
  }

  /** The pause between two [long] tokens (default 115 us: 30,000 tokens in about 3.5 s). */
  public void setChunkDelayMicros(long micros) {
    chunkDelayMicros = micros;
  }

  /** How long a [stall] stream stays silent before the server gives up on it (default 5000 ms). */
  public void setStallMillis(long millis) {
    stallMillis = millis;
  }

  /** The wait a profile's [ratelimit] 429 asks for, in milliseconds. */
  public static long rateLimitWaitMillis(String profile) {
    return Profile.named(profile) == Profile.OPENAI ? 600 : 1000;
  }

  /** The prompt tokens a client must assume for a request it could not read a reply to: UTF-8 bytes of the body + 32. */
  public static long worstCasePromptTokens(String body) {
    return body.getBytes(StandardCharsets.UTF_8).length + 32L;
  }

  public int totalHits() {
    return hits.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  public int totalAnswered() {
    return totalAnswered.get();
  }

  /** Requests per body (chat requests with a valid key). */
  public Map<String, AtomicInteger> hits() {
    return hits;
  }

  /** Replies completed per request body: a call paid for twice shows as 2. */
  public Map<String, AtomicInteger> answered() {
    return answered;
  }

  /** HTTP statuses sent, counted. */
  public Map<Integer, AtomicInteger> statusCounts() {
    return statusCounts;
  }

  /**
   * System.nanoTime() of each attempt of one raw body, in order. A streaming client sends a body of its own (with
   * stream, stream_options): find it with {@link #lastRequest(String)}.
   */
  public List<Long> attemptTimes(String body) {
    return List.copyOf(attemptTimes.getOrDefault(body, List.of()));
  }

  /** How many requests had a body containing {@code substring}. */
  public int requestsMatching(String substring) {
    return hits.entrySet().stream().filter(e -> e.getKey().contains(substring)).mapToInt(e -> e.getValue().get()).sum();
  }

  /** The last raw body containing {@code substring}, or null. */
  public String lastRequest(String substring) {
    return lastSeen.entrySet().stream().filter(e -> e.getKey().contains(substring)).max(Map.Entry.comparingByValue())
        .map(Map.Entry::getKey).orElse(null);
  }

  /**
   * Waits until no chat request is being answered (a [slow] or [stall] first attempt is billed only when the server is done
   * with it, after the client gave up on it). False if requests are still in flight after {@code timeoutMillis}.
   */
  public boolean awaitIdle(long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    while (inFlight.get() > 0) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(10);
    }
    return true;
  }

  public int unauthorized() {
    return unauthorized.get();
  }

  public long billedPromptTokens(String model) {
    LongAdder a = billedPrompt.get(model);
    return a == null ? 0 : a.sum();
  }

  public long billedCompletionTokens(String model) {
    LongAdder a = billedCompletion.get(model);
    return a == null ? 0 : a.sum();
  }

  /** Attempts billed, complete or worst-case, all models. */
  public int billedAttempts() {
    return billedAttempts.get();
  }

  public double billedUsd(String model, double pricePerMillionIn, double pricePerMillionOut) {
    return (billedPromptTokens(model) * pricePerMillionIn + billedCompletionTokens(model) * pricePerMillionOut) / 1e6;
  }

  public void resetCounts() {
    hits.clear();
    answered.clear();
    totalAnswered.set(0);
    attemptTimes.clear();
    lastSeen.clear();
    statusCounts.clear();
    billedPrompt.clear();
    billedCompletion.clear();
    billedAttempts.set(0);
  }

  // ---------------------------------------------------------------- routing

  private void route(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      for (Profile p : Profile.values()) {
        if (!path.startsWith(p.prefix + "/")) {
          continue;
        }
        String rest = path.substring(p.prefix.length());
        if (rest.startsWith("/chat/completions") && "POST".equals(exchange.getRequestMethod())) {
          chat(exchange, p);
        } else if (rest.equals("/models") && p.listsModels && "GET".equals(exchange.getRequestMethod())) {
          models(exchange, p);
        } else {
          send(exchange, new Reply(404, "{\"error\":{\"message\":\"not found\"}}"));
        }
        return;
      }
      send(exchange, new Reply(404, "{\"error\":{\"message\":\"not found\"}}"));
    }
  }

  private boolean authorized(HttpExchange exchange) {
    return ("Bearer " + KEY).equals(exchange.getRequestHeaders().getFirst("Authorization"));
  }

  // vllm serving_models.py / sglang http_server.py available_models: ModelCard with max_model_len (the context window).
  private void models(HttpExchange exchange, Profile p) throws IOException {
    exchange.getRequestBody().readAllBytes();
    if (!authorized(exchange)) {
      unauthorized.incrementAndGet();
      send(exchange, unauthorizedReply(p));
      return;
    }
    ObjectNode root = Json.MAPPER.createObjectNode().put("object", "list");
    ArrayNode data = root.putArray("data");
    for (String m : MODELS) {
      data.addObject().put("id", m).put("object", "model").put("created", 0).put("owned_by", p == Profile.SGLANG ? "sglang" : "vllm")
          .put("root", m).putNull("parent").put("max_model_len", maxModelLen).putArray("permission");
    }
    send(exchange, new Reply(200, root.toString()));
  }

  private void chat(HttpExchange exchange, Profile p) throws IOException {
    inFlight.incrementAndGet();
    try {
      answer(exchange, p);
    } finally {
      inFlight.decrementAndGet();
    }
  }

  private void answer(HttpExchange exchange, Profile p) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    if (!authorized(exchange)) {
      unauthorized.incrementAndGet();
      send(exchange, unauthorizedReply(p));
      return;
    }
    int attempt = hits.computeIfAbsent(body, k -> new AtomicInteger()).incrementAndGet();
    attemptTimes.computeIfAbsent(body, k -> new CopyOnWriteArrayList<>()).add(System.nanoTime());
    lastSeen.put(body, sequence.incrementAndGet());
    if (totalAnswered.get() >= hangAfter) {
      // Held until released, then dropped unanswered: the client that sent it is gone by then.
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return;
    }
    Req r;
    try {
      r = parse(body, p, attempt);
    } catch (IOException | RuntimeException e) {
      send(exchange, new Reply(400, errorBody(p, 400, null, null, "could not parse the request: " + e.getMessage()).toString()));
      return;
    }
    Reply rejection = reject(r);
    if (rejection != null) {
      send(exchange, rejection);
      return;
    }
    if (r.has("[missing]") && attempt == 1) {
      sendMissing(exchange, r);
      return;
    }
    if (r.has("[err200]") && p == Profile.OPENROUTER && attempt == 1 && !r.stream) {
      // https://openrouter.ai/docs/api-reference/errors : an error after the model started is sent with status 200.
      send(exchange, new Reply(200, errorInA200()));
      return;
    }
    List<Choice> choices = generate(r);
    boolean slowFirst = r.has("[slow]") && attempt == 1;
    if (slowFirst) {
      sleep(SLOW_MS);
    }
    Outcome outcome;
    try {
      outcome = r.stream && p != Profile.NOSTREAM ? stream(exchange, r, choices) : whole(exchange, r, choices);
    } catch (IOException e) {
      outcome = Outcome.BROKEN; // the client went away mid-reply
    }
    if (outcome == Outcome.COMPLETE && !slowFirst) {
      bill(r.model, usagePrompt(r), choices.stream().mapToLong(Choice::completionTokens).sum());
      answered.computeIfAbsent(body, k -> new AtomicInteger()).incrementAndGet();
      totalAnswered.incrementAndGet();
    } else if (outcome == Outcome.BROKEN || slowFirst) {
      // Generated, but not read whole (or read after the client's timeout): the worst case the client must assume.
      bill(r.model, worstCasePromptTokens(body), (long) (r.maxTokens != null ? r.maxTokens : maxModelLen) * Math.max(1, r.n));
    }
  }

  // ---------------------------------------------------------------- the request

  private Req parse(String body, Profile p, int attempt) throws IOException {
    JsonNode json = Json.MAPPER.readTree(body);
    String model = json.path("model").asText();
    JsonNode messages = json.path("messages");
    String prompt = text(messages.get(messages.size() - 1).path("content"));
    int context = 5;
    for (JsonNode m : messages) {
      context += text(m.path("content")).length() / 4;
    }
    String question = question(prompt);
    if (question.contains("[overflow]")) {
      context = maxModelLen + 1000;
    }
    Integer maxTokens = json.hasNonNull("max_completion_tokens") ? Integer.valueOf(json.get("max_completion_tokens").asInt())
        : json.hasNonNull("max_tokens") ? Integer.valueOf(json.get("max_tokens").asInt()) : null;
    Double temperature = json.hasNonNull("temperature") ? json.get("temperature").asDouble() : null;
    // https://ai.google.dev/gemini-api/docs/openai (thinking): extra_body.google.thinking_config.include_thoughts.
    JsonNode google = json.path("extra_body").path("google").isObject() ? json.path("extra_body").path("google") : json.path("google");
    boolean thoughts = google.path("thinking_config").path("include_thoughts").asBoolean(false);
    return new Req(body, p, attempt, json, model, role(p, model), prompt, question, json.path("n").asInt(1), maxTokens, temperature,
        json.path("seed").asInt(0), json.path("stream").asBoolean(false), json.path("stream_options").path("include_usage").asBoolean(false),
        thoughts, context);
  }

  /** A message content as text: a string, or the text parts of an array of parts. */
  private static String text(JsonNode content) {
    if (content.isArray()) {
      StringBuilder b = new StringBuilder();
      content.forEach(part -> b.append(part.path("text").asText("")));
      return b.toString();
    }
    return content.isTextual() ? content.asText() : "";
  }

  private String question(String prompt) {
    String best = "";
    for (String q : answers.keySet()) {
      if (prompt.contains(q) && q.length() > best.length()) {
        best = q;
      }
    }
    return best;
  }

  private static String role(Profile p, String model) {
    if (p == Profile.OPENAI && OPENAI_REASONING_MODEL.matcher(model).matches()) {
      return "teacher-r";
    }
    return model;
  }

  /** The prompt tokens usage reports: the last message's length / 4 + 5, as before profiles. */
  private int usagePrompt(Req r) {
    if (r.profile == Profile.OLLAMA && r.contextTokens > maxModelLen) {
      // ollama issue #17427: an over-long prompt is cut to half the context buffer (+2), front dropped, with 200 OK.
      return maxModelLen / 2 + 2;
    }
    return r.prompt.length() / 4 + 5;
  }

  // ---------------------------------------------------------------- refusals

  /** An error reply for this request, or null to answer it. */
  private Reply reject(Req r) {
    Profile p = r.profile;
    if (r.has("[always500]") || r.has("[500]") && r.attempt == 1) {
      return legacy(p) ? new Reply(500, "{\"error\":{\"message\":\"internal error\"}}")
          : new Reply(500, errorBody(p, 500, null, null, "internal error").toString());
    }
    if (r.has("[429]") && r.attempt == 1) {
      String body = legacy(p) ? "{\"error\":{\"message\":\"rate limited\"}}" : errorBody(p, 429, null, null, "rate limited").toString();
      return new Reply(429, body, Map.of("Retry-After", "1"));
    }
    if ((r.has("[quota]") || totalAnswered.get() >= quotaReplies) && !quotaRefilled) {
      Reply quota = quota(r);
      if (quota != null) {
        return quota;
      }
    }
    if (r.has("[ratelimit]") && r.attempt == 1) {
      return rateLimit(r);
    }
    if (r.has("[badrequest]")) {
      return badRequest(p);
    }
    Reply refused = openaiParameters(r);
    if (refused == null) {
      refused = choiceCount(r);
    }
    return refused != null ? refused : overflow(r);
  }

  private static boolean legacy(Profile p) {
    return p == Profile.PLAIN || p == Profile.NOSTREAM;
  }

  private static Reply unauthorizedReply(Profile p) {
    return new Reply(401, legacy(p) ? "{\"error\":{\"message\":\"invalid api key\"}}" : errorBody(p, 401, null, null, "invalid api key").toString());
  }

  /** A quota that is spent: a billing error that no retry fixes; null where the server has no billing (self-hosted). */
  private Reply quota(Req r) {
    Profile p = r.profile;
    switch (p) {
      case OPENAI, PLAIN, NOSTREAM -> {
        // https://platform.openai.com/docs/guides/error-codes : 429 "You exceeded your current quota" (insufficient_quota).
        return new Reply(429, errorBody(p, 429, "insufficient_quota", "insufficient_quota",
            "You exceeded your current quota, please check your plan and billing details. For more information on this error, "
                + "read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.").toString());
      }
      case DEEPSEEK -> {
        // https://api-docs.deepseek.com/quick_start/error_codes : 402 Insufficient Balance (body as observed: type unknown_error).
        return new Reply(402, errorBody(p, 402, "unknown_error", "invalid_request_error", "Insufficient Balance").toString());
      }
      case OPENROUTER -> {
        // https://openrouter.ai/docs/api-reference/errors : 402 "Your account or API key has insufficient credits".
        JsonNode root = errorBody(p, 402, null, null, "Insufficient credits. Add more using https://openrouter.ai/settings/credits");
        ((ObjectNode) inner(p, root).get("metadata")).put("limit_source", "openrouter_credits");
        return new Reply(402, root.toString());
      }
      case GEMINI -> {
        // google-gemini/gemini-cli issue #22988 and client logs: 429 RESOURCE_EXHAUSTED "You exceeded your current quota", QuotaFailure.
        JsonNode root = errorBody(p, 429, null, null, "You exceeded your current quota, please check your plan and billing details. "
            + "For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.");
        ((ObjectNode) inner(p, root)).putArray("details").addObject().put("@type", "type.googleapis.com/google.rpc.QuotaFailure")
            .putArray("violations").addObject().put("quotaMetric", "generativelanguage.googleapis.com/generate_content_free_tier_requests")
            .put("quotaId", "GenerateRequestsPerDayPerProjectPerModel-FreeTier");
        return new Reply(429, root.toString());
      }
      case ANTHROPIC -> {
        // Seen by clients as 400 invalid_request_error (https://platform.claude.com/docs/en/api/errors now also lists 402 billing_error).
        return new Reply(400, errorBody(p, 400, "invalid_request_error", null, "Your credit balance is too low to access the Anthropic API. "
            + "Please go to Plans & Billing to upgrade or purchase credits.").toString());
      }
      default -> {
        return null;
      }
    }
  }

  /** A transient 429 that asks for a short wait, in each provider's own headers. */
  private Reply rateLimit(Req r) {
    Profile p = r.profile;
    Map<String, String> headers = new LinkedHashMap<>();
    JsonNode body;
    switch (p) {
      case OPENAI, PLAIN, NOSTREAM -> {
        // OpenAI asks for 600 ms; plain and nostream ask for 1 s in every header, Retry-After included (as before profiles).
        long wait = rateLimitWaitMillis(p.name());
        String duration = wait == 600 ? "600ms" : "1s";
        // https://platform.openai.com/docs/guides/rate-limits : x-ratelimit-* headers, resets as durations ("1s", "6m0s").
        headers.put("x-ratelimit-limit-requests", "3");
        headers.put("x-ratelimit-remaining-requests", "0");
        headers.put("x-ratelimit-reset-requests", duration);
        headers.put("x-ratelimit-limit-tokens", "40000");
        headers.put("x-ratelimit-remaining-tokens", "39000");
        headers.put("x-ratelimit-reset-tokens", "1s");
        // openai/openai-python src/openai/_base_client.py reads retry-after-ms before retry-after.
        headers.put("retry-after-ms", String.valueOf(wait));
        if (p != Profile.OPENAI) {
          headers.put("Retry-After", "1");
        }
        body = errorBody(p, 429, "requests", "rate_limit_exceeded", "Rate limit reached for " + r.model
            + " in organization org-test on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in " + duration + ".");
      }
      case ANTHROPIC -> {
        // https://platform.claude.com/docs/en/api/rate-limits : 429 rate_limit_error with retry-after (seconds) and anthropic-ratelimit-*.
        headers.put("retry-after", "1");
        headers.put("anthropic-ratelimit-requests-limit", "50");
        headers.put("anthropic-ratelimit-requests-remaining", "0");
        headers.put("anthropic-ratelimit-requests-reset", Instant.now().plusSeconds(1).toString());
        body = errorBody(p, 429, "rate_limit_error", null, "Number of requests has exceeded your per-minute rate limit");
      }
      case GEMINI -> {
        // Google APIs: 429 RESOURCE_EXHAUSTED; the wait is a google.rpc.RetryInfo retryDelay in the body, not a header.
        body = errorBody(p, 429, null, null, "Resource has been exhausted (e.g. check quota).");
        ((ObjectNode) inner(p, body)).putArray("details").addObject().put("@type", "type.googleapis.com/google.rpc.RetryInfo")
            .put("retryDelay", "1s");
      }
      default -> {
        // https://openrouter.ai/docs/api-reference/errors : Retry-After (seconds) on 429. vLLM, SGLang, llama-server and Ollama
        // have no rate limiter of their own: this is the gateway in front of them.
        headers.put("Retry-After", "1");
        body = errorBody(p, 429, null, null, "Rate limit exceeded, retry later");
      }
    }
    return new Reply(429, body.toString(), headers);
  }

  /** An unsupported parameter, refused on every attempt. */
  private static Reply badRequest(Profile p) {
    String message = switch (p) {
      // Google APIs reject unknown fields so (google.rpc BadRequest wording).
      case GEMINI -> "Invalid JSON payload received. Unknown name \"frobnicate\": Cannot find field.";
      // ggml-org/llama.cpp tools/server/utils.hpp: "Unsupported param: ".
      case LLAMA -> "Unsupported param: frobnicate";
      default -> "Unrecognized request argument supplied: frobnicate";
    };
    return new Reply(400, errorBody(p, 400, null, null, message).toString());
  }

  /** OpenAI reasoning models refuse max_tokens and any temperature but 1. */
  private static Reply openaiParameters(Req r) {
    if (r.profile != Profile.OPENAI || !OPENAI_REASONING_MODEL.matcher(r.model).matches()) {
      return null;
    }
    if (r.json.hasNonNull("max_tokens")) {
      // As reported in microsoft/vscode-copilot-release issue #8065: 400 unsupported_parameter, param max_tokens.
      return new Reply(400, errorBody(Profile.OPENAI, 400, "invalid_request_error", "unsupported_parameter", "max_tokens",
          "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.").toString());
    }
    if (r.temperature != null && r.temperature != 1.0) {
      // As reported in owndev/Open-WebUI-Functions issue #98: 400 unsupported_value, "Only the default (1) value is supported."
      String value = BigDecimal.valueOf(r.temperature).stripTrailingZeros().toPlainString();
      return new Reply(400, errorBody(Profile.OPENAI, 400, "invalid_request_error", "unsupported_value", "temperature",
          "Unsupported value: 'temperature' does not support " + value + " with this model. Only the default (1) value is supported.")
          .toString());
    }
    return null;
  }

  /** Servers that refuse n != 1 (the others honour it or ignore it: see {@link #effectiveN(Req)}). */
  private static Reply choiceCount(Req r) {
    if (r.n == 1) {
      return null;
    }
    return switch (r.profile) {
      // ggml-org/llama.cpp tools/server/utils.hpp oaicompat_chat_params_parse: "Only one completion choice is allowed" (sent as 500).
      case LLAMA -> new Reply(500, errorBody(Profile.LLAMA, 500, "server_error", null, "Only one completion choice is allowed").toString());
      // https://platform.claude.com/docs/en/api/openai-sdk : n "Must be exactly 1".
      case ANTHROPIC -> new Reply(400, errorBody(Profile.ANTHROPIC, 400, null, null, "n: only n=1 is supported").toString());
      // deepseek-ai/DeepSeek-V2 issue #55 (only n = 1); 422 Invalid Parameters per https://api-docs.deepseek.com/quick_start/error_codes.
      case DEEPSEEK -> new Reply(422, errorBody(Profile.DEEPSEEK, 422, "invalid_request_error", "invalid_request_error",
          "Invalid n value (currently only n = 1 is supported)").toString());
      // googleapis/js-genai issue #1609: Gemini 3 models refuse candidateCount > 1.
      case GEMINI -> r.model.startsWith("gemini-3")
          ? new Reply(400, errorBody(Profile.GEMINI, 400, null, null, "Multiple candidates is not enabled for this model").toString())
          : null;
      default -> null;
    };
  }

  /** A prompt (or prompt + max tokens) larger than the context window, refused in each server's words. */
  private Reply overflow(Req r) {
    int window = maxModelLen;
    int prompt = r.contextTokens;
    int max = r.maxTokens == null ? 0 : r.maxTokens;
    boolean promptTooLong = prompt > window;
    boolean totalTooLong = prompt + max > window;
    if (!totalTooLong) {
      return null;
    }
    Profile p = r.profile;
    String message;
    switch (p) {
      case VLLM -> // vllm issues #12886, fms-guardrails-orchestrator #511: the wording, nested since PR #22099 (v0.10.1), " None" sic.
          message = promptTooLong
              ? "This model's maximum context length is " + window + " tokens. However, your request has " + prompt
                  + " input tokens. Please reduce the length of the input messages. None"
              : "'max_tokens' or 'max_completion_tokens' is too large: " + max + ". This model's maximum context length is " + window
                  + " tokens and your request has " + prompt + " input tokens (" + max + " > " + window + " - " + prompt + "). None";
      case SGLANG -> // sgl-project/sglang tokenizer_manager.py _validate_token_len.
          message = promptTooLong
              ? "The input (" + prompt + " tokens) is longer than the model's context length (" + window + " tokens)."
              : "Requested token count exceeds the model's maximum context length of " + window + " tokens. You requested a total of "
                  + (prompt + max) + " tokens: " + prompt + " tokens from the input messages and " + max + " tokens for the completion. "
                  + "Please reduce the number of tokens in the input messages or the completion to fit within the limit.";
      case LLAMA -> {
        if (!promptTooLong) {
          return null; // llama-server only checks the prompt; generation stops at the context with finish_reason length
        }
        // ggml-org/llama.cpp PR #15780: 500 exceed_context_size_error with n_prompt_tokens, n_ctx (PR #16486 later made it 400).
        JsonNode root = errorBody(p, 500, "exceed_context_size_error", null,
            "the request exceeds the available context size. try increasing the context size or enable context shift");
        ((ObjectNode) inner(p, root)).put("n_prompt_tokens", prompt).put("n_ctx", window);
        return new Reply(500, root.toString());
      }
      case OLLAMA -> {
        return null; // ollama issue #3839, #17427: no error; the prompt is truncated and the reply is 200 (see usagePrompt)
      }
      case GEMINI -> {
        if (!promptTooLong) {
          return null;
        }
        message = "The input token count (" + prompt + ") exceeds the maximum number of tokens allowed (" + window + ").";
      }
      case ANTHROPIC -> // Anthropic's wording for the prompt alone and for prompt + max_tokens, as clients match it (400 invalid_request_error).
          message = promptTooLong ? "prompt is too long: " + prompt + " tokens > " + window + " maximum"
              : "input length and `max_tokens` exceed context limit: " + prompt + " + " + max + " > " + window
                  + ", decrease input length or `max_tokens` and try again";
      case OPENROUTER -> // OpenRouter's wording ("This endpoint's maximum context length"), as context-overflow detectors match it.
          message = "This endpoint's maximum context length is " + window + " tokens. However, you requested about " + (prompt + max)
              + " tokens (" + prompt + " of text input, " + max + " in the output). Please reduce the length of either one, or use the "
              + "\"middle-out\" transform to compress your prompt automatically.";
      case DEEPSEEK -> {
        // DeepSeek answers in OpenAI's classic wording, with code invalid_request_error.
        message = "This model's maximum context length is " + window + " tokens. However, you requested " + (prompt + max) + " tokens ("
            + prompt + " in the messages, " + max + " in the completion). Please reduce the length of the messages or completion.";
        return new Reply(400, errorBody(p, 400, "invalid_request_error", "invalid_request_error", message).toString());
      }
      default -> {
        // OpenAI: 400 invalid_request_error, param messages, code context_length_exceeded.
        message = promptTooLong
            ? "This model's maximum context length is " + window + " tokens. However, your messages resulted in " + prompt
                + " tokens. Please reduce the length of the messages."
            : "This model's maximum context length is " + window + " tokens. However, you requested " + (prompt + max) + " tokens ("
                + prompt + " in the messages, " + max + " in the completion). Please reduce the length of the messages or completion.";
        return new Reply(400, errorBody(p, 400, "invalid_request_error", "context_length_exceeded", "messages", message).toString());
      }
    }
    return new Reply(400, errorBody(p, 400, null, null, message).toString());
  }

  // ---------------------------------------------------------------- error shapes

  private static JsonNode errorBody(Profile p, int status, String type, Object code, String message) {
    return errorBody(p, status, type, code, null, message);
  }

  /** The error body in each server's shape; type and code default to the server's usual ones for the status. */
  private static JsonNode errorBody(Profile p, int status, String type, Object code, String param, String message) {
    String t = type != null ? type : defaultType(p, status);
    ObjectNode root = Json.MAPPER.createObjectNode();
    switch (p) {
      case SGLANG -> {
        // sgl-project/sglang openai_api/protocol.py ErrorResponse: flat, object "error" (the legacy OpenAI shape).
        root.put("object", "error").put("message", message).put("type", t).putNull("param").put("code", status);
        return root;
      }
      case VLLM -> // vllm PR #22099 (v0.10.1): {"error": {message, type, param, code}} with the HTTP status as code.
          root.putObject("error").put("message", message).put("type", t).putNull("param").put("code", status);
      case LLAMA -> // ggml-org/llama.cpp tools/server format_error_response: {"error": {code, message, type}}.
          root.putObject("error").put("code", status).put("message", message).put("type", t);
      case GEMINI -> {
        // google-gemini/gemini-cli issue #14811 and OpenAI-SDK logs ("Error code: 429 - [{'error': ...}]"): a JSON array of errors.
        ArrayNode array = Json.MAPPER.createArrayNode();
        array.addObject().putObject("error").put("code", status).put("message", message).put("status", t);
        return array;
      }
      case OPENROUTER -> {
        // https://openrouter.ai/docs/api-reference/errors : {"error": {code, message, metadata?}}, code = HTTP status.
        ObjectNode e = root.putObject("error").put("code", status).put("message", message);
        e.putObject("metadata");
      }
      default -> {
        // OpenAI shape (also DeepSeek, Ollama openai.go ErrorResponse, Anthropic's OpenAI compatibility layer).
        ObjectNode e = root.putObject("error").put("message", message).put("type", t);
        if (param == null) {
          e.putNull("param");
        } else {
          e.put("param", param);
        }
        if (code == null) {
          e.putNull("code");
        } else if (code instanceof Integer i) {
          e.put("code", i);
        } else {
          e.put("code", code.toString());
        }
      }
    }
    return root;
  }

  /** The object that holds message, type and code in an error body. */
  private static JsonNode inner(Profile p, JsonNode root) {
    return p == Profile.SGLANG ? root : p == Profile.GEMINI ? root.get(0).get("error") : root.get("error");
  }

  private static String defaultType(Profile p, int status) {
    return switch (p) {
      case VLLM, SGLANG -> status == 400 ? "BadRequestError" : status == 401 ? "Unauthorized" : status == 429 ? "RateLimitError"
          : "InternalServerError";
      // google.rpc.Code names.
      case GEMINI -> status == 400 ? "INVALID_ARGUMENT" : status == 401 ? "UNAUTHENTICATED" : status == 429 ? "RESOURCE_EXHAUSTED"
          : "INTERNAL";
      // https://platform.claude.com/docs/en/api/errors
      case ANTHROPIC -> status == 400 ? "invalid_request_error" : status == 401 ? "authentication_error"
          : status == 429 ? "rate_limit_error" : "api_error";
      case LLAMA -> status == 400 ? "invalid_request_error" : status == 401 ? "authentication_error" : "server_error";
      // ollama/ollama openai/openai.go NewError.
      case OLLAMA -> status == 400 ? "invalid_request_error" : "api_error";
      case OPENROUTER -> "";
      default -> status == 400 || status == 401 ? "invalid_request_error" : status == 429 ? "requests" : "server_error";
    };
  }

  private static String errorInA200() {
    // https://openrouter.ai/docs/api-reference/errors : {"error": {code, message, metadata}} (metadata: provider_name, raw).
    ObjectNode root = Json.MAPPER.createObjectNode();
    root.putObject("error").put("code", 502).put("message", "Provider returned error").putObject("metadata")
        .put("provider_name", "FakeProvider").put("raw", "upstream connection reset");
    return root.toString();
  }

  // ---------------------------------------------------------------- generation

  private record Base(String reasoning, String content) {}

  /** How many choices the server generates: n, or 1 where n is ignored. */
  private static int effectiveN(Req r) {
    return switch (r.profile) {
      // ollama openai/openai.go ChatCompletionRequest has no n; openrouter-runner issue #99: n is ignored, one choice.
      case OLLAMA, OPENROUTER -> 1;
      default -> Math.max(1, r.n);
    };
  }

  private List<Choice> generate(Req r) {
    List<Choice> choices = new ArrayList<>();
    for (int i = 0; i < effectiveN(r); i++) {
      choices.add(present(r, i, compose(r, i)));
    }
    return choices;
  }

  private Base base(Req r, int index) {
    String answer = answers.getOrDefault(r.question, "0");
    String q = r.question;
    return switch (r.role) {
      case "teacher-r" -> new Base(r.has("[nothink]") ? null : "Let me think about " + q + " step by step. So it is " + answer + ".",
          "The answer is $\\boxed{" + answer + "}$.");
      case "teacher-t" -> new Base(null, (r.has("[nothink]") ? "" : "<think>Working through it: " + answer + ".</think>\n\n")
          + "Therefore the answer is $\\boxed{" + answer + "}$.");
      case "student-good" -> new Base(null, "Reasoning... the final answer is \\boxed{" + answer + "}.");
      case "student-bad" -> new Base(null, "Reasoning... the final answer is \\boxed{" + wrong(answer) + "}.");
      case "student-rate" -> new Base(null, "Reasoning... the final answer is \\boxed{"
          + (r.seed + index < passes(q) ? answer : wrong(answer)) + "}.");
      case "judge" -> new Base(null, "The reference is " + answer + ".\n" + (r.prompt.contains("boxed{" + answer + "}") ? "Yes" : "No"));
      case "classifier" -> new Base(null, "This is about numbers.\n11");
      default -> new Base(null, "unknown model " + r.model);
    };
  }

  /** K of [pass=K]; without the marker every choice is right. */
  private static int passes(String question) {
    Matcher m = PASS.matcher(question);
    return m.find() ? Integer.parseInt(m.group(1)) : Integer.MAX_VALUE;
  }

  /** The reply as pieces (one stream delta each), before the profile decides where the thinking goes. */
  private Choice compose(Req r, int index) {
    Base b = base(r, index);
    if (r.paced()) {
      return longReply(r, b);
    }
    List<Piece> pieces = new ArrayList<>();
    if (r.has("[length]")) {
      // https://platform.openai.com/docs/api-reference/chat/object : finish_reason "length" when max_tokens was reached;
      // vllm-project/vllm docs reasoning_outputs: a cap hit inside the reasoning leaves content null. Deterministic: retrying does not help.
      if (b.reasoning != null) {
        words(b.reasoning.substring(0, b.reasoning.length() / 2), 'r', pieces);
        int tokens = r.maxTokens != null ? r.maxTokens : b.reasoning.length() / 4 + 1;
        return new Choice(index, pieces, "length", tokens, tokens);
      }
      words(b.content.substring(0, b.content.length() / 2), 'c', pieces);
      return new Choice(index, pieces, "length", r.maxTokens != null ? r.maxTokens : b.content.length() / 8 + 1, 0);
    }
    if (b.reasoning != null) {
      words(b.reasoning, 'r', pieces);
    }
    words(b.content, 'c', pieces);
    int reasoningChars = b.reasoning == null ? 0 : b.reasoning.length();
    return new Choice(index, pieces, "stop", (b.content.length() + reasoningChars) / 4 + 1, reasoningChars == 0 ? 0 : reasoningChars / 4 + 1);
  }

  /** [long]: longTokens tokens of thinking, one per piece; cut at the request's max tokens with finish_reason length. */
  private Choice longReply(Req r, Base b) {
    int n = longTokens;
    boolean cut = r.maxTokens != null && n > r.maxTokens;
    int emitted = cut ? r.maxTokens : n;
    boolean tags = "teacher-t".equals(r.role);
    List<Piece> pieces = new ArrayList<>(emitted + 16);
    for (int i = 0; i < emitted; i++) {
      pieces.add(new Piece(tags ? 'c' : 'r', (tags && i == 0 ? "<think>" : "") + TOKEN));
    }
    int contentPieces = 0;
    if (!cut) {
      List<Piece> tail = new ArrayList<>();
      words((tags ? "</think>\n\n" : "") + b.content, 'c', tail);
      pieces.addAll(tail);
      contentPieces = tail.size();
    }
    return new Choice(0, pieces, cut ? "length" : "stop", emitted + contentPieces, tags ? 0 : emitted);
  }

  /** Where the thinking goes on this profile: its reasoning field, Gemini's thought tags, or nowhere. */
  private static Choice present(Req r, int index, Choice c) {
    Profile p = r.profile;
    if (p.reasoningField != null || c.pieces.stream().noneMatch(x -> x.field == 'r')) {
      return new Choice(index, c.pieces, c.finish, c.completionTokens, c.reasoningTokens);
    }
    List<Piece> out = new ArrayList<>(c.pieces.size() + 2);
    boolean tags = p == Profile.GEMINI && r.thoughts;
    boolean open = false;
    for (Piece x : c.pieces) {
      if (x.field != 'r') {
        if (open) {
          out.add(new Piece('c', "</thought>"));
          open = false;
        }
        out.add(x);
      } else if (tags) {
        // Gemini OpenAI endpoint with include_thoughts (discuss.ai.google.dev/t/87141): the summary in the content, in <thought> tags.
        out.add(new Piece('c', (open ? "" : "<thought>") + x.text));
        open = true;
      } else {
        out.add(new Piece('h', x.text)); // generated and billed, never sent
      }
    }
    if (open) {
      out.add(new Piece('c', "</thought>"));
    }
    return new Choice(index, out, c.finish, c.completionTokens, c.reasoningTokens);
  }

  /** Text as pieces of three words each; concatenated they give the text back exactly. */
  private static void words(String text, char field, List<Piece> into) {
    String[] parts = text.split("(?<= )");
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < parts.length; i++) {
      b.append(parts[i]);
      if ((i + 1) % 3 == 0 || i == parts.length - 1) {
        into.add(new Piece(field, b.toString()));
        b.setLength(0);
      }
    }
  }

  private static String wrong(String answer) {
    try {
      return String.valueOf(Long.parseLong(answer) + 1);
    } catch (NumberFormatException e) {
      return answer + "1";
    }
  }

  // ---------------------------------------------------------------- one JSON body

  private Outcome whole(HttpExchange exchange, Req r, List<Choice> choices) throws IOException {
    if (r.paced()) {
      pace(System.nanoTime(), choices.stream().mapToInt(c -> c.pieces.size()).max().orElse(0)); // the same generation time, then one body
    }
    String broken = brokenMode(r);
    if ("stall".equals(broken)) {
      sleep(stallMillis);
      return Outcome.BROKEN; // no response: the connection is closed unanswered
    }
    String body = completion(r, choices);
    if ("truncated".equals(broken)) {
      send(exchange, new Reply(200, body.substring(0, body.length() / 2)));
      return Outcome.BROKEN;
    }
    if ("drop".equals(broken)) {
      cutOff(exchange, body.getBytes(StandardCharsets.UTF_8), "application/json");
      return Outcome.BROKEN;
    }
    send(exchange, new Reply(200, body));
    return Outcome.COMPLETE;
  }

  private String completion(Req r, List<Choice> choices) {
    Profile p = r.profile;
    ObjectNode root = Json.MAPPER.createObjectNode().put("id", "chatcmpl-test").put("object", "chat.completion")
        .put("created", Instant.now().getEpochSecond()).put("model", r.model);
    if (p == Profile.OLLAMA) {
      root.put("system_fingerprint", "fp_ollama"); // ollama openai/openai.go ToChatCompletion
    }
    ArrayNode array = root.putArray("choices");
    for (Choice c : choices) {
      ObjectNode message = Json.MAPPER.createObjectNode().put("role", "assistant");
      String content = joined(c, 'c');
      String reasoning = joined(c, 'r');
      if (content == null && p.emptyContent) {
        content = "";
      }
      if (content != null && r.has("[array]")) {
        // The content-parts form some gateways send (e.g. Databricks for Gemini, per its community thread).
        int half = content.length() / 2;
        ArrayNode parts = message.putArray("content");
        parts.addObject().put("type", "text").put("text", content.substring(0, half));
        parts.addObject().put("type", "text").put("text", content.substring(half));
      } else {
        message.put("content", content);
      }
      if (reasoning != null && p.reasoningField != null) {
        message.put(p.reasoningField, reasoning);
      }
      array.addObject().put("index", c.index).put("finish_reason", c.finish).set("message", message);
    }
    root.set("usage", usage(r, choices));
    return root.toString();
  }

  /** The text of one field of a choice, or null when it has none. */
  private static String joined(Choice c, char field) {
    StringBuilder b = null;
    for (Piece x : c.pieces) {
      if (x.field == field) {
        b = b == null ? new StringBuilder() : b;
        b.append(x.text);
      }
    }
    return b == null ? null : b.toString();
  }

  private ObjectNode usage(Req r, List<Choice> choices) {
    Profile p = r.profile;
    int prompt = usagePrompt(r);
    int completion = choices.stream().mapToInt(Choice::completionTokens).sum();
    int reasoning = choices.stream().mapToInt(Choice::reasoningTokens).sum();
    ObjectNode u = Json.MAPPER.createObjectNode().put("prompt_tokens", prompt).put("completion_tokens", completion)
        .put("total_tokens", prompt + completion);
    switch (p) {
      // https://platform.openai.com/docs/api-reference/chat/object : completion_tokens_details.reasoning_tokens.
      case OPENAI -> {
        u.putObject("prompt_tokens_details").put("cached_tokens", 0);
        u.putObject("completion_tokens_details").put("reasoning_tokens", reasoning);
      }
      // https://openrouter.ai/docs/use-cases/usage-accounting : usage.cost (credits = USD), reasoning and cached token details.
      case OPENROUTER -> {
        u.putObject("prompt_tokens_details").put("cached_tokens", 0);
        u.putObject("completion_tokens_details").put("reasoning_tokens", reasoning);
        u.put("cost", (prompt * OPENROUTER_PRICE_IN + completion * OPENROUTER_PRICE_OUT) / 1e6);
      }
      // https://api-docs.deepseek.com/api/create-chat-completion : prompt_cache_hit/miss_tokens, completion_tokens_details.reasoning_tokens.
      case DEEPSEEK -> {
        u.put("prompt_cache_hit_tokens", 0).put("prompt_cache_miss_tokens", prompt);
        u.putObject("completion_tokens_details").put("reasoning_tokens", reasoning);
      }
      default -> {
      }
    }
    return u;
  }

  // ---------------------------------------------------------------- SSE

  /** stall, drop, truncated (first attempt), err200 (OpenRouter, first attempt), or null. */
  private static String brokenMode(Req r) {
    if (r.attempt != 1) {
      return null;
    }
    for (String mode : List.of("stall", "drop", "truncated")) {
      if (r.has("[" + mode + "]")) {
        return mode;
      }
    }
    return r.has("[err200]") && r.profile == Profile.OPENROUTER ? "err200" : null;
  }

  // https://platform.openai.com/docs/api-reference/chat-streaming : data: chunks, usage chunk with include_usage, data: [DONE].
  private Outcome stream(HttpExchange exchange, Req r, List<Choice> choices) throws IOException {
    Profile p = r.profile;
    String broken = brokenMode(r);
    exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
    exchange.getResponseHeaders().add("Cache-Control", "no-cache");
    count(200);
    // A dropped connection: announce more bytes than will come, so closing cuts the connection mid-body.
    exchange.sendResponseHeaders(200, "drop".equals(broken) ? 1 << 24 : 0);
    OutputStream out = exchange.getResponseBody();
    if (p == Profile.DEEPSEEK) {
      comment(out, "keep-alive"); // https://api-docs.deepseek.com/quick_start/rate_limit : ": keep-alive" while waiting
    }
    if (p == Profile.OPENROUTER) {
      comment(out, "OPENROUTER PROCESSING"); // https://openrouter.ai/docs/api-reference/streaming : SSE comments
    }
    for (Choice c : choices) {
      event(out, delta(r, c.index, Json.MAPPER.createObjectNode().put("role", "assistant").put("content", ""), null));
    }
    int steps = choices.stream().mapToInt(c -> c.pieces.size()).max().orElse(0);
    int cutAt = broken == null ? -1 : Math.min(3, steps / 2);
    long start = System.nanoTime();
    for (int k = 0; k < steps; k++) {
      if (k == cutAt) {
        return breakOff(out, r, broken);
      }
      // n > 1: the choices' deltas interleaved, by index.
      for (Choice c : choices) {
        if (k < c.pieces.size() && c.pieces.get(k).field != 'h') {
          Piece x = c.pieces.get(k);
          String field = x.field == 'r' ? p.reasoningField : "content";
          event(out, delta(r, c.index, Json.MAPPER.createObjectNode().put(field, x.text), null));
        }
      }
      if (r.paced()) {
        pace(start, k + 1);
      }
    }
    if (broken != null) {
      return breakOff(out, r, broken);
    }
    for (Choice c : choices) {
      event(out, delta(r, c.index, Json.MAPPER.createObjectNode(), c.finish));
    }
    // https://openrouter.ai/docs/use-cases/usage-accounting : OpenRouter always sends usage in the last SSE message.
    if (r.includeUsage || p == Profile.OPENROUTER) {
      ObjectNode last = chunk(r);
      last.putArray("choices");
      last.set("usage", usage(r, choices));
      event(out, last.toString());
    }
    write(out, "data: [DONE]\n\n");
    return Outcome.COMPLETE;
  }

  /** The stream ends early, the way the marker says. */
  private Outcome breakOff(OutputStream out, Req r, String mode) throws IOException {
    switch (mode) {
      case "stall" -> {
        sleep(stallMillis); // open and silent; the client gives up first
        return Outcome.BROKEN;
      }
      case "truncated" -> {
        write(out, "data: {\"id\":\"chatcmpl-test\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"cont");
        return Outcome.BROKEN;
      }
      case "err200" -> {
        // https://openrouter.ai/docs/api-reference/streaming (errors during streaming): an error field and finish_reason "error".
        ObjectNode c = chunk(r).put("provider", "FakeProvider");
        c.putObject("error").put("code", "server_error").put("message", "Provider disconnected unexpectedly");
        c.putArray("choices").addObject().put("index", 0).put("finish_reason", "error").putObject("delta").put("content", "");
        event(out, c.toString());
        return Outcome.UNBILLED;
      }
      default -> {
        return Outcome.BROKEN; // drop: the route closes the exchange short of its announced length
      }
    }
  }

  private ObjectNode chunk(Req r) {
    return Json.MAPPER.createObjectNode().put("id", "chatcmpl-test").put("object", "chat.completion.chunk")
        .put("created", Instant.now().getEpochSecond()).put("model", r.model);
  }

  private String delta(Req r, int index, ObjectNode delta, String finish) {
    ObjectNode c = chunk(r);
    ObjectNode choice = c.putArray("choices").addObject().put("index", index);
    choice.set("delta", delta);
    choice.put("finish_reason", finish);
    return c.toString();
  }

  private static void event(OutputStream out, String json) throws IOException {
    write(out, "data: " + json + "\n\n");
  }

  private static void comment(OutputStream out, String text) throws IOException {
    write(out, ": " + text + "\n\n");
  }

  private static void write(OutputStream out, String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private void sendMissing(HttpExchange exchange, Req r) throws IOException {
    if (!r.stream || r.profile == Profile.NOSTREAM) {
      send(exchange, new Reply(200, "{\"id\":\"x\",\"choices\":[]}"));
      return;
    }
    exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
    count(200);
    exchange.sendResponseHeaders(200, 0);
    OutputStream out = exchange.getResponseBody();
    event(out, "{\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[]}");
    write(out, "data: [DONE]\n\n");
  }

  /** Waits until {@code steps} token delays after {@code start}: paced against the clock, so short sleeps do not add up. */
  private void pace(long start, long steps) {
    long target = start + steps * chunkDelayMicros * 1000L;
    long wait;
    while ((wait = target - System.nanoTime()) > 0 && !Thread.currentThread().isInterrupted()) {
      LockSupport.parkNanos(wait);
    }
  }

  // ---------------------------------------------------------------- plumbing

  private void bill(String model, long promptTokens, long completionTokens) {
    billedPrompt.computeIfAbsent(model, k -> new LongAdder()).add(promptTokens);
    billedCompletion.computeIfAbsent(model, k -> new LongAdder()).add(completionTokens);
    billedAttempts.incrementAndGet();
  }

  private void count(int status) {
    statusCounts.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
  }

  private void send(HttpExchange exchange, Reply reply) throws IOException {
    byte[] bytes = reply.body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    reply.headers.forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
    count(reply.status);
    exchange.sendResponseHeaders(reply.status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** Announces the whole body, sends half, and closes: the client sees the connection cut mid-body. */
  private void cutOff(HttpExchange exchange, byte[] body, String contentType) throws IOException {
    exchange.getResponseHeaders().add("Content-Type", contentType);
    count(200);
    exchange.sendResponseHeaders(200, body.length);
    OutputStream out = exchange.getResponseBody();
    out.write(body, 0, body.length / 2);
    out.flush();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    release();
    server.stop(0);
    ((ExecutorService) server.getExecutor()).shutdownNow();
  }
}
