package dev.distill.bench;

import dev.distill.job.conf.ConfigLoader;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.io.Console;
import dev.distill.job.io.Json;
import dev.distill.job.io.RunDirectory;
import dev.distill.job.io.RunJson;
import dev.distill.job.io.Version;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/**
 * {@code bin/distill bench --pool public}: times {@code bin/distill run --config conf/public-pool.yaml}
 * and then {@code bin/distill report} on that run, each as a whole child command (JVM and Spark
 * start included), takes the per-stage seconds from the run's run.json, and runs the s1-style
 * Python reference on the same sources in the same bench run: per-stage ratios, the end-to-end
 * ratio (run + report) / reference, and issue 16's target ({@value ReferenceComparison#TARGET_RATIO}x)
 * as PASS or MISS. No Spark session in this JVM: the machine is the children's.
 */
final class PublicPoolBench {
  /** What {@code --pool public} is asked to do (parsed by {@link BenchMain}). */
  record Options(Path config, Path output, Path results, String python, boolean keep, List<String> sets) {}

  private PublicPoolBench() {}

  static BenchCommand.Report run(Options opt, Console console) {
    String stamp = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    String runId = "public-" + stamp;
    Path config = opt.config().toAbsolutePath();
    PipelineConfig pipeline = PipelineConfig.from(ConfigLoader.fromSystemEnv().load(config, opt.sets()));
    Path runs = opt.output().resolve("runs").toAbsolutePath();
    Path runDir = runs.resolve(runId);

    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("date_utc", ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
    figures.put("distill", Version.VERSION);
    figures.put("pool", "public");
    figures.put("config", config.toString());
    Map<String, Object> machine = BenchCommand.machine();
    machine.put("load_average_at_start", BenchCommand.loadAverage());
    figures.put("machine", machine);
    figures.put("sources", pipeline.sources().size());
    figures.put("eval_sets", pipeline.decontam().evalSets().size());

    Map<String, Object> distill = timeCommands(opt, config, runs, runId, console);
    figures.put("distill_commands", distill);
    Configuration hadoop = new Configuration();
    RunDirectory run = new RunDirectory(runDir.toString(), hadoop);
    List<Map<String, Object>> stages = stages(RunJson.read(run, "Cannot benchmark the run of"));
    distill.put("stages", stages);

    Map<String, Object> reference = PythonReference.onConfig(opt.python(), pipeline, hadoop,
        opt.output().resolve("configs").resolve(runId + "-reference.json").toAbsolutePath(), console);
    figures.put("python_reference", reference);
    List<Map<String, Object>> comparison = ReferenceComparison.of(stages, "bin/distill run + bin/distill report",
        ((Number) distill.get("run_plus_report_seconds")).doubleValue(), reference, "wall_seconds");
    figures.put("reference_comparison", comparison);
    figures.put("target", target(comparison, reference));
    machine.put("load_average_at_end", BenchCommand.loadAverage());
    if (!opt.keep()) {
      run.delete(runDir.toString());
      distill.put("run_dir", runDir + " (deleted; --keep true keeps it)");
    } else {
      distill.put("run_dir", runDir.toString());
    }

    String summary = summary(figures);
    console.info(summary);
    System.out.println(BenchCommand.SUMMARY + " " + Json.compact(figures));
    Path json = opt.output().resolve("results").resolve("bench-public-" + stamp + ".json");
    BenchCommand.writeResults(figures, BenchMarkdown.publicSection(figures, summary), json, opt.results());
    console.info("figures -> " + json + "; markdown appended to " + opt.results());
    return new BenchCommand.Report(figures, json, opt.results());
  }

  /** {@code bin/distill run} on the config, then {@code bin/distill report} on its run, each timed as a whole child command. */
  private static Map<String, Object> timeCommands(Options opt, Path config, Path runs, String runId, Console console) {
    String launcher = BenchHome.launcher().toString();
    Path logs = opt.output().resolve("logs").toAbsolutePath();
    List<String> runCommand = new ArrayList<>(List.of(launcher, "run", "--config", config.toString(), "--output", runs.toString(),
        "--run-id", runId));
    for (String set : opt.sets()) {
      runCommand.add("--set");
      runCommand.add(set);
    }
    ChildCommand.Timed run = ChildCommand.time(runCommand, logs.resolve(runId + "-run.log"), console);
    ChildCommand.Timed report = ChildCommand.time(List.of(launcher, "report", "--run", runs.resolve(runId).toString()),
        logs.resolve(runId + "-report.log"), console);
    Map<String, Object> distill = new LinkedHashMap<>();
    distill.put("run_id", runId);
    distill.put("run_seconds", Peers.round(run.seconds(), 2));
    distill.put("report_seconds", Peers.round(report.seconds(), 2));
    distill.put("run_plus_report_seconds", Peers.round(run.seconds() + report.seconds(), 2));
    // On a shared machine the wall seconds move with the others' load; the CPU seconds much less.
    if (run.cpuSeconds() != null && report.cpuSeconds() != null) {
      distill.put("run_cpu_seconds", Peers.round(run.cpuSeconds(), 1));
      distill.put("report_cpu_seconds", Peers.round(report.cpuSeconds(), 1));
    }
    return distill;
  }

  /** Issue 16's target: the end-to-end ratio, at most {@link ReferenceComparison#TARGET_RATIO}, PASS or MISS. */
  private static Map<String, Object> target(List<Map<String, Object>> comparison, Map<String, Object> reference) {
    Map<String, Object> target = new LinkedHashMap<>();
    target.put("max_ratio", ReferenceComparison.TARGET_RATIO);
    Object ratio = comparison.isEmpty() ? null : comparison.get(comparison.size() - 1).get("ratio");
    target.put("ratio", ratio);
    target.put("result", ratio != null ? ReferenceComparison.verdict(((Number) ratio).doubleValue())
        : "no ratio: the reference " + reference.getOrDefault("why", "gave no seconds"));
    return target;
  }

  /** The run's stages from run.json: stage, rows in and out, seconds. */
  static List<Map<String, Object>> stages(RunJson doc) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (RunJson.StageEntry s : doc.stages()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("stage", s.name());
      m.put("rows_in", s.rowsIn());
      m.put("rows_out", s.rowsOut());
      m.put("seconds", s.seconds());
      out.add(m);
    }
    return out;
  }

