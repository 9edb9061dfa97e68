package dev.distill.job.run;

import dev.distill.job.api.Step;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.dedup.DedupStage;
import dev.distill.job.error.ConfigException;
import dev.distill.job.embed.EmbedStage;
import dev.distill.job.export.ExportStage;
import dev.distill.job.filter.DecontamStage;
import dev.distill.job.filter.QualityStage;
import dev.distill.job.generate.GenerateStage;
import dev.distill.job.io.Console;
import dev.distill.job.ingest.IngestStage;
import dev.distill.job.io.RunDirectory;
import dev.distill.job.score.DifficultyStage;
import dev.distill.job.score.DomainStage;
import dev.distill.job.select.SelectStage;
import java.util.ArrayList;
import java.util.List;

/**
 * The ordered steps of a run, built from the config: the one list the runner, the fingerprints,
 * incremental runs, the CLI's usage, the report and the tests read. A new step is one class
 * implementing {@link Step} (or {@link dev.distill.job.api.Stage} for a filter) and one line in
 * {@link #standard}; {@link #with} inserts one without touching this file (an extension, a test).
 */
public final class Plan {
  private final List<Step> steps;
  private final String stoppedAfter;

  private Plan(List<Step> steps, String stoppedAfter) {
    this.steps = List.copyOf(steps);
    this.stoppedAfter = stoppedAfter;
  }

  /** Every step distill knows, in order, whether or not a config enables it. */
  public static List<Step> standard(Console console) {
    return List.of(
        new IngestStage(),
        new GenerateStage(console),
        new QualityStage(),
        new EmbedStage(),
        new DecontamStage(),
        new DedupStage(),
        new DifficultyStage(),
        new DomainStage(),
        new SelectStage(),
        new ExportStage());
  }

  /** The steps a run with {@code config} goes through. */
  public static Plan of(PipelineConfig config, Console console) {
    return new Plan(standard(console), null).enabledFor(config);
  }

  /** Every known step, enabled or not: what the CLI's usage lists. */
  public static Plan all(Console console) {
    return new Plan(standard(console), null);
  }

  private Plan enabledFor(PipelineConfig config) {
    return new Plan(steps.stream().filter(s -> s.enabled(config)).toList(), stoppedAfter);
  }

  /** This plan with {@code step} inserted after the step named {@code after}. */
  public Plan with(Step step, String after) {
    List<Step> more = new ArrayList<>(steps);
    more.add(indexOf(after) + 1, step);
    return new Plan(more, stoppedAfter);
  }

  /** The steps up to and including {@code name}: a partial run ({@code bin/distill generate}). */
  public Plan through(String name) {
    return new Plan(steps.subList(0, indexOf(name) + 1), name);
  }

  /** The step a partial run stops after; null for a whole run. */
  public String stoppedAfter() {
    return stoppedAfter;
  }

  public List<Step> steps() {
    return steps;
  }

  public List<String> names() {
    return steps.stream().map(Step::name).toList();
  }

  public int size() {
    return steps.size();
  }

  public boolean contains(String name) {
    return names().contains(name);
  }

  public Step step(String name) {
    return steps.get(indexOf(name));
  }

  public Step first() {
    return steps.get(0);
  }

  /** What {@code name} reads: the output of the step before it (null for the first). */
  public String inputOf(String name, RunDirectory run) {
    int i = indexOf(name);
    return i == 0 ? null : steps.get(i - 1).output(run);
  }

  /** The step before {@code name}. */
  public Step before(String name) {
    int i = indexOf(name);
    if (i == 0) {
      throw new IllegalArgumentException(name + " is the first step");
    }
    return steps.get(i - 1);
  }

  /** "ingest -> quality -> ... -> export", for the usage and the docs. */
  public String arrows() {
    return String.join(" -> ", names());
  }

  private int indexOf(String name) {
    int i = names().indexOf(name);
    if (i < 0) {
      throw new ConfigException("Cannot find the step " + name + " in this run's plan " + names());
    }
    return i;
  }
}
