package dev.distill.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The markdown section a bench run appends to its results file: machine, per-stage table, peers, summary. */
final class BenchMarkdown {
  private BenchMarkdown() {}

  @SuppressWarnings("unchecked")
  static String section(Map<String, Object> f, String summary) {
    StringBuilder md = new StringBuilder();
    Map<String, Object> machine = (Map<String, Object>) f.get("machine");
    md.append(String.format(Locale.ROOT, "%n## %,d candidates, seed %s (%s)%n%n", ((Number) f.get("size")).longValue(), f.get("seed"),
        f.get("date_utc")));
    md.append("Machine: ").append(machine.get("cores")).append(" cores, ").append(machine.get("memory_gib")).append(" GiB, ")
        .append(machine.get("java")).append(", Spark ").append(machine.get("spark")).append(", max heap ")
        .append(machine.get("max_heap_gib")).append(" GiB, load average at the end ").append(machine.get("load_average_at_end"))
        .append(". Tokenizer: ").append(f.get("tokenizer")).append(".\n\n");
    appendStages(md, f);
    appendNearDuplicates(md, (Map<String, Object>) f.get("near_duplicates"));
    appendTokens(md, (Map<String, Object>) f.get("tokens"));
    appendReference(md, f);
    md.append("Summary: ").append(summary).append("\n");
    return md.toString();
  }

  /** The section of {@code bin/distill bench --pool public}: the commands, run.json's stages, the reference beside them, the target. */
  @SuppressWarnings("unchecked")
  static String publicSection(Map<String, Object> f, String summary) {
    StringBuilder md = new StringBuilder();
    Map<String, Object> machine = (Map<String, Object>) f.get("machine");
    Map<String, Object> d = (Map<String, Object>) f.get("distill_commands");
    md.append(String.format(Locale.ROOT, "%n## Public pool (%s sources, %s eval sets), s1-style Python reference (%s)%n%n", f.get("sources"),
        f.get("eval_sets"), f.get("date_utc")));
    md.append("Machine: ").append(machine.get("cores")).append(" cores, ").append(machine.get("memory_gib")).append(" GiB, ")
        .append(machine.get("java")).append(", load average ").append(machine.get("load_average_at_start")).append(" at the start, ")
        .append(machine.get("load_average_at_end")).append(" at the end. Config: ").append(f.get("config")).append(".\n\n");
    md.append(String.format(Locale.ROOT, "`bin/distill run` %.2f s and `bin/distill report` %.2f s, each a whole command (JVM and Spark "
        + "start included): %.2f s.%n%n", dbl(d.get("run_seconds")), dbl(d.get("report_seconds")), dbl(d.get("run_plus_report_seconds"))));
    if (d.get("run_cpu_seconds") != null) {
      md.append(String.format(Locale.ROOT, "CPU seconds (user + system): run %.1f, report %.1f.%n%n", dbl(d.get("run_cpu_seconds")),
          dbl(d.get("report_cpu_seconds"))));
    }
    md.append("| stage (run.json) | rows in | rows out | seconds |\n|---|---:|---:|---:|\n");
    for (Map<String, Object> s : (List<Map<String, Object>>) d.get("stages")) {
      md.append(String.format(Locale.ROOT, "| %s | %,d | %,d | %.2f |%n", s.get("stage"), num(s.get("rows_in")), num(s.get("rows_out")),
          dbl(s.get("seconds"))));
    }
    md.append('\n');
    appendReference(md, f);
    Map<String, Object> target = (Map<String, Object>) f.get("target");
    md.append(String.format(Locale.ROOT, "Target (issue 16): run + report at most %.0fx the reference: **%s**", dbl(target.get("max_ratio")),
        target.get("result")));
    md.append(target.get("ratio") == null ? ".\n\n" : String.format(Locale.ROOT, " (%.1fx).%n%n", dbl(target.get("ratio"))));
    md.append("Summary: ").append(summary).append("\n");
    return md.toString();
  }

