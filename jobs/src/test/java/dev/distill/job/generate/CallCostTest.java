package dev.distill.job.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.distill.job.SparkTestSession;
import dev.distill.job.conf.GenerateConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A request's tokens, cost and cost basis as the ledger records them. */
class CallCostTest {
  private static final GenerateConfig.Role PRICED = role("generate.teacher.price_input=2", "generate.teacher.price_output=10");
  private static final GenerateConfig.Role UNPRICED = role();

  @Test
  void reportedUsageAtTheRolesPrices() {
    CallCost cost = CallCost.of(ok(reply(1000L, 500L, null, "hello")), PRICED, 4000);
    assertEquals(new CallCost(1000, 500, true, (1000 * 2.0 + 500 * 10.0) / 1e6, "prices"), cost);
  }

  @Test
  void theProvidersCostWinsOverPrices() {
    assertEquals(new CallCost(1000, 500, true, 0.5, "provider"), CallCost.of(ok(reply(1000L, 500L, 0.5, "x")), PRICED, 4000));
  }

  @Test
  void missingUsageIsEstimatedAtFourCharactersAToken() {
    // Prompt: 4,003 characters; completion: every choice's content and reasoning, 10 + 6 + 9 characters.
    ChatReply reply = new ChatReply(List.of(new ChatReply.Choice("0123456789", "abcdef", "stop"), new ChatReply.Choice("012345678", null, "stop")),
        null, null, null, null);
    CallCost cost = CallCost.of(ok(reply), PRICED, 4003);
    assertEquals(new CallCost(1000, 6, false, (1000 * 2.0 + 6 * 10.0) / 1e6, "prices, estimated tokens"), cost);
    assertEquals("prices, estimated tokens", CallCost.of(ok(reply(7L, null, null, "x")), PRICED, 0).basis(), "one count missing is an estimate");
    assertEquals("unpriced", CallCost.of(ok(reply), UNPRICED, 4003).basis());
  }

  @Test
  void aFailedRequestUsedNothing() {
    ChatClient.Outcome failed = new ChatClient.Outcome(null, 500, 3, 10, "boom", ProviderError.Kind.TRANSIENT, 0);
    assertEquals(new CallCost(0, 0, false, 0, "prices"), CallCost.of(failed, PRICED, 4000));
    assertEquals(new CallCost(0, 0, false, 0, "unpriced"), CallCost.of(failed, UNPRICED, 4000));
  }

  @Test
  void abandonedAttemptsAreAddedAtTheWorstCase() {
    CallCost cost = new CallCost(10, 20, true, 0.1, "prices").plusAbandoned(2, 0.25);
    assertEquals(new CallCost(10, 20, true, 0.1 + 2 * 0.25, "prices + 2 abandoned attempt(s) at the worst case"), cost);
    assertEquals(new CallCost(10, 20, true, 0.1, "prices"), new CallCost(10, 20, true, 0.1, "prices").plusAbandoned(0, 0.25));
  }

  private static ChatClient.Outcome ok(ChatReply reply) {
    return new ChatClient.Outcome(reply, 200, 1, 10, null, null, 0);
  }

  private static ChatReply reply(Long prompt, Long completion, Double providerCost, String content) {
    return new ChatReply(List.of(new ChatReply.Choice(content, null, "stop")), prompt, completion, null, providerCost);
  }

  private static GenerateConfig.Role role(String... prices) {
    String[] sets = new String[prices.length + 2];
    sets[0] = "generate.base_url=http://127.0.0.1:9/v1";
    sets[1] = "generate.teacher.model=t";
    System.arraycopy(prices, 0, sets, 2, prices.length);
    return SparkTestSession.config(sets).generate().teacher();
  }
}
