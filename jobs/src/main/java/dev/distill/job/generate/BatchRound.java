package dev.distill.job.generate;

import dev.distill.job.conf.GenerateConfig;
import dev.distill.job.error.BatchesPendingException;
import dev.distill.job.error.ConfigException;
import dev.distill.job.error.ExitCode;
import dev.distill.job.error.GenerationStoppedException;
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
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * One round's calls of the roles in batch mode, on the driver. {@link #start} attaches to the
 * batches the ledger has open (from any run; an intent without a batch id is looked up at the
 * provider), collects those that ended, and submits the requests neither the ledger nor an open
 * batch has, in chunks within the provider's limits and the stage's cost cap (each at its worst
 * case at batch prices); {@link #finish} waits for the batches, collecting each as it ends and
 * submitting again only the requests that came back unanswered (expired, cancelled, a batch the
 * provider no longer knows) or with a transient error, up to max_retries times; with
 * {@code batch.action} submit or collect it returns at once when nothing is in flight, else stops
 * the stage. The cap is the one the round's online calls reserve from too.
 */
final class BatchRound {
  /** How long before its intent was recorded a batch may show as created (the provider's clock against ours). */
  private static final Duration CLOCK_SKEW = Duration.ofMinutes(10);

  private final GenerateConfig config;
  private final Map<String, GenerateConfig.Role> roles;
  private final Map<String, ApiKey> keys;
  private final BatchBook book;
  private final LedgerWriter ledger;
  private final LedgerEntries entries;
  private final GenerateProgress.Counters counters;
  private final SpendingCap cap;
  private final Console console;
  private final String runId;
  private final String label;
  /** The planned requests of batch roles still missing from the ledger, by call key. */
  private final Map<String, Row> planned = new LinkedHashMap<>();
  /** The batches this round attached to or submitted and has not closed; each holds its worst case on the cap. */
  private final Map<String, BatchBook.Batch> open = new LinkedHashMap<>();
  private final Set<String> answered = new HashSet<>();
  private final Set<String> inFlight = new HashSet<>();
  /** Requests a batch gave back without a settled result (unanswered, or a transient error): what is submitted again. */
  private final Set<String> returned = new HashSet<>();
  /** The last transient error of each returned request, for its ledger entry if it never gets a result. */
  private final Map<String, String> lastError = new HashMap<>();
  private final Figures figures = new Figures();
  private int submissions;

  /** What the round did with batches, for run.json. */
  static final class Figures {
    long submitted;
    long attached;
    long requestsSubmitted;
    long requestsResubmitted;
    long collected;
    long abandoned;
    double uploadSeconds;

    Map<String, Object> asMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("batches_submitted", submitted);
      m.put("batches_attached", attached);
      m.put("batches_collected", collected);
      m.put("batches_abandoned", abandoned);
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
      abandoned += f.abandoned;
      uploadSeconds += f.uploadSeconds;
    }
  }

  /** @param cap the stage's cost cap, shared with the online calls */
  BatchRound(GenerateConfig config, Map<String, GenerateConfig.Role> roles, Map<String, ApiKey> keys, Ledger ledger, Configuration hadoop,
      GenerateProgress.Counters counters, SpendingCap cap, Console console, String runId, String segmentPrefix, String label) {
    this.config = config;
    this.roles = roles;
    this.keys = keys;
    this.book = new BatchBook(ledger.dir(), hadoop);
    this.ledger = new LedgerWriter(hadoop, ledger.segments(), segmentPrefix + "-batch", config.ledgerFlushRows(), config.ledgerFlushSeconds());
    this.entries = new LedgerEntries(config, counters, runId);
    this.counters = counters;
    this.cap = cap;
    this.console = console;
    this.runId = runId;
    this.label = label;
  }

  Figures figures() {
    return figures;
  }

  /** Attaches to the open batches, collects the ended ones, and submits what is missing. {@code missing}: the batch roles' missing calls. */
  BatchRound start(Dataset<Row> missing) throws InterruptedException {
    for (Iterator<Row> it = missing.toLocalIterator(); it.hasNext(); ) {
      Row r = it.next();
      planned.put(r.getAs("call_key"), r);
    }
    for (BatchBook.Batch b : book.open()) {
      GenerateConfig.Role role = roles.get(b.role());
      if (role == null) {
        // Not ours to collect, nor to hold on this run's cap: a run whose config has the role collects it.
        console.info("generate (" + label + "): warning: batch " + b.name() + " in " + book.dir() + " is for role " + b.role()
            + ", which this config lacks; left open for a run that has it (its cost is not counted on this run's cap)");
        continue;
      }
      BatchBook.Batch found = b.id() != null ? b : resolve(api(role), role, b);
      if (found != null) {
        attach(found);
      }
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

  /** Counted on the cap at its worst case until collected, even past the cap: it is at the provider and will be billed. */
  private void attach(BatchBook.Batch b) {
    open.put(b.id(), b);
    b.requests().forEach(r -> inFlight.add(r.callKey()));
    cap.hold(b.worstCaseUsd());
  }

  /**
   * The batch of an intent recorded without an id (the run stopped between the create request and
   * recording its answer): found by its metadata where the shape tags batches, else abandoned
   * with a warning; null when there is none to attach to (its requests are then submitted again).
   */
  private BatchBook.Batch resolve(BatchApi api, GenerateConfig.Role role, BatchBook.Batch b) throws InterruptedException {
    if (!api.tagsIntent()) {
      abandon(b, "its create request got no answer and Message Batches carry no metadata to find it by");
      console.info("generate (" + label + "): warning: " + b.name() + " (" + b.requests().size() + " " + role.name() + " requests, "
          + b.submittedAt() + ") has no batch id: if " + role.baseUrl() + " created it, cancel it there (GET /messages/batches lists "
          + "it), or it is billed besides the batch its requests now go in");
      return null;
    }
    Instant since = Instant.parse(b.submittedAt()).minus(CLOCK_SKEW);
    try {
      String after = null;
      while (true) {
        BatchApi.Page page = api.list(after);
        for (BatchApi.Listed l : page.batches()) {
          if (b.intent().equals(l.intent())) {
            BatchBook.Batch found = b.withId(l.id());
            book.recordId(found);
            console.info("generate (" + label + "): " + b.name() + " was created as batch " + l.id() + " before the run stopped; attached");
            return found;
          }
        }
        after = page.next();
        if (after == null || api.listsNewestFirst() && !page.batches().isEmpty()
            && page.batches().get(page.batches().size() - 1).createdAt().isBefore(since)) {
          break;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot look up the batch of " + b.name() + " at " + role.baseUrl() + " (" + role.configKey(config)
          + "): " + e.getMessage() + "; run the same command again", e);
    }
    abandon(b, "no batch at the provider carries its intent: the create request never reached it");
    return null;
  }

  private void abandon(BatchBook.Batch b, String why) {
    book.recordAbandoned(b, why);
    figures.abandoned++;
  }

  /** Waits for every batch (batch.action wait), or stops the stage while any is in flight (submit: exit 0, collect: exit 5). */
  void finish() throws InterruptedException {
    try {
      String action = config.batching().action();
      if (!GenerateConfig.WAIT.equals(action)) {
        if (!open.isEmpty()) {
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
      String last = lastError.get((String) r.getAs("call_key"));
      String error = "batch: no result after " + submissions + " submissions (expired, cancelled or failed each time; generate.max_retries="
          + config.maxRetries() + ")" + (last == null ? "" : "; last: " + last);
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
        String line;
        try {
          line = api.request(r.getAs("call_key"), r.getAs("body"));
        } catch (IllegalArgumentException bad) {
          throw new ConfigException("Cannot put a request of " + role.configKey(config) + " in a " + role.batch().api() + " batch: "
              + bad.getMessage() + "; change the role's extra_body (or its other wire keys), or set its mode: online", bad);
        }
        long bytes = line.getBytes(StandardCharsets.UTF_8).length + 1L;
        if (!chunk.lines.isEmpty() && (chunk.lines.size() >= maxRequests || chunk.bytes + bytes > maxBytes)) {
          send(api, role, chunk);
          chunk = new Chunk();
        }
        double worstCase = GenerationTask.worstCaseCost(role, r.getAs("body"), r.getAs("max_tokens"), r.getAs("choices"));
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

  /** Records the intent, creates the batch, records its id: each step before the next, so a stop between them loses nothing. */
  private void send(BatchApi api, GenerateConfig.Role role, Chunk chunk) throws InterruptedException {
    long start = System.nanoTime();
    BatchBook.Batch intent = new BatchBook.Batch(null, UUID.randomUUID().toString(), role.name(), role.batch().api(), role.baseUrl(), runId,
        Instant.now().toString(), chunk.worstCase, chunk.requests);
    book.recordIntent(intent);
    String id;
    try {
      id = api.submit(chunk.lines, intent.intent());
    } catch (BatchHttp.MayExistException e) {
      throw new UncheckedIOException("Cannot submit a batch of " + chunk.lines.size() + " requests for " + role.configKey(config) + ": "
          + e.getMessage() + "; run the same command again: " + (api.tagsIntent()
              ? "the batch of " + intent.name() + " is looked up by the intent it carries (openai: metadata, gemini: displayName) and "
                  + "attached to if it was created"
              : "if a batch of " + chunk.lines.size() + " requests was created at " + intent.submittedAt() + ", cancel it there first"), e);
    } catch (IOException | RuntimeException e) {
      // The provider answered with an error, or the request never reached it: no batch exists.
      abandon(intent, "not created: " + e.getMessage());
      if (e instanceof IOException io) {
        throw new UncheckedIOException("Cannot submit a batch of " + chunk.lines.size() + " requests for " + role.configKey(config) + ": "
            + e.getMessage(), io);
      }
      throw (RuntimeException) e;
    }
    BatchBook.Batch b = intent.withId(id);
    book.recordId(b);
    figures.uploadSeconds += (System.nanoTime() - start) / 1e9;
    open.put(id, b);
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
      BatchApi api = api(role);
      try {
        BatchApi.State state = api.poll(b.id());
        total += state.total();
        done += state.succeeded();
        failed += state.failed();
        if (state.ended()) {
          collect(api, role, b, state);
        }
      } catch (BatchHttp.NotFoundException e) {
        giveBack(api, role, b, e);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot poll batch " + b.id() + " of " + role.configKey(config) + ": " + e.getMessage(), e);
      }
    }
    console.info(String.format(Locale.ROOT, "generate (%s): %,d batches in flight; of their requests %,d done, %,d failed, of %,d; collected: "
        + "%,d tokens, $%.4f at batch prices", label, open.size(), done, failed, total,
        counters.promptTokens().value() + counters.completionTokens().value(), counters.costMicros().value() / 1e6));
  }

  /**
   * A recorded batch the provider answers 404 for (it forgot it, or the key is another account's):
   * once a list of batches shows the API itself is there, the record is abandoned and its requests
   * the ledger lacks are submitted again.
   */
  private void giveBack(BatchApi api, GenerateConfig.Role role, BatchBook.Batch b, BatchHttp.NotFoundException notFound)
      throws InterruptedException {
    try {
      api.list(null);
    } catch (BatchHttp.NotFoundException e) {
      throw new ConfigException("Cannot use the batch API of " + role.configKey(config) + " at " + role.baseUrl() + ": " + notFound.getMessage()
          + ", and listing batches is 404 too; check its base_url and batch_api (batch " + b.id() + " stays recorded in " + book.dir() + ")");
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot poll batch " + b.id() + " of " + role.configKey(config) + ": " + notFound.getMessage()
          + ", and listing batches failed: " + e.getMessage() + "; run the same command again", e);
    }
    abandon(b, "the provider no longer knows it: " + notFound.getMessage());
    open.remove(b.id());
    cap.settle(b.worstCaseUsd(), 0);
    long back = 0;
    for (BatchBook.Request r : b.requests()) {
      inFlight.remove(r.callKey());
      if (planned.containsKey(r.callKey()) && !answered.contains(r.callKey())) {
        returned.add(r.callKey());
        back++;
      }
    }
    console.info(String.format(Locale.ROOT, "generate (%s): warning: batch %s of %s is unknown to %s (HTTP 404: the provider forgot it, or "
        + "the key is another account's, which still bills it if it runs); its record is abandoned and its %,d requests the ledger lacks "
        + "are submitted again", label, b.id(), role.configKey(config), role.baseUrl(), back));
  }

  /**
   * Writes an ended batch's settled results into the ledger (as online replies are), then closes
   * its record. Requests it did not answer and those that failed transiently are not written: they
   * go back to be submitted again (a run that stops first finds them missing from the ledger). A
   * result file the provider answers 404 for holds nothing: its requests go back with a warning.
   * Results refused for the key or the account (401, 403, a spent quota), as many as
   * max_fatal_errors or all the batch's results, or the batch itself failing so, stop the stage
   * once the batch is closed; those requests go back too. Fewer, among replies, are ledger errors,
   * as online.
   */
  private void collect(BatchApi api, GenerateConfig.Role role, BatchBook.Batch b, BatchApi.State state) throws IOException, InterruptedException {
    Map<String, BatchBook.Request> requests = new LinkedHashMap<>();
    b.requests().forEach(r -> requests.put(r.callKey(), r));
    long latency = Duration.between(Instant.parse(b.submittedAt()), Instant.now()).toMillis();
    ApiKey key = keys.getOrDefault(role.name(), ApiKey.NONE);
    long results = 0;
    long failedTransiently = 0;
    double spent = 0;
    Set<String> seen = new HashSet<>();
    List<String> missingFiles = new ArrayList<>();
    Map<BatchBook.Request, ChatClient.Outcome> refused = new LinkedHashMap<>();
    for (BatchApi.Result result : results(api, role, b, state, missingFiles)) {
      BatchBook.Request r = requests.get(result.customId());
      if (r == null || !seen.add(result.customId())) {
        continue;
      }
      ChatClient.Outcome outcome = outcome(result, latency, key);
      if (outcome.errorKind() == ProviderError.Kind.TRANSIENT) {
        GenerateProgress.Counters.add(counters.retries(), 1);
        lastError.put(r.callKey(), outcome.error());
        failedTransiently++;
        continue;
      }
      if (outcome.errorKind() == ProviderError.Kind.FATAL) {
        refused.put(r, outcome);
        continue;
      }
      spent += record(b, role, r, outcome);
      results++;
    }
    String stop = stop(role, b, state, refused, results, key);
    if (stop == null) {
      for (Map.Entry<BatchBook.Request, ChatClient.Outcome> e : refused.entrySet()) {
        spent += record(b, role, e.getKey(), e.getValue());
        results++;
      }
    }
    cap.settle(b.worstCaseUsd(), spent);
    ledger.flushNow();
    book.recordCollected(b, state.status() + (missingFiles.isEmpty() ? "" : " (result files unknown to the provider: "
        + String.join(", ", missingFiles) + ")"), results);
    open.remove(b.id());
    b.requests().forEach(r -> {
      inFlight.remove(r.callKey());
      if (!answered.contains(r.callKey())) {
        returned.add(r.callKey());
      }
    });
    figures.collected++;
    long unanswered = b.requests().size() - results - failedTransiently;
    console.info(String.format(Locale.ROOT, "generate (%s): batch %s %s: %,d results collected%s%s%s", label, b.id(), state.status(), results,
        unanswered > 0 ? String.format(Locale.ROOT, ", %,d requests unanswered", unanswered) : "",
        failedTransiently > 0 ? String.format(Locale.ROOT, ", %,d failed transiently", failedTransiently) : "",
        unanswered + failedTransiently > 0 ? stop == null ? " (submitted again)" : " (submitted again by the next run)" : "")
        + (state.message() != null ? " (" + key.scrub(state.message()) + ")" : ""));
    if (stop != null) {
      throw new GenerationStoppedException(stop);
    }
  }

  /** The results in every result file of an ended batch; a file the provider does not know (404) is named in {@code missing}. */
  private List<BatchApi.Result> results(BatchApi api, GenerateConfig.Role role, BatchBook.Batch b, BatchApi.State state, List<String> missing)
      throws IOException, InterruptedException {
    List<BatchApi.Result> out = new ArrayList<>();
    for (String ref : state.resultRefs()) {
      try {
        out.addAll(api.results(ref));
      } catch (BatchHttp.NotFoundException e) {
        missing.add(ref);
        console.info("generate (" + label + "): warning: batch " + b.id() + " of " + role.configKey(config) + " " + state.status()
            + ", but its result file " + ref + " is unknown to " + role.baseUrl() + " (" + e.getMessage() + "): the provider purged it, "
            + "or the key is another account's; the batch's requests without a result are submitted again");
      }
    }
    return out;
  }

  /** Writes one settled result into the ledger, as online; returns what it cost. */
  private double record(BatchBook.Batch b, GenerateConfig.Role role, BatchBook.Request r, ChatClient.Outcome outcome) {
    answered.add(r.callKey());
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
    return cost.usd();
  }

  /**
   * Why the stage stops after this batch, or null: the batch itself failed for the key or the
   * account, or its results refused so number max_fatal_errors (as an online streak) or are all it has.
   */
  private String stop(GenerateConfig.Role role, BatchBook.Batch b, BatchApi.State state, Map<BatchBook.Request, ChatClient.Outcome> refused,
      long answered, ApiKey key) {
    String where = "batch " + b.id() + " of " + role.configKey(config) + " (" + role.baseUrl() + ")";
    String why = null;
    if (state.errorStatus() > 0 && ProviderError.classify(state.errorStatus(), state.message()).kind() == ProviderError.Kind.FATAL) {
      why = where + " " + state.status() + ": HTTP " + state.errorStatus() + ": " + key.scrub(String.valueOf(state.message()));
    } else if (!refused.isEmpty() && (refused.size() >= config.maxFatalErrors() || answered == 0)) {
      ChatClient.Outcome first = refused.values().iterator().next();
      why = String.format(Locale.ROOT, "%s: %,d of its requests were refused for the key or the account (HTTP %d, %s)", where, refused.size(),
          first.httpStatus(), first.error());
    }
    if (why == null) {
      return null;
    }
    return String.format(Locale.ROOT, "Cannot continue generating: %s; its other %,d results are in the ledger %s; fix the key, its "
        + "permissions, credit or quota and run the same command again: the refused requests are submitted again, and batches in flight "
        + "are attached to, not submitted again (generate.max_fatal_errors=%d)", why, answered, book.dir(), config.maxFatalErrors());
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
    return new ChatClient.Outcome(null, result.httpStatus(), 1, latencyMs, key.scrub("batch result: " + result.error()), e.kind(), 0);
  }

  private final Map<String, BatchApi> apis = new LinkedHashMap<>();

  private BatchApi api(GenerateConfig.Role role) {
    return apis.computeIfAbsent(role.name(), n -> BatchApis.of(role, keys.getOrDefault(n, ApiKey.NONE), config));
  }
}