  /** distill beside the s1-style Python reference, or the line saying why the reference did not run. */
  @SuppressWarnings("unchecked")
  private static void appendReference(StringBuilder md, Map<String, Object> f) {
    Map<String, Object> ref = (Map<String, Object>) f.get("python_reference");
    if (ref == null) {
      return;
    }
    if (!Boolean.TRUE.equals(ref.get("ran"))) {
      md.append("s1-style Python reference: ").append(ref.get("why")).append("\n\n");
      return;
    }
    md.append(String.format(Locale.ROOT, "s1-style Python reference (`bench/python/s1_reference.py`, Python %s, one thread; %,d rows read, "
        + "%,d out):%n%n", ref.get("python"), num(ref.get("rows_read")), num(ref.get("rows_out"))));
    md.append("| distill | seconds | rows removed | reference | seconds | rows removed | ratio |\n|---|---:|---:|---|---:|---:|---:|\n");
    for (Map<String, Object> r : (List<Map<String, Object>>) f.get("reference_comparison")) {
      md.append(String.format(Locale.ROOT, "| %s | %.2f | %s | %s | %.2f | %s | %.1fx |%n", r.get("distill"), dbl(r.get("distill_seconds")),
          removed(r.get("distill_removed")), r.get("reference"), dbl(r.get("reference_seconds")), removed(r.get("reference_removed")),
          dbl(r.get("ratio"))));
    }
    md.append('\n');
  }

  private static String removed(Object n) {
    return n == null ? "" : String.format(Locale.ROOT, "%,d", num(n));
  }

