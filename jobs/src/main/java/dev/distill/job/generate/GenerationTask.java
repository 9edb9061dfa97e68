package dev.distill.job.generate;

import dev.distill.job.spark.HadoopConf;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.ForeachPartitionFunction;
import org.apache.spark.sql.Row;

/**
 * Runs one partition of missing calls on an executor: up to {@code concurrency} at a time, within
 * this task's share of the request, token and spending budgets, every outcome appended to the
 * ledger. A retried task attempt skips what an earlier attempt of the same partition already recorded.
 */
final class GenerationTask implements ForeachPartitionFunction<Row> {
  private final GenerateConfig config;
  private final Map<String, GenerateConfig.Role> roles;
  private final Map<String, ApiKey> keys;
  private final String segmentsDir;
  private final String runPrefix;
  private final String runId;
  private final HadoopConf hadoop;
  private final Budget share;
  private final GenerateProgress.Counters counters;

  /** This task's part of the global budgets. */
  record Budget(double requestsPerMinute, double tokensPerMinute, double costUsd) implements java.io.Serializable {}

  GenerationTask(GenerateConfig config, Map<String, GenerateConfig.Role> roles, Map<String, ApiKey> keys, String segmentsDir,
      String runPrefix, String runId, HadoopConf hadoop, Budget share, GenerateProgress.Counters counters) {
    this.config = config;
    this.roles = roles;
    this.keys = keys;
    this.segmentsDir = segmentsDir;
    this.runPrefix = runPrefix;
    this.runId = runId;
    this.hadoop = hadoop;
    this.share = share;
    this.counters = counters;
  }