  /** One line: the commands' seconds, the reference's, the ratio and the verdict. */
  @SuppressWarnings("unchecked")
  static String summary(Map<String, Object> f) {
    Map<String, Object> d = (Map<String, Object>) f.get("distill_commands");
    Map<String, Object> ref = (Map<String, Object>) f.get("python_reference");
    Map<String, Object> target = (Map<String, Object>) f.get("target");
    StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "bench public pool: bin/distill run %.1fs + report %.1fs = %.1fs",
        num(d.get("run_seconds")), num(d.get("report_seconds")), num(d.get("run_plus_report_seconds"))));
    if (Boolean.TRUE.equals(ref.get("ran"))) {
      s.append(String.format(Locale.ROOT, " vs the s1-style Python reference %.2fs (%,d rows read): %.1fx; target <= %.0fx: %s",
          num(ref.get("wall_seconds")), ((Number) ref.get("rows_read")).longValue(), num(target.get("ratio")),
          num(target.get("max_ratio")), target.get("result")));
      for (Map<String, Object> r : (List<Map<String, Object>>) f.get("reference_comparison")) {
        if (r.get("distill_removed") != null) {
          s.append(String.format(Locale.ROOT, "; %s %.2fs vs %s %.2fs (%.1fx)", r.get("distill"), num(r.get("distill_seconds")),
              r.get("reference"), num(r.get("reference_seconds")), num(r.get("ratio"))));
        }
      }
    } else {
      s.append("; Python reference ").append(ref.get("why")).append("; target: no ratio");
    }
    return s.toString();
  }

  private static double num(Object o) {
    return o == null ? Double.NaN : ((Number) o).doubleValue();
  }
}
