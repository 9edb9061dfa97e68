package dev.distill.job.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.distill.job.run.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real chat-completions server on 127.0.0.1 for tests: deterministic replies per model, and
 * misbehaviour on command, chosen by markers in the question so each case is reproducible:
 * [429] (first try: 429 with Retry-After: 1), [500] (first try: 500), [always500], [slow] (first
 * try: slower than the client's timeout), [truncated] (first try: half a JSON body), [missing]
 * (first try: no choices), [nothink] (teacher reply without thinking). It counts every request
 * and every reply it completed, per request body.
 *
 * <p>Models: teacher-r (thinking in reasoning_content), teacher-t (thinking in think tags),
 * student-good / student-bad (right / wrong answer), judge (Yes when the attempt holds the
 * reference), classifier (code 11 on the last line).
 */
public final class FakeChatServer implements AutoCloseable {
  public static final String KEY = "sk-test-7f3a9c1e55d2b0aa";

  private final HttpServer server;
  private final Map<String, String> answers;
  private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> answered = new ConcurrentHashMap<>();
  private final AtomicInteger totalAnswered = new AtomicInteger();
  private final AtomicInteger unauthorized = new AtomicInteger();
  private volatile int hangAfter = Integer.MAX_VALUE;
  private volatile CountDownLatch release = new CountDownLatch(0);

  /** @param answers question text -> the reference answer the teacher and student-good give */
  public FakeChatServer(Map<String, String> answers) throws IOException {
    this.answers = answers;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newFixedThreadPool(192));
    server.createContext("/v1/chat/completions", this::handle);
    server.start();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
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

  public int totalHits() {
    return hits.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  public int totalAnswered() {
    return totalAnswered.get();
  }

  /** Replies completed per request body: a call paid for twice shows as 2. */
  public Map<String, AtomicInteger> answered() {
    return answered;
  }

  public int unauthorized() {
    return unauthorized.get();
  }

  public void resetCounts() {
    hits.clear();
    answered.clear();
    totalAnswered.set(0);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      if (!("Bearer " + KEY).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
        unauthorized.incrementAndGet();
        send(exchange, 401, "{\"error\":{\"message\":\"invalid api key\"}}");
        return;
      }
      int attempt = hits.computeIfAbsent(body, k -> new AtomicInteger()).incrementAndGet();
      if (totalAnswered.get() >= hangAfter) {
        // Held until released, then dropped unanswered: the client that sent it is gone by then.
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return;
      }
      JsonNode request = Json.MAPPER.readTree(body);
      String model = request.path("model").asText();
      JsonNode messages = request.path("messages");
      String prompt = messages.get(messages.size() - 1).path("content").asText();
      String question = question(prompt);
      if (question.contains("[always500]") || question.contains("[500]") && attempt == 1) {
        send(exchange, 500, "{\"error\":{\"message\":\"internal error\"}}");
        return;
      }
      if (question.contains("[429]") && attempt == 1) {
        exchange.getResponseHeaders().add("Retry-After", "1");
        send(exchange, 429, "{\"error\":{\"message\":\"rate limited\"}}");
        return;
      }
      if (question.contains("[slow]") && attempt == 1) {
        sleep(3500);
      }
      String reply = reply(model, prompt, question, request);
      // A first try that is broken on purpose, or that the client gave up on, is not a usable reply.
      boolean unusable = attempt == 1 && (question.contains("[truncated]") || question.contains("[missing]") || question.contains("[slow]"));
      if (attempt == 1 && question.contains("[truncated]")) {
        reply = reply.substring(0, reply.length() / 2);
      } else if (attempt == 1 && question.contains("[missing]")) {
        reply = "{\"id\":\"x\",\"choices\":[]}";
      }
      send(exchange, 200, reply);
      if (!unusable) {
        answered.computeIfAbsent(body, k -> new AtomicInteger()).incrementAndGet();
        totalAnswered.incrementAndGet();
      }
    }
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

  private String reply(String model, String prompt, String question, JsonNode request) {
    String answer = answers.getOrDefault(question, "0");
    String content;
    String reasoning = null;
    switch (model) {
      case "teacher-r" -> {
        reasoning = question.contains("[nothink]") ? null : "Let me think about " + question + " step by step. So it is " + answer + ".";
        content = "The answer is $\\boxed{" + answer + "}$.";
      }
      case "teacher-t" -> content = (question.contains("[nothink]") ? "" : "<think>Working through it: " + answer + ".</think>\n\n")
          + "Therefore the answer is $\\boxed{" + answer + "}$.";
      case "student-good" -> content = "Reasoning... the final answer is \\boxed{" + answer + "}.";
      case "student-bad" -> content = "Reasoning... the final answer is \\boxed{" + wrong(answer) + "}.";
      case "judge" -> content = "The reference is " + answer + ".\n" + (prompt.contains("boxed{" + answer + "}") ? "Yes" : "No");
      case "classifier" -> content = "This is about numbers.\n11";
      default -> content = "unknown model " + model;
    }
    ObjectNode message = Json.MAPPER.createObjectNode().put("role", "assistant").put("content", content);
    if (reasoning != null) {
      message.put("reasoning_content", reasoning);
    }
    ObjectNode root = Json.MAPPER.createObjectNode().put("id", "chatcmpl-test").put("object", "chat.completion").put("model", model);
    root.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop").set("message", message);
    root.putObject("usage").put("prompt_tokens", prompt.length() / 4 + 5)
        .put("completion_tokens", (content.length() + (reasoning == null ? 0 : reasoning.length())) / 4 + 1);
    return root.toString();
  }

  private static String wrong(String answer) {
    try {
      return String.valueOf(Long.parseLong(answer) + 1);
    } catch (NumberFormatException e) {
      return answer + "1";
    }
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
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
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
