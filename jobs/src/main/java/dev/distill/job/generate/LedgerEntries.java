package dev.distill.job.generate;

import dev.distill.job.conf.GenerateConfig;
import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;

/**
 * The ledger entries one request's outcome comes to (one per choice asked for), the same whether
 * the reply came online or from a batch: ok or truncated per choice, rejected where the server sent
 * fewer choices than n or refused the request, error otherwise; usage and cost on the first entry.
 */
final class LedgerEntries implements Serializable {
  private final GenerateConfig config;
  private final GenerateProgress.Counters counters;
  private final String runId;

  /** What an entry needs of the planned request. */
  record Call(String callKey, int choices, int maxTokens, int promptChars, String body) implements Serializable {
    static Call of(Row planned) {
      return new Call(planned.getAs("call_key"), planned.getAs("choices"), planned.getAs("max_tokens"), planned.getAs("prompt_chars"),
          planned.getAs("body"));
    }
  }

  LedgerEntries(GenerateConfig config, GenerateProgress.Counters counters, String runId) {
    this.config = config;
    this.counters = counters;
    this.runId = runId;
  }

  /** The entries of a settled request, counted and billed at {@code cost}. */
  List<Map<String, Object>> of(Call call, GenerateConfig.Role role, ChatClient.Outcome outcome, CallCost cost) {
    List<Map<String, Object>> entries = outcome.ok() ? replyEntries(call, role, outcome, cost) : failureEntries(call, role, outcome);
    bill(entries, cost, outcome, call.body());
    return entries;
  }

  /** One entry per choice asked for: the reply's choice, or rejected where the server sent fewer choices than n. */
  private List<Map<String, Object>> replyEntries(Call call, GenerateConfig.Role role, ChatClient.Outcome outcome, CallCost cost) {
    ChatReply reply = outcome.reply();
    List<String> entryKeys = CallPlanner.entryKeys(call.callKey(), call.choices());
    List<Map<String, Object>> entries = new ArrayList<>();
    for (int i = 0; i < call.choices(); i++) {
      Map<String, Object> entry = entry(call, role, entryKeys.get(i), i, outcome);
      if (i < reply.choices().size()) {
        putChoice(entry, reply.choices().get(i), call, role, cost.completionTokens());
      } else {
        entry.put("status", Ledger.REJECTED);
        entry.put("error", "the server returned " + reply.choices().size() + " of the " + call.choices() + " choices asked for with n (it ignores n); set "
            + role.configKey(config) + ".use_n: false");
        GenerateProgress.Counters.add(counters.rejected(), 1);
      }
      entry.put("usage", cost.reported() ? "reported" : "estimated");
      entries.add(entry);
    }
    return entries;
  }

  /** A choice as ok, or as truncated when it reached max_tokens (or came back empty with every token of the request spent). */
  private void putChoice(Map<String, Object> entry, ChatReply.Choice c, Call call, GenerateConfig.Role role, long completionTokens) {
    boolean cut = c.truncated() || blank(c.content()) && blank(c.reasoning()) && completionTokens >= (long) call.maxTokens() * call.choices();
    entry.put("status", cut ? Ledger.TRUNCATED : Ledger.OK);
    entry.put("content", c.content());
    entry.put("reasoning", c.reasoning());
    entry.put("finish_reason", c.finishReason());
    if (cut) {
      entry.put("error", "truncated: the reply reached max_tokens " + call.maxTokens() + " (finish_reason " + c.finishReason()
          + "); raise " + role.configKey(config) + ".max_tokens to get it whole");
      GenerateProgress.Counters.add(counters.truncated(), 1);
    } else {
      GenerateProgress.Counters.add(counters.ok(), 1);
    }
  }

  /** One entry per choice of a failed request: rejected when the error is final (resending cannot help), else error. */
  private List<Map<String, Object>> failureEntries(Call call, GenerateConfig.Role role, ChatClient.Outcome outcome) {
    List<String> entryKeys = CallPlanner.entryKeys(call.callKey(), call.choices());
    boolean rejected = outcome.errorKind() == ProviderError.Kind.FINAL;
    List<Map<String, Object>> entries = new ArrayList<>();
    for (int i = 0; i < call.choices(); i++) {
      Map<String, Object> entry = entry(call, role, entryKeys.get(i), i, outcome);
      entry.put("status", rejected ? Ledger.REJECTED : Ledger.ERROR);
      entry.put("error", outcome.error());
      entries.add(entry);
    }
    GenerateProgress.Counters.add(rejected ? counters.rejected() : counters.failed(), 1);
    return entries;
  }

  /** A request's usage and cost are billed once, on its first entry. */
  private static void bill(List<Map<String, Object>> entries, CallCost cost, ChatClient.Outcome outcome, String body) {
    for (int i = 0; i < entries.size(); i++) {
      Map<String, Object> entry = entries.get(i);
      entry.put("prompt_tokens", i == 0 ? cost.promptTokens() : 0L);
      entry.put("completion_tokens", i == 0 ? cost.completionTokens() : 0L);
      entry.put("reasoning_tokens", i == 0 && outcome.ok() ? outcome.reply().reasoningTokens() : null);
      entry.put("cost_usd", i == 0 ? cost.usd() : 0.0);
      entry.put("cost_basis", cost.basis());
      entry.put("abandoned_attempts", i == 0 ? outcome.abandoned() : 0);
      entry.put("request", i == 0 ? body : null);
    }
  }

  private Map<String, Object> entry(Call call, GenerateConfig.Role role, String key, int choice, ChatClient.Outcome outcome) {
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("key", key);
    entry.put("call_key", call.callKey());
    entry.put("choice", choice);
    entry.put("role", role.role());
    entry.put("name", role.name());
    entry.put("model", role.model());
    entry.put("latency_ms", outcome.latencyMs());
    entry.put("attempts", outcome.attempts());
    entry.put("http_status", outcome.httpStatus());
    entry.put("run_id", runId);
    entry.put("created_at", Instant.now().toString());
    return entry;
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
