package dev.distill.job.run;

import dev.distill.job.io.RunDirectory;
import dev.distill.job.io.RunJson;
import dev.distill.job.io.StageResult;
import java.util.Map;

/** run.json as the run goes: written again after every change, so a crashed run still says where it got to. */
public final class RunManifest {
  private final RunDirectory run;
  private final RunJson doc;

  public RunManifest(RunDirectory run, String runId, Map<String, Object> config, String configSha256) {
    this.run = run;
    this.doc = RunJson.start(runId, config, configSha256);
  }

  public String configSha256() {
    return doc.configSha256();
  }

  public void put(String key, Object value) {
    doc.put(key, value);
    save();
  }

  public void addStage(StageResult r) {
    doc.addStage(r);
    save();
  }

  public void finish(String status, String error) {
    doc.finish(status, error);
    save();
  }

  public void save() {
    doc.write(run);
  }
}
