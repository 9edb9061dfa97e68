package dev.distill.job.generate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.conf.GenerateConfig;
import dev.distill.job.io.Json;
import dev.distill.job.spark.HadoopConf;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
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
 * ledger (one entry per choice of the request). A retried task attempt skips what an earlier
 * attempt of the same partition already recorded. After {@code max_fatal_errors} fatal failures in
 * a row (a bad key, no credit, a spent quota) the task makes no further call, keeps every reply,
 * and reports why in {@link GenerateProgress.Counters#stops()}.
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
  record Budget(double requestsPerMinute, double tokensPerMinute, double costUsd) implements Serializable {}

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

  /** State the request threads of one task share. */
  private static final class Shared {
    final SpendingCap cap;
    final FatalStreak streak;

    Shared(SpendingCap cap, FatalStreak streak) {
      this.cap = cap;
      this.streak = streak;
    }
  }

  @Override
  public void call(Iterator<Row> calls) throws Exception {
    TaskContext task = TaskContext.get();
    String prefix = runPrefix + "-p" + String.format("%05d", task.partitionId());
    Set<String> done = recordedByEarlierAttempts(prefix);
    RequestThreads threads = new RequestThreads(task.partitionId());
    Set<String> started = new HashSet<>();
    try (LedgerWriter ledger = new LedgerWriter(hadoop.get(), segmentsDir, prefix + "-a" + task.attemptNumber(),
        config.ledgerFlushRows(), config.ledgerFlushSeconds())) {
      while (calls.hasNext()) {
        Row call = calls.next();
        String callKey = call.getAs("call_key");
        if (!done.contains(callKey) && started.add(callKey)) {
          threads.submit(call, ledger);
        }
      }
      threads.awaitAll(task);
    } finally {
      threads.shutdownNow();
    }
  }

  /**
   * The request threads of one task, and the budgets they call within: a call is sent once its
   * worst case is reserved on the cap and the request and token budgets let it start.
   */
  private final class RequestThreads {
    private final ChatClient client = new ChatClient(new RetryPolicy(config.maxRetries(), config.backoffInitialMs(), config.backoffMaxMs()),
        Duration.ofSeconds(config.timeoutSeconds()), Duration.ofSeconds(config.idleTimeoutSeconds()));
    private final RateLimiter requests = new RateLimiter(share.requestsPerMinute());
    private final RateLimiter tokens = new RateLimiter(share.tokensPerMinute());
    private final Shared shared = new Shared(new SpendingCap(share.costUsd()), new FatalStreak(config.maxFatalErrors()));
    private final Semaphore slots = new Semaphore(config.concurrency());
    private final ExecutorService pool;

    RequestThreads(int partition) {
      pool = Executors.newFixedThreadPool(config.concurrency(), DaemonThreads.named("distill-generate-" + partition));
    }

    /** Sends {@code call} on a request thread, or counts it as not made (the task is stopping) or over the cap. */
    void submit(Row call, LedgerWriter ledger) throws InterruptedException {
      if (shared.streak.stopping()) {
        GenerateProgress.Counters.add(counters.notMade(), 1);
        return;
      }
      GenerateConfig.Role role = roles.get(call.getAs("name"));
      String sent = ChatClient.wireBody(call.getAs("body"), role.wire().stream());
      int maxTokens = call.getAs("max_tokens");
      int choices = call.getAs("choices");
      double worstCase = worstCaseCost(role, sent, maxTokens, choices);
      if (!shared.cap.reserve(worstCase)) {
        GenerateProgress.Counters.add(counters.capped(), 1);
        return;
      }
      long estimatedTokens = ((Integer) call.getAs("prompt_chars")) / 4 + (long) maxTokens * choices;
      requests.acquire(1);
      tokens.acquire(estimatedTokens);
      slots.acquire();
      pool.execute(() -> send(call, role, worstCase, estimatedTokens, ledger));
    }

    private void send(Row call, GenerateConfig.Role role, double worstCase, long estimatedTokens, LedgerWriter ledger) {
      try {
        List<Map<String, Object>> entries = run(client, call, role, worstCase, shared);
        tokens.giveBack(estimatedTokens - tokensUsed(entries));
        ledger.appendAll(entries);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        slots.release();
      }
    }

    /** Waits for the calls in flight; a killed task stops them. */
    void awaitAll(TaskContext task) throws InterruptedException {
      pool.shutdown();
      while (!pool.awaitTermination(1, TimeUnit.SECONDS)) {
        if (task.isInterrupted()) {
          pool.shutdownNow();
          throw new InterruptedException("generation task killed");
        }
      }
    }

    void shutdownNow() {
      pool.shutdownNow();
    }
  }

  private static long tokensUsed(List<Map<String, Object>> entries) {
    long used = 0;
    for (Map<String, Object> e : entries) {
      used += ((Number) e.get("prompt_tokens")).longValue() + ((Number) e.get("completion_tokens")).longValue();
    }
    return used;
  }

  /**
   * What a call costs at most, online or in a batch as the role is called: every prompt byte a
   * token (byte-level BPE never makes more), every choice at max_tokens.
   */
  static double worstCaseCost(GenerateConfig.Role role, String sent, int maxTokens, int choices) {
    return role.costInMode(worstCasePromptTokens(sent), (long) maxTokens * choices);
  }

  /** Sends one request and returns its ledger entries (one per choice), counted and settled on the cap. */
  private List<Map<String, Object>> run(ChatClient client, Row call, GenerateConfig.Role role, double worstCase, Shared shared)
      throws InterruptedException {
    String body = call.getAs("body");
    ApiKey key = keys.getOrDefault(role.name(), ApiKey.NONE);
    CapHold hold = new CapHold(shared.cap, worstCase, shared.streak);
    ChatClient.Outcome outcome = client.call(role.baseUrl(), body, role.wire().stream(), key, hold);
    noteFatal(outcome, role, shared.streak);
    int promptChars = call.getAs("prompt_chars");
    CallCost cost = CallCost.of(outcome, role, promptChars);
    cost = cost.plusAbandoned(outcome.abandoned(), worstCase);
    if (outcome.abandoned() > 0) {
      GenerateProgress.Counters.add(counters.abandoned(), outcome.abandoned());
    }
    hold.settle(cost.usd());
    GenerateProgress.Counters.add(counters.promptTokens(), cost.promptTokens());
    GenerateProgress.Counters.add(counters.completionTokens(), cost.completionTokens());
    GenerateProgress.Counters.add(counters.costMicros(), Math.round(cost.usd() * 1e6));
    GenerateProgress.Counters.add(counters.retries(), Math.max(0, outcome.attempts() - 1));
    return new LedgerEntries(config, counters, runId).of(LedgerEntries.Call.of(call), role, outcome, cost);
  }

  /** Counts fatal failures in a row (anything else resets the count) and stops the task at the limit. */
  private void noteFatal(ChatClient.Outcome outcome, GenerateConfig.Role role, FatalStreak streak) {
    streak.count(outcome.errorKind()).ifPresent(inARow -> GenerateProgress.Counters.add(counters.stops(),
        String.format(Locale.ROOT, "%s (model %s at %s) failed %d times in a row: %s",
            role.configKey(config), role.model(), role.baseUrl(), inARow, outcome.error())));
  }

  /** An upper bound on prompt tokens: byte-level BPE never makes more tokens than UTF-8 bytes, plus chat-template tokens. */
  static long worstCasePromptTokens(String body) {
    return body.getBytes(StandardCharsets.UTF_8).length + 32;
  }

  /** Requests (call keys) this partition's earlier attempts (in this run) already settled. */
  private Set<String> recordedByEarlierAttempts(String prefix) {
    Set<String> done = new HashSet<>();
    for (String file : Ledger.files(segmentsDir, ".jsonl", prefix + "-a", hadoop.get())) {
      Path p = new Path(file);
      try {
        FileSystem fs = p.getFileSystem(hadoop.get());
        try (BufferedReader in = new BufferedReader(new InputStreamReader(fs.open(p), StandardCharsets.UTF_8))) {
          for (String line = in.readLine(); line != null; line = in.readLine()) {
            JsonNode node = Json.MAPPER.readTree(line);
            if (!Ledger.ERROR.equals(node.path("status").asText())) {
              done.add(node.hasNonNull("call_key") ? node.path("call_key").asText() : node.path("key").asText());
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
