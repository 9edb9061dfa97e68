package dev.distill.bench;

import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.error.ConfigException;
import dev.distill.job.ingest.SourceFiles;
import dev.distill.job.io.Json;
import dev.distill.job.source.EvalSetSpec;
import dev.distill.job.source.FieldExpression;
import dev.distill.job.source.FieldPath;
import dev.distill.job.source.SourceFormat;
import dev.distill.job.source.SourceSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/**
 * The spec {@code bench/python/s1_reference.py} runs on, written from a pipeline config so that the
 * sources, their files (expanded as ingest expands them) and question fields are those the
 * pipeline reads: per source and eval set its name, local files, format, records path and the
 * question's field path. A question that is a template or a list of alternatives is approximated
 * by its first field ({@code approximated} says so), and the passage and options distill puts
 * around a question are left out ({@code distill_adds}): s1's scripts take the question field.
 */
final class ReferenceSpec {
  private ReferenceSpec() {}

  /** The spec as a JSON tree: {@code ngram}, {@code sources}, {@code eval_sets}. */
  static Map<String, Object> of(PipelineConfig config, Configuration hadoop) {
    List<Map<String, Object>> sources = new ArrayList<>();
    for (SourceSpec s : config.sources()) {
      Map<String, Object> entry = entry(s, s.fields().get(SourceSpec.QUESTION), hadoop);
      List<String> adds = new ArrayList<>();
      if (s.passage() != null) {
        adds.add("passage");
      }
      if (s.options() != null) {
        adds.add("options");
      }
      if (!adds.isEmpty()) {
        entry.put("distill_adds", adds);
      }
      sources.add(entry);
    }
    List<Map<String, Object>> evalSets = new ArrayList<>();
    for (EvalSetSpec e : config.decontam().evalSets()) {
      evalSets.add(entry(e.source(), e.source().fields().get(SourceSpec.QUESTION), hadoop));
    }
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("ngram", config.decontam().ngram());
    spec.put("sources", sources);
    spec.put("eval_sets", evalSets);
    return spec;
  }

  /** Writes {@code spec} to {@code file} (directories created) and returns it. */
  static Path write(Map<String, Object> spec, Path file) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, Json.pretty(spec));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the Python reference's spec " + file + ": " + e.getMessage(), e);
    }
  }

  private static Map<String, Object> entry(SourceSpec s, FieldExpression question, Configuration hadoop) {
    String format = s.format() == SourceFormat.AUTO ? "auto" : s.format().configName();
    List<String> files = new ArrayList<>();
    for (SourceFiles.InputFile f : SourceFiles.expand(s, hadoop)) {
      files.add(localFile(s, f.path(), format));
    }
    FieldPath first = question.paths().get(0);
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("name", s.name());
    entry.put("files", files);
    entry.put("format", format);
    entry.put("records", s.records());
    entry.put("question", first.text());
    if (question.paths().size() != 1 || !question.source().equals(first.text())) {
      entry.put("approximated", question.describe() + ": its first field '" + first.text() + "' only");
    }
    return entry;
  }

  /** The local path of {@code file}; the reference reads local JSON Lines, JSON and CSV files only. */
  private static String localFile(SourceSpec s, String file, String format) {
    String lower = file.toLowerCase(Locale.ROOT);
    if ("parquet".equals(format) || lower.endsWith(".parquet") || lower.endsWith(".zip")) {
      throw new ConfigException("Cannot run the Python reference on " + s.name() + " (" + s.keyPath() + "): " + file
          + " is " + (lower.endsWith(".zip") ? "a zip archive" : "Parquet") + ", and the reference reads JSON Lines, JSON and CSV only; "
          + "benchmark a config without it, or --python '' to skip the reference");
    }
    URI uri = new org.apache.hadoop.fs.Path(file).toUri();
    if (uri.getScheme() != null && !"file".equals(uri.getScheme())) {
      throw new ConfigException("Cannot run the Python reference on " + s.name() + " (" + s.keyPath() + "): " + file
          + " is not a local file; the reference reads local files only (--python '' skips it)");
    }
    return Path.of(uri.getPath()).toAbsolutePath().toString();
  }
}
