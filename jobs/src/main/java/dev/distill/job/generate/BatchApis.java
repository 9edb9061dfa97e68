package dev.distill.job.generate;

import dev.distill.job.conf.GenerateConfig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** The batch API a role's {@code batch_api} names, with its authentication headers. */
final class BatchApis {

  static BatchApi of(GenerateConfig.Role role, ApiKey key, GenerateConfig config) {
    RetryPolicy retry = new RetryPolicy(config.maxRetries(), config.backoffInitialMs(), config.backoffMaxMs());
    Duration timeout = Duration.ofSeconds(config.timeoutSeconds());
    String where = role.configKey(config) + " (batch_api " + role.batch().api() + " at " + role.baseUrl() + ")";
    Map<String, String> headers = new LinkedHashMap<>();
    if ("anthropic".equals(role.batch().api())) {
      // https://docs.claude.com/en/api/versioning: every request names the API version.
      headers.put("anthropic-version", AnthropicBatchApi.VERSION);
      if (key.present()) {
        headers.put("x-api-key", key.value());
      }
      return new AnthropicBatchApi(role.baseUrl(), new BatchHttp(headers, retry, timeout, key, where));
    }
    if ("gemini".equals(role.batch().api())) {
      // https://ai.google.dev/gemini-api/docs/batch-mode: the key goes in x-goog-api-key.
      if (key.present()) {
        headers.put("x-goog-api-key", key.value());
      }
      return new GeminiBatchApi(role.baseUrl(), role.model(), new BatchHttp(headers, retry, timeout, key, where));
    }
    if (key.present()) {
      headers.put("Authorization", key.bearer());
    }
    return new OpenAiBatchApi(role.baseUrl(), new BatchHttp(headers, retry, timeout, key, where), config.batching().completionWindow());
  }

  private BatchApis() {}
}