  @Override
  public void call(Iterator<Row> calls) throws Exception {
    TaskContext task = TaskContext.get();
    String prefix = runPrefix + "-p" + String.format("%05d", task.partitionId());
    Set<String> done = recordedByEarlierAttempts(prefix);
    ChatClient client = new ChatClient(new RetryPolicy(config.maxRetries(), config.backoffInitialMs(), config.backoffMaxMs()),
        Duration.ofSeconds(config.timeoutSeconds()));
    RateLimiter requests = new RateLimiter(share.requestsPerMinute());
    RateLimiter tokens = new RateLimiter(share.tokensPerMinute());
    SpendingCap cap = new SpendingCap(share.costUsd());
    Semaphore slots = new Semaphore(config.concurrency());
    ExecutorService pool = Executors.newFixedThreadPool(config.concurrency(), DaemonThreads.named("distill-generate-" + task.partitionId()));
    try (LedgerWriter ledger = new LedgerWriter(hadoop.get(), segmentsDir, prefix + "-a" + task.attemptNumber(),
        config.ledgerFlushRows(), config.ledgerFlushSeconds())) {
      while (calls.hasNext()) {
        Row call = calls.next();
        String key = call.getAs("key");
        if (done.contains(key)) {
          continue;
        }
        GenerateConfig.Role role = roles.get(call.getAs("name"));
        int promptChars = call.getAs("prompt_chars");
        int maxTokens = call.getAs("max_tokens");
        double worstCase = role.cost(worstCasePromptTokens(call.getAs("body")), maxTokens);
        if (!cap.reserve(worstCase)) {
          GenerateProgress.Counters.add(counters.capped(), 1);
          continue;
        }
        long estimatedTokens = promptChars / 4 + maxTokens;
        requests.acquire(1);
        tokens.acquire(estimatedTokens);
        slots.acquire();
        pool.execute(() -> {
          try {
            Map<String, Object> entry = run(client, call, role, worstCase, cap);
            long used = ((Number) entry.get("prompt_tokens")).longValue() + ((Number) entry.get("completion_tokens")).longValue();
            tokens.giveBack(estimatedTokens - used);
            ledger.append(entry);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            slots.release();
          }
        });
      }
      pool.shutdown();
      while (!pool.awaitTermination(1, TimeUnit.SECONDS)) {
        if (task.isInterrupted()) {
          pool.shutdownNow();
          throw new InterruptedException("generation task killed");
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private Map<String, Object> run(ChatClient client, Row call, GenerateConfig.Role role, double worstCase, SpendingCap cap)
      throws InterruptedException {
    String body = call.getAs("body");
    ApiKey key = keys.getOrDefault(role.name(), ApiKey.NONE);
    ChatClient.Outcome outcome;
    try {
      outcome = client.call(role.baseUrl(), body, key);
    } catch (RuntimeException e) {
      outcome = new ChatClient.Outcome(null, 0, 1, 0, "client error: " + key.scrub(String.valueOf(e)));
    }
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("key", call.getAs("key"));
    entry.put("role", role.role());
    entry.put("name", role.name());
    entry.put("model", role.model());
    long promptTokens = 0;
    long completionTokens = 0;
    if (outcome.ok()) {
      ChatReply reply = outcome.reply();
      boolean reported = reply.promptTokens() != null && reply.completionTokens() != null;
      promptTokens = reply.promptTokens() != null ? reply.promptTokens() : ((Integer) call.getAs("prompt_chars")) / 4;
      completionTokens = reply.completionTokens() != null ? reply.completionTokens()
          : (length(reply.content()) + length(reply.reasoning())) / 4;
      entry.put("status", Ledger.OK);
      entry.put("content", reply.content());
      entry.put("reasoning", reply.reasoning());
      entry.put("finish_reason", reply.finishReason());
      entry.put("usage", reported ? "reported" : "estimated");
      GenerateProgress.Counters.add(counters.ok(), 1);
    } else {
      entry.put("status", Ledger.ERROR);
      entry.put("error", outcome.error());
      GenerateProgress.Counters.add(counters.failed(), 1);
    }
    double cost = role.cost(promptTokens, completionTokens);
    cap.settle(worstCase, cost);
    GenerateProgress.Counters.add(counters.promptTokens(), promptTokens);
    GenerateProgress.Counters.add(counters.completionTokens(), completionTokens);
    GenerateProgress.Counters.add(counters.costMicros(), Math.round(cost * 1e6));
    GenerateProgress.Counters.add(counters.retries(), Math.max(0, outcome.attempts() - 1));
    entry.put("prompt_tokens", promptTokens);
    entry.put("completion_tokens", completionTokens);
    entry.put("cost_usd", cost);
    entry.put("latency_ms", outcome.latencyMs());
    entry.put("attempts", outcome.attempts());
    entry.put("http_status", outcome.httpStatus());
    entry.put("request", body);
    entry.put("run_id", runId);
    entry.put("created_at", Instant.now().toString());
    return entry;
  }

  /** An upper bound on prompt tokens: byte-level BPE never makes more tokens than UTF-8 bytes, plus chat-template tokens. */
  static long worstCasePromptTokens(String body) {
    return body.getBytes(StandardCharsets.UTF_8).length + 32;
  }

  private static int length(String s) {
    return s == null ? 0 : s.length();
  }

  /** Keys this partition's earlier attempts (in this run) already wrote successfully. */
  private Set<String> recordedByEarlierAttempts(String prefix) {
    Set<String> done = new HashSet<>();
    for (String file : Ledger.files(segmentsDir, ".jsonl", prefix + "-a", hadoop.get())) {
      Path p = new Path(file);
      try {
        FileSystem fs = p.getFileSystem(hadoop.get());
        try (BufferedReader in = new BufferedReader(new InputStreamReader(fs.open(p), StandardCharsets.UTF_8))) {
          for (String line = in.readLine(); line != null; line = in.readLine()) {
            com.fasterxml.jackson.databind.JsonNode node = dev.distill.job.run.Json.MAPPER.readTree(line);
            if (Ledger.OK.equals(node.path("status").asText())) {
              done.add(node.path("key").asText());
            }
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot read ledger segment " + file + ": " + e.getMessage(), e);
      }
    }
    return done;
  }
}
