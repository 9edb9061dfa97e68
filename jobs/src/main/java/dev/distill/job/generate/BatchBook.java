package dev.distill.job.generate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.io.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The ledger's record of batches, under {@code <ledger>/batches/}, each file written atomically
 * and never rewritten: {@code <intent>.json}, written before the request that creates the batch,
 * holds its intent (a uuid the openai shape sends as metadata), role, endpoint, requests and
 * worst-case cost; {@code <intent>.id} the batch id, written the moment the provider returns it,
 * before any wait; {@code <intent>.collected}, written once its results are in the ledger's
 * segments, or {@code <intent>.abandoned} (never created, or the provider no longer knows it),
 * closes it. Records of earlier versions are {@code <batch id>.json} with the id inside. Any run on
 * the ledger attaches to the batches still open.
 */
final class BatchBook {
  private final String dir;
  private final Configuration hadoop;

  /** One request of a batch: what its ledger entries need. */
  record Request(String callKey, int choices, int maxTokens, int promptChars) {}

  /**
   * One batch, from the moment we intend to create it.
   *
   * @param id the provider's id; null while only the intent is recorded
   * @param intent the uuid of the record; null in records of earlier versions
   */
  record Batch(String id, String intent, String role, String api, String baseUrl, String runId, String submittedAt, double worstCaseUsd,
      List<Request> requests) {

    Batch withId(String batchId) {
      return new Batch(batchId, intent, role, api, baseUrl, runId, submittedAt, worstCaseUsd, requests);
    }

    /** How logs name it: its id, or its intent while it has none. */
    String name() {
      return id != null ? id : "intent " + intent;
    }

    /** The file name of its record, without extension. */
    String file() {
      return intent != null ? intent : id.replaceAll("[^A-Za-z0-9_-]", "_");
    }
  }

  BatchBook(String ledgerDir, Configuration hadoop) {
    this.dir = ledgerDir + "/batches";
    this.hadoop = hadoop;
  }

  String dir() {
    return dir;
  }

  /** Records the intent to create a batch, before the request that creates it. */
  void recordIntent(Batch b) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("intent", b.intent());
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
    write(b.file() + ".json", Json.compact(json));
  }

  /** Records the id the provider gave the batch of an intent. */
  void recordId(Batch b) {
    write(b.file() + ".id", Json.compact(Map.of("id", b.id(), "recorded_at", Instant.now().toString())));
  }

  /** Closes a batch: its results are in the ledger. */
  void recordCollected(Batch b, String status, long results) {
    write(b.file() + ".collected", Json.compact(Map.of("status", status, "results", results, "collected_at", Instant.now().toString())));
  }

  /** Closes a batch without results: {@code why} it has none (never created, unknown to the provider). */
  void recordAbandoned(Batch b, String why) {
    write(b.file() + ".abandoned", Json.compact(Map.of("why", why, "abandoned_at", Instant.now().toString())));
  }

  /** The batches recorded and not yet closed (with their ids where recorded), oldest name first. */
  List<Batch> open() {
    Set<String> files = new HashSet<>(Ledger.files(dir, "", "", hadoop));
    List<Batch> out = new ArrayList<>();
    for (String file : Ledger.files(dir, ".json", "", hadoop)) {
      String base = file.substring(0, file.length() - ".json".length());
      if (!files.contains(base + ".collected") && !files.contains(base + ".abandoned")) {
        Batch b = read(file);
        out.add(b.id() == null && files.contains(base + ".id") ? b.withId(readTree(base + ".id").path("id").asText()) : b);
      }
    }
    return out;
  }

  private Batch read(String file) {
    JsonNode n = readTree(file);
    List<Request> requests = new ArrayList<>();
    for (JsonNode r : n.path("requests")) {
      requests.add(new Request(r.get(0).asText(), r.get(1).asInt(), r.get(2).asInt(), r.get(3).asInt()));
    }
    return new Batch(n.path("id").asText(null), n.path("intent").asText(null), n.path("role").asText(), n.path("api").asText(),
        n.path("base_url").asText(), n.path("run_id").asText(), n.path("submitted_at").asText(), n.path("worst_case_usd").asDouble(), requests);
  }

  private JsonNode readTree(String file) {
    try {
      Path p = new Path(file);
      try (var in = p.getFileSystem(hadoop).open(p)) {
        return Json.MAPPER.readTree(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the batch record " + file + ": " + e.getMessage()
          + "; it names a batch in flight at the provider: restore it or remove it (its requests are then submitted again)", e);
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
