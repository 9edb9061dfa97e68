package dev.distill.job.io;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.distill.job.error.ConfigException;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A run's run.json, typed: what the runner writes while a run goes and what the CLI, the report,
 * the notebooks and incremental runs read back. Keys are snake_case; a stage's own figures sit
 * beside its row counts.
 */
public final class RunJson {
  public static final String RUNNING = "running";
  public static final String COMPLETED = "completed";
  public static final String FAILED = "failed";
  /** Stopped with batches in flight at a provider (generate --submit-only / --collect); the same command goes on. */
  public static final String PENDING = "batches_pending";

  /** One stage's entry: its row counts, seconds and figures (everything else in the entry). */
  public record StageEntry(String name, long rowsIn, long rowsOut, Map<String, Long> removed, double seconds, Map<String, Object> figures) {
    static final List<String> COUNTS = List.of("name", "rows_in", "rows_out", "removed", "seconds");

    public Object figure(String key) {
      return figures.get(key);
    }

    Map<String, Object> toMap() {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("name", name);
      s.put("rows_in", rowsIn);
      s.put("rows_out", rowsOut);
      s.put("removed", removed);
      s.put("seconds", Math.round(seconds * 100) / 100.0);
      s.putAll(figures);
      return s;
    }

    static StageEntry of(StageResult r) {
      return new StageEntry(r.name(), r.rowsIn(), r.rowsOut(), r.removed(), r.seconds(), r.extra());
    }

    @SuppressWarnings("unchecked")
    static StageEntry from(Map<String, Object> m) {
      Map<String, Long> removed = new LinkedHashMap<>();
      ((Map<String, Object>) m.getOrDefault("removed", Map.of())).forEach((k, v) -> removed.put(k, ((Number) v).longValue()));
      Map<String, Object> figures = new LinkedHashMap<>(m);
      COUNTS.forEach(figures::remove);
      return new StageEntry((String) m.get("name"), number(m, "rows_in"), number(m, "rows_out"), removed,
          ((Number) m.getOrDefault("seconds", 0)).doubleValue(), figures);
    }

    private static long number(Map<String, Object> m, String key) {
      return ((Number) m.getOrDefault(key, 0)).longValue();
    }
  }

  private final Map<String, Object> doc;

  private RunJson(Map<String, Object> doc) {
    this.doc = doc;
  }

  /** A new run's document, status running. */
  public static RunJson start(String runId, Map<String, Object> config, String configSha256) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("run_id", runId);
    doc.put("status", RUNNING);
    doc.put("started_at", Instant.now().toString());
    doc.put("distill_version", Version.VERSION);
    doc.put("config_sha256", configSha256);
    doc.put("config", config);
    doc.put("stages", new ArrayList<Map<String, Object>>());
    return new RunJson(doc);
  }

  /**
   * The run.json of {@code run}; {@code purpose} begins the error ("Cannot re-select in") that
   * names the directory when there is none or it is not JSON.
   */
  public static RunJson read(RunDirectory run, String purpose) {
    if (!run.exists(run.runJson())) {
      throw new ConfigException(purpose + " " + run.root() + ": no run.json there; pass the run directory <output>/<run-id>");
    }
    try {
      return new RunJson(Json.MAPPER.readValue(run.readString(run.runJson()), new TypeReference<LinkedHashMap<String, Object>>() {}));
    } catch (IOException e) {
      throw new ConfigException(purpose + " " + run.root() + ": " + run.runJson() + " is not valid JSON (" + e.getMessage()
          + "); rerun the pipeline into a new run id");
    }
  }

  public String runId() {
    return (String) doc.get("run_id");
  }

  public String status() {
    return (String) doc.get("status");
  }

  public String configSha256() {
    return (String) doc.get("config_sha256");
  }

  /** The resolved config the run used, secrets redacted. */
  @SuppressWarnings("unchecked")
  public Map<String, Object> config() {
    return (Map<String, Object>) doc.getOrDefault("config", Map.of());
  }

  @SuppressWarnings("unchecked")
  public List<StageEntry> stages() {
    List<StageEntry> out = new ArrayList<>();
    for (Map<String, Object> s : (List<Map<String, Object>>) doc.getOrDefault("stages", List.of())) {
      out.add(StageEntry.from(s));
    }
    return out;
  }

  public List<String> stageNames() {
    return stages().stream().map(StageEntry::name).toList();
  }

  /**
   * The stage whose output {@code stage} read in this run (the one before it), or, when the run
   * stopped before {@code stage}, its last stage; empty for a run without stages.
   */
  public Optional<String> inputOf(String stage) {
    List<String> names = stageNames();
    int i = names.indexOf(stage);
    if (i > 0) {
      return Optional.of(names.get(i - 1));
    }
    return i == 0 || names.isEmpty() ? Optional.empty() : Optional.of(names.get(names.size() - 1));
  }

  public Optional<StageEntry> stage(String name) {
    return stages().stream().filter(s -> s.name().equals(name)).findFirst();
  }

  /** The re-selections made after the run (bin/distill select), by name. */
  @SuppressWarnings("unchecked")
  public Map<String, Object> selections() {
    return (Map<String, Object>) doc.getOrDefault("selections", Map.of());
  }

  /** Any other top-level entry ("funnel", "inputs", "incremental", ...), or null. */
  public Object entry(String key) {
    return doc.get(key);
  }

  public void put(String key, Object value) {
    doc.put(key, value);
  }

  @SuppressWarnings("unchecked")
  public void addStage(StageResult r) {
    ((List<Map<String, Object>>) doc.get("stages")).add(StageEntry.of(r).toMap());
  }

  @SuppressWarnings("unchecked")
  public void addSelection(String name, Map<String, Object> entry) {
    Map<String, Object> selections = new LinkedHashMap<>((Map<String, Object>) doc.getOrDefault("selections", Map.of()));
    selections.put(name, entry);
    doc.put("selections", selections);
  }

  public void finish(String status, String error) {
    doc.put("status", status);
    doc.put("finished_at", Instant.now().toString());
    if (error != null) {
      doc.put("error", error);
    }
  }

  /** Writes the document to {@code run}'s run.json (replacing it whole). */
  public void write(RunDirectory run) {
    run.writeString(run.runJson(), Json.pretty(doc));
  }
}
