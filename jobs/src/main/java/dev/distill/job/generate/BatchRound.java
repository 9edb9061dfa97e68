package dev.distill.job.generate;

import dev.distill.job.conf.GenerateConfig;
import dev.distill.job.error.BatchesPendingException;
import dev.distill.job.error.ExitCode;
import dev.distill.job.io.Console;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * One round's calls of the roles in batch mode, on the driver. {@link #start} attaches to the
 * batches the ledger has open (from any run), collects those that ended, and submits the requests
 * neither the ledger nor an open batch has, in chunks within the provider's limits and the cost
 * cap (each at its worst case at batch prices); {@link #finish} waits for the batches, collecting
 * each as it ends and submitting again only the requests that came back unanswered (expired,
 * cancelled) or with a transient error, up to max_retries times; with {@code batch.action} submit
 * or collect it returns at once when nothing is in flight, else stops the stage.
 */
final class BatchRound {
  private final GenerateConfig config;
  private final Map<String, GenerateConfig.Role> roles;
  private final Map<String, ApiKey> keys;
  private final BatchBook book;
  private final Configuration hadoop;
  private final LedgerWriter ledger;
  private final LedgerEntries entries;
  private final GenerateProgress.Counters counters;
  private final SpendingCap cap;
  private final Console console;
  private final String runId;
  private final String label;
  /** The planned requests of batch roles still missing from the ledger, by call key. */
  private final Map<String, Row> planned = new LinkedHashMap<>();
  private final Map<String, BatchBook.Batch> open = new LinkedHashMap<>();
  private final Set<String> answered = new HashSet<>();
  private final Set<String> inFlight = new HashSet<>();
  /** What each open batch holds on the cap (its worst case, or nothing when an earlier run's batch did not fit). */
  private final Map<String, Double> held = new HashMap<>();
  /** Requests a batch gave back without a settled result (unanswered, or a transient error): what is submitted again. */
  private final Set<String> returned = new HashSet<>();
  private final Figures figures = new Figures();
  private int submissions;

  /** What the round did with batches, for run.json. */
  static final class Figures {
    long submitted;
    long attached;
    long requestsSubmitted;
    long requestsResubmitted;
    long collected;
    double uploadSeconds;

    Map<String, Object> asMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("batches_submitted", submitted);
      m.put("batches_attached", attached);
      m.put("batches_collected", collected);
      m.put("batch_requests_submitted", requestsSubmitted);
      m.put("batch_requests_resubmitted", requestsResubmitted);
      m.put("batch_upload_seconds", Math.round(uploadSeconds * 1000) / 1000.0);
      return m;
    }

    void add(Figures f) {
      submitted += f.submitted;
      attached += f.attached;
      requestsSubmitted += f.requestsSubmitted;
      requestsResubmitted += f.requestsResubmitted;
      collected += f.collected;
      uploadSeconds += f.uploadSeconds;
    }
  }

  BatchRound(GenerateConfig config, Map<String, GenerateConfig.Role> roles, Map<String, ApiKey> keys, Ledger ledger, Configuration hadoop,
      GenerateProgress.Counters counters, double budget, Console console, String runId, String segmentPrefix, String label) {
    this.config = config;
    this.roles = roles;
    this.keys = keys;
    this.book = new BatchBook(ledger.dir(), hadoop);
    this.hadoop = hadoop;
    this.ledger = new LedgerWriter(hadoop, ledger.segments(), segmentPrefix + "-batch", config.ledgerFlushRows(), config.ledgerFlushSeconds());
    this.entries = new LedgerEntries(config, counters, runId);
    this.counters = counters;
    this.cap = new SpendingCap(budget);
    this.console = console;
    this.runId = runId;
    this.label = label;
  }

  Figures figures() {
    return figures;
  }

  /** What the batches in flight may still cost at most (the online calls of the round get the rest of the budget). */
  double reserved() {
    return open.values().stream().mapToDouble(BatchBook.Batch::worstCaseUsd).sum();
  }

  /** Attaches to the open batches, collects the ended ones, and submits what is missing. {@code missing}: the batch roles' missing calls. */
  BatchRound start(Dataset<Row> missing) throws InterruptedException {
    for (Iterator<Row> it = missing.toLocalIterator(); it.hasNext(); ) {
      Row r = it.next();
      planned.put(r.getAs("call_key"), r);
    }
    for (BatchBook.Batch b : book.open()) {
      open.put(b.id(), b);
      b.requests().forEach(r -> inFlight.add(r.callKey()));
      // Counted on the cap at their worst case until collected; a batch of an earlier run may overrun what is left.
      held.put(b.id(), cap.tryReserve(b.worstCaseUsd()) ? b.worstCaseUsd() : 0.0);
    }
    figures.attached = open.size();
    if (!open.isEmpty()) {
      console.info(String.format(Locale.ROOT, "generate (%s): attached to %,d batches in flight (%,d requests) recorded in %s", label,
          open.size(), inFlight.size(), book.dir()));
    }
    pollOnce();
    submit(toSubmit());
    return this;
  }

  /** Waits for every batch (batch.action wait), or stops the stage while any is in flight (submit: exit 0, collect: exit 5). */
  void finish() throws InterruptedException {
    try {
      String action = config.batching().action();
      if (!GenerateConfig.WAIT.equals(action)) {
        if (!open.isEmpty()) {
          ledger.close();
          throw pending(action);
        }
        return;
      }
      double sleep = config.batching().pollSeconds();
      while (!open.isEmpty()) {
        Thread.sleep(Math.round(sleep * 1000));
        sleep = Math.min(config.batching().pollMaxSeconds(), sleep * 1.5);
        pollOnce();
        List<Row> again = toSubmit();
        if (!again.isEmpty() && submissions <= config.maxRetries()) {
          submit(again);
        }
      }
      recordNeverAnswered();
    } finally {
      ledger.close();
    }
  }

  /** Requests submitted max_retries + 1 times without a result: errors in the ledger (a later run submits them again), not silently missing. */
  private void recordNeverAnswered() {
    for (Row r : toSubmit()) {
      GenerateConfig.Role role = roles.get(r.getAs("name"));
      String error = "batch: no result after " + submissions + " submissions (expired, cancelled or failed each time; generate.max_retries="
          + config.maxRetries() + ")";
      ChatClient.Outcome outcome = new ChatClient.Outcome(null, 0, submissions, 0, error, ProviderError.Kind.TRANSIENT, 0);
      ledger.appendAll(entries.of(LedgerEntries.Call.of(r), role, outcome, CallCost.of(outcome, role, r.getAs("prompt_chars"), true)));
    }
  }

  private BatchesPendingException pending(String action) {
    long requests = open.values().stream().mapToLong(b -> b.requests().size()).sum();
    boolean submitOnly = GenerateConfig.SUBMIT.equals(action);
    return new BatchesPendingException(String.format(Locale.ROOT, "generate: %,d batches (%,d requests) in flight at the provider, "
        + "recorded in %s; %s", open.size(), requests, book.dir(), submitOnly
        ? "run the same command with --collect (until it exits 0) to download their results and go on"
        : "not done yet: run the same command again later (exit " + ExitCode.PENDING + " = still pending)"),
        submitOnly ? ExitCode.OK : ExitCode.PENDING);
  }

  /** Planned requests no open batch holds and no result answered: first the missing ones, later those that came back unanswered. */
  private List<Row> toSubmit() {
    List<Row> out = new ArrayList<>();
    for (Map.Entry<String, Row> e : planned.entrySet()) {
      if (!inFlight.contains(e.getKey()) && !answered.contains(e.getKey())) {
        out.add(e.getValue());
      }
    }
    return out;
  }

  /** Submits {@code requests} per role, in chunks within the provider's limits and the cap; each batch recorded before anything waits on it. */
  private void submit(List<Row> requests) throws InterruptedException {
    if (requests.isEmpty()) {
      return;
    }
    submissions++;
    Map<String, List<Row>> byRole = new LinkedHashMap<>();
    requests.forEach(r -> byRole.computeIfAbsent(r.getAs("name"), k -> new ArrayList<>()).add(r));
    for (Map.Entry<String, List<Row>> e : byRole.entrySet()) {
      GenerateConfig.Role role = roles.get(e.getKey());
      BatchApi api = api(role);
      int maxRequests = config.batching().maxRequests() > 0 ? Math.min(config.batching().maxRequests(), api.maxRequests()) : api.maxRequests();
      long maxBytes = config.batching().maxBytes() > 0 ? Math.min(config.batching().maxBytes(), api.maxBytes()) : api.maxBytes();
      Chunk chunk = new Chunk();
      for (Row r : e.getValue()) {
        String line = api.request(r.getAs("call_key"), r.getAs("body"));
        long bytes = line.getBytes(StandardCharsets.UTF_8).length + 1L;
        if (!chunk.lines.isEmpty() && (chunk.lines.size() >= maxRequests || chunk.bytes + bytes > maxBytes)) {
          send(api, role, chunk);
          chunk = new Chunk();
        }
        double worstCase = role.batchCost(GenerationTask.worstCasePromptTokens(r.getAs("body")),
            (long) (int) r.getAs("max_tokens") * (int) r.getAs("choices"));
        if (!cap.tryReserve(worstCase)) {
          GenerateProgress.Counters.add(counters.capped(), 1);
          answered.add(r.getAs("call_key"));
          continue;
        }
        chunk.add(line, bytes, worstCase, r);
      }
      if (!chunk.lines.isEmpty()) {
        send(api, role, chunk);
      }
    }
  }

  /** The requests of one batch being put together. */
  private static final class Chunk {
    final List<String> lines = new ArrayList<>();
    final List<BatchBook.Request> requests = new ArrayList<>();
    long bytes;
    double worstCase;

    void add(String line, long size, double cost, Row r) {
      lines.add(line);
      bytes += size;
      worstCase += cost;
      requests.add(new BatchBook.Request(r.getAs("call_key"), r.getAs("choices"), r.getAs("max_tokens"), r.getAs("prompt_chars")));
    }
  }

  private void send(BatchApi api, GenerateConfig.Role role, Chunk chunk) throws InterruptedException {
    long start = System.nanoTime();
    String id;
    try {
      id = api.submit(chunk.lines);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot submit a batch of " + chunk.lines.size() + " requests for " + role.configKey(config) + ": "
          + e.getMessage(), e);
    }
    figures.uploadSeconds += (System.nanoTime() - start) / 1e9;
    BatchBook.Batch b = new BatchBook.Batch(id, role.name(), role.batch().api(), role.baseUrl(), runId, Instant.now().toString(),
        chunk.worstCase, chunk.requests);
    book.recordSubmitted(b);
    open.put(id, b);
    held.put(id, chunk.worstCase);
    chunk.requests.forEach(r -> inFlight.add(r.callKey()));
    figures.submitted++;
    figures.requestsSubmitted += chunk.lines.size();
    long again = chunk.requests.stream().filter(r -> returned.contains(r.callKey())).count();
    figures.requestsResubmitted += again;
    console.info(String.format(Locale.ROOT, "generate (%s): submitted batch %s: %,d %s requests, %,d bytes, worst case $%.2f at batch prices%s",
        label, id, chunk.lines.size(), role.name(), chunk.bytes, chunk.worstCase, again > 0 ? String.format(Locale.ROOT, " (%,d of them again: unanswered or failed before)", again) : ""));
  }

  /** Polls every open batch once and collects those that ended; one progress line. */
  private void pollOnce() throws InterruptedException {
    long total = 0;
    long done = 0;
    long failed = 0;
    for (BatchBook.Batch b : new ArrayList<>(open.values())) {
      GenerateConfig.Role role = roles.get(b.role());
      if (role == null) {
        console.info("generate (" + label + "): batch " + b.id() + " is for role " + b.role() + ", which this config lacks; left open");
        open.remove(b.id());
        continue;
      }
      BatchApi api = api(role);
      BatchApi.State state;
      try {
        state = api.poll(b.id());
        total += state.total();
        done += state.succeeded();
        failed += state.failed();
        if (state.ended()) {
          collect(api, role, b, state);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot poll batch " + b.id() + " of " + role.configKey(config) + ": " + e.getMessage(), e);
      }
    }
    console.info(String.format(Locale.ROOT, "generate (%s): %,d batches in flight; of their requests %,d done, %,d failed, of %,d; collected: "
        + "%,d tokens, $%.4f at batch prices", label, open.size(), done, failed, total,
        counters.promptTokens().value() + counters.completionTokens().value(), counters.costMicros().value() / 1e6));
  }

  /** Writes an ended batch's results into the ledger (as online replies are), then closes its record; its unanswered requests go back to be submitted. */
  private void collect(BatchApi api, GenerateConfig.Role role, BatchBook.Batch b, BatchApi.State state) throws IOException, InterruptedException {
    Map<String, BatchBook.Request> requests = new LinkedHashMap<>();
    b.requests().forEach(r -> requests.put(r.callKey(), r));
    long latency = Duration.between(Instant.parse(b.submittedAt()), Instant.now()).toMillis();
    long results = 0;
    double spent = 0;
    Set<String> seen = new HashSet<>();
    for (BatchApi.Result result : api.results(state)) {
      BatchBook.Request r = requests.get(result.customId());
      if (r == null || !seen.add(result.customId())) {
        continue;
      }
      ChatClient.Outcome outcome = outcome(result, latency, keys.getOrDefault(role.name(), ApiKey.NONE));
      if (outcome.errorKind() == ProviderError.Kind.TRANSIENT) {
        GenerateProgress.Counters.add(counters.retries(), 1);
      } else {
        answered.add(r.callKey());
      }
      Row plannedRow = planned.get(r.callKey());
      LedgerEntries.Call call = new LedgerEntries.Call(r.callKey(), r.choices(), r.maxTokens(), r.promptChars(),
          plannedRow == null ? null : plannedRow.getAs("body"));
      CallCost cost = CallCost.of(outcome, role, r.promptChars(), true);
      List<Map<String, Object>> recorded = entries.of(call, role, outcome, cost);
      recorded.forEach(e -> e.put("batch_id", b.id()));
      ledger.appendAll(recorded);
      GenerateProgress.Counters.add(counters.promptTokens(), cost.promptTokens());
      GenerateProgress.Counters.add(counters.completionTokens(), cost.completionTokens());
      GenerateProgress.Counters.add(counters.costMicros(), Math.round(cost.usd() * 1e6));
      spent += cost.usd();
      results++;
    }
    cap.settle(held.getOrDefault(b.id(), 0.0), spent);
    ledger.flushNow();
    book.recordCollected(b.id(), state.status(), results);
    open.remove(b.id());
    b.requests().forEach(r -> {
      inFlight.remove(r.callKey());
      if (!answered.contains(r.callKey())) {
        returned.add(r.callKey());
      }
    });
    figures.collected++;
    long unanswered = b.requests().size() - results;
    console.info(String.format(Locale.ROOT, "generate (%s): batch %s %s: %,d results collected%s%s", label, b.id(), state.status(), results,
        unanswered > 0 ? String.format(Locale.ROOT, ", %,d requests unanswered (submitted again)", unanswered) : "",
        state.message() != null ? " (" + state.message() + ")" : ""));
  }

  /** A batch result as the outcome of an online call: the same reply parsing and error classification. */
  static ChatClient.Outcome outcome(BatchApi.Result result, long latencyMs, ApiKey key) {
    if (result.reply() != null) {
      try {
        return new ChatClient.Outcome(ChatReply.parse(result.reply()), 200, 1, latencyMs, null, null, 0);
      } catch (ChatReply.MalformedReplyException e) {
        return new ChatClient.Outcome(null, 200, 1, latencyMs, "batch result: " + e.getMessage(), ProviderError.Kind.TRANSIENT, 0);
      }
    }
    ProviderError e = ProviderError.classify(result.httpStatus(), result.error());
    ProviderError.Kind kind = e.kind() == ProviderError.Kind.FATAL ? ProviderError.Kind.TRANSIENT : e.kind();
    return new ChatClient.Outcome(null, result.httpStatus(), 1, latencyMs, key.scrub("batch result: " + result.error()), kind, 0);
  }

  private final Map<String, BatchApi> apis = new LinkedHashMap<>();

  private BatchApi api(GenerateConfig.Role role) {
    return apis.computeIfAbsent(role.name(), n -> BatchApis.of(role, keys.getOrDefault(n, ApiKey.NONE), config));
  }
}
