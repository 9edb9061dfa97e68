package dev.distill.job.generate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.io.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The ledger's record of batches, under {@code <ledger>/batches/}: {@code <batch>.json}, written
 * (atomically) the moment the provider returns a batch id and before any wait, holds the batch's
 * role, endpoint, requests and worst-case cost; {@code <batch>.collected}, written once its results
 * are in the ledger's segments, closes it. Any run on the ledger attaches to the batches still open.
 */
final class BatchBook {
  private final String dir;
  private final Configuration hadoop;

  /** One request of a batch: what its ledger entries need. */
  record Request(String callKey, int choices, int maxTokens, int promptChars) {}

  /** One submitted batch. */
  record Batch(String id, String role, String api, String baseUrl, String runId, String submittedAt, double worstCaseUsd,
      List<Request> requests) {}

  BatchBook(String ledgerDir, Configuration hadoop) {
    this.dir = ledgerDir + "/batches";
    this.hadoop = hadoop;
  }

  String dir() {
    return dir;
  }

  void recordSubmitted(Batch b) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", b.id());
    json.put("role", b.role());
    json.put("api", b.api());
    json.put("base_url", b.baseUrl());
    json.put("run_id", b.runId());
    json.put("submitted_at", b.submittedAt());
    json.put("worst_case_usd", b.worstCaseUsd());
    List<List<Object>> requests = new ArrayList<>();
    for (Request r : b.requests()) {
      requests.add(List.of(r.callKey(), r.choices(), r.maxTokens(), r.promptChars()));
    }
    json.put("requests", requests);
    write(fileName(b.id()) + ".json", Json.compact(json));
  }

  /** Closes a batch: its results are in the ledger. */
  void recordCollected(String batchId, String status, long results) {
    write(fileName(batchId) + ".collected", Json.compact(Map.of("status", status, "results", results, "collected_at", Instant.now().toString())));
  }

  /** The batches submitted and not yet collected, oldest name first. */
  List<Batch> open() {
    List<Batch> out = new ArrayList<>();
    for (String file : Ledger.files(dir, ".json", "", hadoop)) {
      String base = file.substring(0, file.length() - ".json".length());
      if (!exists(base + ".collected")) {
        out.add(read(file));
      }
    }
    return out;
  }

  /** How many batches the ledger has ever recorded. */
  int recorded() {
    return Ledger.files(dir, ".json", "", hadoop).size();
  }

  private Batch read(String file) {
    try {
      Path p = new Path(file);
      JsonNode n;
      try (var in = p.getFileSystem(hadoop).open(p)) {
        n = Json.MAPPER.readTree(in);
      }
      List<Request> requests = new ArrayList<>();
      for (JsonNode r : n.path("requests")) {
        requests.add(new Request(r.get(0).asText(), r.get(1).asInt(), r.get(2).asInt(), r.get(3).asInt()));
      }
      return new Batch(n.path("id").asText(), n.path("role").asText(), n.path("api").asText(), n.path("base_url").asText(),
          n.path("run_id").asText(), n.path("submitted_at").asText(), n.path("worst_case_usd").asDouble(), requests);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the batch record " + file + ": " + e.getMessage()
          + "; it names a batch in flight at the provider: restore it or remove it (its requests are then submitted again)", e);
    }
  }

  /** Batch ids as file names: anything but letters, digits, '-' and '_' becomes '_'. */
  private static String fileName(String batchId) {
    return batchId.replaceAll("[^A-Za-z0-9_-]", "_");
  }

  private boolean exists(String file) {
    try {
      Path p = new Path(file);
      return p.getFileSystem(hadoop).exists(p);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private void write(String name, String content) {
    Path target = new Path(dir, name);
    Path tmp = new Path(dir, "." + name + ".tmp");
    try {
      FileSystem fs = target.getFileSystem(hadoop);
      try (FSDataOutputStream out = fs.create(tmp, true)) {
        out.write(content.getBytes(StandardCharsets.UTF_8));
      }
      if (!fs.rename(tmp, target)) {
        throw new IOException("rename of " + tmp + " to " + target + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot record batch " + name + " under " + dir + ": " + e.getMessage(), e);
    }
  }
}
