package dev.distill.job;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.io.Json;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;

/** For tests that kill a run's holder: waits until the lease it left has expired, so that --force-takeover may take it. */
public final class LeaseExpiry {

  /** Sleeps until the {@code expires} time of the lease.json content {@code leaseJson} has passed. */
  public static void await(String leaseJson) throws IOException, InterruptedException {
    JsonNode lease = Json.MAPPER.readTree(leaseJson);
    long wait = Duration.between(Instant.now(), Instant.parse(lease.get("expires").asText())).toMillis() + 250;
    if (wait > 0) {
      Thread.sleep(wait);
    }
  }

  private LeaseExpiry() {}
}
