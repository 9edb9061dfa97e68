package dev.distill.job.generate;

import dev.distill.job.conf.GenerateConfig;

/**
 * What one request cost and how that is known ({@code basis}, as the ledger records it): the
 * provider's own figure, else the role's prices on the token counts the server reported or on
 * estimates (4 characters a token), else nothing for an unpriced role. A failed request used no
 * tokens; abandoned attempts are added at the worst case.
 *
 * @param reported whether the server reported both token counts
 */
record CallCost(long promptTokens, long completionTokens, boolean reported, double usd, String basis) {

  static CallCost of(ChatClient.Outcome outcome, GenerateConfig.Role role, int promptChars) {
    return of(outcome, role, promptChars, false);
  }

  /** As {@link #of(ChatClient.Outcome, GenerateConfig.Role, int)}; {@code batch}: at the role's batch prices. */
  static CallCost of(ChatClient.Outcome outcome, GenerateConfig.Role role, int promptChars, boolean batch) {
    if (!outcome.ok()) {
      return new CallCost(0, 0, false, 0, role.priced() ? "prices" : "unpriced");
    }
    ChatReply reply = outcome.reply();
    long promptTokens = reply.promptTokens() != null ? reply.promptTokens() : promptChars / 4;
    long completionTokens = reply.completionTokens() != null ? reply.completionTokens() : estimatedCompletion(reply);
    boolean reported = reply.promptTokens() != null && reply.completionTokens() != null;
    if (reply.providerCostUsd() != null) {
      return new CallCost(promptTokens, completionTokens, reported, reply.providerCostUsd(), "provider");
    }
    String prices = batch ? "batch prices" : "prices";
    String basis = !role.priced() ? "unpriced" : reported ? prices : prices + ", estimated tokens";
    double usd = batch ? role.batchCost(promptTokens, completionTokens) : role.cost(promptTokens, completionTokens);
    return new CallCost(promptTokens, completionTokens, reported, usd, basis);
  }

  CallCost plusAbandoned(int abandoned, double worstCase) {
    double total = usd + abandoned * worstCase;
    String withAbandoned = abandoned > 0 ? basis + " + " + abandoned + " abandoned attempt(s) at the worst case" : basis;
    return new CallCost(promptTokens, completionTokens, reported, total, withAbandoned);
  }

  private static long estimatedCompletion(ChatReply reply) {
    long chars = 0;
    for (ChatReply.Choice c : reply.choices()) {
      chars += length(c.content()) + length(c.reasoning());
    }
    return chars / 4;
  }

  private static int length(String s) {
    return s == null ? 0 : s.length();
  }
}
