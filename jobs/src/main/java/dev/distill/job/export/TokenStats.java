package dev.distill.job.export;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Token figures of the exported rows for manifest.json and the dataset card. */
final class TokenStats {
  private final int blockSize;
  private final TooLongPolicy policy;
  private final List<Integer> kept = new ArrayList<>();
  private long totalBefore;
  private long overBlock;
  private long truncated;
  private long dropped;

  TokenStats(int blockSize, TooLongPolicy policy) {
    this.blockSize = blockSize;
    this.policy = policy;
  }

  /** One row: its tokens before the policy, after it, and what the policy did. */
  void add(int tokensBefore, int textTokens, boolean wasTruncated, boolean wasDropped) {
    totalBefore += tokensBefore;
    if (tokensBefore > blockSize) {
      overBlock++;
    }
    if (wasDropped) {
      dropped++;
      return;
    }
    if (wasTruncated) {
      truncated++;
    }
    kept.add(textTokens);
  }

  long total() {
    return kept.stream().mapToLong(Integer::longValue).sum();
  }

  long rows() {
    return kept.size();
  }

  long overBlock() {
    return overBlock;
  }

  long truncated() {
    return truncated;
  }

  long dropped() {
    return dropped;
  }

  int max() {
    return kept.isEmpty() ? 0 : Collections.max(kept);
  }

  /** Nearest-rank percentile of the kept rows' tokens (0 when there are none). */
  int percentile(double p) {
    if (kept.isEmpty()) {
      return 0;
    }
    List<Integer> sorted = new ArrayList<>(kept);
    Collections.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  Map<String, Object> toMap(String counting, String tokenizer) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("counting", counting);
    m.put("tokenizer", tokenizer);
    m.put("block_size", blockSize);
    m.put("too_long", policy.configName());
    m.put("total_text_tokens", total());
    m.put("mean_text_tokens", kept.isEmpty() ? 0 : Math.round(total() / (double) kept.size()));
    m.put("median_text_tokens", percentile(50));
    m.put("p90_text_tokens", percentile(90));
    m.put("max_text_tokens", max());
    m.put("min_text_tokens", kept.isEmpty() ? 0 : Collections.min(kept));
    m.put("rows_over_block_size", overBlock);
    m.put("rows_truncated", truncated);
    m.put("rows_dropped_too_long", dropped);
    m.put("total_text_tokens_before_policy", totalBefore);
    return m;
  }
}