  /** The per-stage table and the pipeline's line. */
  @SuppressWarnings("unchecked")
  private static void appendStages(StringBuilder md, Map<String, Object> f) {
    md.append("| stage | rows in | rows out | seconds | rows/s | text MB in | MB/s | CPU s | peak heap used | peak heap after GC | peak RSS |\n");
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Map<String, Object> s : (List<Map<String, Object>>) f.get("stages")) {
      md.append(String.format(Locale.ROOT, "| %s | %,d | %,d | %.2f | %,d | %,.1f | %,.1f | %.1f | %s | %s | %s |%n", s.get("stage"),
          num(s.get("rows_in")), num(s.get("rows_out")), dbl(s.get("seconds")), num(s.get("rows_per_s")), dbl(s.get("text_mb_in")),
          dbl(s.get("mb_per_s")), dbl(s.get("cpu_seconds")), size(s.get("peak_heap_used_bytes")), size(s.get("peak_heap_after_gc_bytes")),
          size(s.get("peak_rss_bytes"))));
    }
    md.append(String.format(Locale.ROOT, "| **pipeline** | | | **%.2f** | | | | %.1f | %s | %s | %s |%n%n", dbl(f.get("pipeline_seconds")),
        dbl(f.get("cpu_seconds")), size(f.get("peak_heap_used_bytes")), size(f.get("peak_heap_after_gc_bytes")), size(f.get("peak_rss_bytes"))));
  }

  /** The near-duplicate table: distill's search and MLlib's, where the peers ran. */
  @SuppressWarnings("unchecked")
  private static void appendNearDuplicates(StringBuilder md, Map<String, Object> near) {
    if (near == null) {
      return;
    }
    md.append(String.format(Locale.ROOT, "Near-duplicates on dedup's input (%,d questions, Jaccard >= %s):%n%n", num(near.get("rows")),
        near.get("threshold")));
    md.append("| method | seconds | pairs | planted pairs found | recall |\n|---|---:|---:|---:|---:|\n");
    Map<String, Object> ours = (Map<String, Object>) near.get("distill");
    md.append(String.format(Locale.ROOT, "| distill MinHash LSH (%s) | %.2f | %s | %s of %s | %.4f |%n", ours.get("lsh"), dbl(ours.get("seconds")),
        ours.get("pairs"), ours.get("found"), ours.get("planted_pairs"), dbl(ours.get("recall"))));
    Map<String, Object> mllib = (Map<String, Object>) near.get("mllib");
    if (mllib != null) {
      md.append(String.format(Locale.ROOT, "| MLlib MinHashLSH, %s hash tables, approxSimilarityJoin | %.2f | %s | %s of %s | %.4f |%n",
          mllib.get("hash_tables"), dbl(mllib.get("seconds")), mllib.get("pairs"), mllib.get("found"), mllib.get("planted_pairs"),
          dbl(mllib.get("recall"))));
      md.append(String.format(Locale.ROOT, "%ndistill is %.1fx faster.%n", dbl(near.get("speedup"))));
    }
    md.append('\n');
  }

  /** The token-counting table, where the token peer ran with a tokenizer. */
  private static void appendTokens(StringBuilder md, Map<String, Object> tokens) {
    if (tokens == null || tokens.get("sample_tokens") == null) {
      return;
    }
    md.append(String.format(Locale.ROOT, "Token counting (sample of %,d traces, %,d tokens):%n%n", num(tokens.get("sample_traces")),
        num(tokens.get("sample_tokens"))));
    md.append("| counter | tokens/s | per core (wall) | per CPU second |\n|---|---:|---:|---:|\n");
    md.append(String.format(Locale.ROOT, "| tokenizers via DJL `encode`, 1 thread, no Spark | %,d | %,d | %,d |%n",
        num(tokens.get("native_djl_encode_1_thread_tokens_per_s")), num(tokens.get("native_djl_encode_1_thread_tokens_per_s")),
        num(tokens.get("native_djl_encode_tokens_per_cpu_s"))));
    md.append(String.format(Locale.ROOT, "| tokenizers via DJL's JNI ids call, 1 thread, no Spark | %,d | %,d | %,d |%n",
        num(tokens.get("native_ids_1_thread_tokens_per_s")), num(tokens.get("native_ids_1_thread_tokens_per_s")),
        num(tokens.get("native_ids_tokens_per_cpu_s"))));
    md.append(String.format(Locale.ROOT, "| distill's counter (%s), 1 thread, no Spark | %,d | %,d | %,d (%.2f of JNI ids) |%n",
        tokens.get("distill_counter"), num(tokens.get("distill_counter_1_thread_tokens_per_s")),
        num(tokens.get("distill_counter_1_thread_tokens_per_s")), num(tokens.get("distill_counter_tokens_per_cpu_s")),
        dbl(tokens.get("distill_counter_per_cpu_vs_native_ids"))));
    md.append(String.format(Locale.ROOT, "| distill counter in a Spark job, %s cores | %,d | %,d (%.2f of DJL encode, %.2f of JNI ids) | %,d (%.2f of JNI ids) |%n",
        tokens.get("spark_cores"), num(tokens.get("distill_in_spark_tokens_per_s")), num(tokens.get("distill_in_spark_tokens_per_s_per_core")),
        dbl(tokens.get("spark_per_core_vs_native")), dbl(tokens.get("spark_per_core_vs_native_ids")),
        num(tokens.get("distill_in_spark_tokens_per_cpu_s")), dbl(tokens.get("spark_per_cpu_vs_native_ids"))));
    if (tokens.get("difficulty_stage_trace_tokens_per_s") != null) {
      md.append(String.format(Locale.ROOT, "| difficulty stage (whole stage: read, count, grade, write) | %,d | %,d (%.2f of DJL encode, %.2f of JNI ids) | %,d (%.2f of JNI ids) |%n",
          num(tokens.get("difficulty_stage_trace_tokens_per_s")), num(tokens.get("difficulty_stage_tokens_per_s_per_core")),
          dbl(tokens.get("difficulty_stage_per_core_vs_native")), dbl(tokens.get("difficulty_stage_per_core_vs_native_ids")),
          num(tokens.get("difficulty_stage_tokens_per_cpu_s")), dbl(tokens.get("difficulty_stage_per_cpu_vs_native_ids"))));
    }
    md.append('\n');
  }

  private static long num(Object o) {
    return o == null ? 0 : ((Number) o).longValue();
  }

  private static double dbl(Object o) {
    return o == null ? Double.NaN : ((Number) o).doubleValue();
  }

  static String size(Object bytes) {
    long b = num(bytes);
    if (b >= 1L << 30) {
      return String.format(Locale.ROOT, "%.2f GiB", b / 1073741824.0);
    }
    return String.format(Locale.ROOT, "%.0f MiB", b / 1048576.0);
  }
}
