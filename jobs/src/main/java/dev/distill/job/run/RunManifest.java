package dev.distill.job.run;

import dev.distill.job.io.StageResult;
import dev.distill.job.io.Json;
import dev.distill.job.io.RunDirectory;
import dev.distill.job.io.Version;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** run.json: resolved config and its sha256, inputs, status and per-stage figures; rewritten after every stage. */
public final class RunManifest {
  private final RunDirectory run;
  private final Map<String, Object> doc = new LinkedHashMap<>();
  private final List<Map<String, Object>> stages = new ArrayList<>();

  public RunManifest(RunDirectory run, String runId, Map<String, Object> config, String configSha256) {
    this.run = run;
    doc.put("run_id", runId);
    doc.put("status", "running");
    doc.put("started_at", Instant.now().toString());
    doc.put("distill_version", Version.VERSION);
    doc.put("config_sha256", configSha256);
    doc.put("config", config);
    doc.put("stages", stages);
  }

  public void put(String key, Object value) {
    doc.put(key, value);
    save();
  }

  public void addStage(StageResult r) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("name", r.name());
    s.put("rows_in", r.rowsIn());
    s.put("rows_out", r.rowsOut());
    s.put("removed", r.removed());
    s.put("seconds", Math.round(r.seconds() * 100) / 100.0);
    s.putAll(r.extra());
    stages.add(s);
    save();
  }

  public void finish(String status, String error) {
    doc.put("status", status);
    doc.put("finished_at", Instant.now().toString());
    if (error != null) {
      doc.put("error", error);
    }
    save();
  }

  public void save() {
    run.writeString(run.runJson(), Json.pretty(doc));
  }
}
