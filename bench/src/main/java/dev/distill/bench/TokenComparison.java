package dev.distill.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.job.error.ConfigException;
import dev.distill.job.io.Console;
import dev.distill.job.io.Json;
import dev.distill.udf.tokens.BpeTokenCounter;
import dev.distill.udf.tokens.HfTokenCounter;
import dev.distill.udf.tokens.TokenCounter;
import dev.distill.udf.tokens.TokenCounters;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code bin/distill bench --tokens-only true}: every question, solution and trace of the bench
 * pool (rows 0 to size - 1 of the seed, generated in memory as the pool files hold them) counted
 * by distill's counter and by the tokenizers library through DJL's JNI ids call (the faster of
 * DJL's two ways in), on the same texts in the same run: whether every count agrees, and each
 * side's tokens and MB (UTF-8) per CPU second of the counting thread, i.e. per core.
 */
final class TokenComparison {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** One thread's tallies. */
  private static final class Tally {
    long texts;
    long bytes;
    long tokens;
    long oursTokens;
    long oursCpuNanos;
    long libraryCpuNanos;
    long mismatches;
    final List<String> examples = new ArrayList<>();
  }

  /** What {@code --tokens-only} prints its figures after. */
  static final String SUMMARY = "DISTILL_BENCH_TOKENS";

  private TokenComparison() {}

  /**
   * Compares the counters on the pool of {@code opt}'s size and seed over every core, prints the
   * figures and a summary line, writes them under {@code <output>/results/} and appends a line to
   * the results file.
   *
   * @throws IllegalStateException when any text counts differently (after the figures are written)
   */
  static Map<String, Object> report(BenchCommand.Options opt, Console console) {
    if (opt.tokenizer().isBlank()) {
      throw new ConfigException("Cannot compare token counters without a tokenizer: pass --tokenizer PATH to a tokenizer.json");
    }
    int threads = Runtime.getRuntime().availableProcessors();
    console.info(String.format(Locale.ROOT, "tokens: every question, solution and trace of the %,d-row pool (seed %d), distill's counter "
        + "vs the tokenizers library (DJL JNI ids), %d threads", opt.size(), opt.seed(), threads));
    Map<String, Object> f = run(opt.size(), opt.seed(), opt.tokenizer(), threads);
    String summary = String.format(Locale.ROOT, "tokens on %,d texts (%,d tokens, %,.1f MB): %,d counted differently; per core distill "
        + "%,d tokens/s (%.1f MB/s), native %,d tokens/s (%.1f MB/s): %.2fx", ((Number) f.get("texts")).longValue(),
        ((Number) f.get("tokens")).longValue(), ((Number) f.get("utf8_mb")).doubleValue(), ((Number) f.get("texts_counted_differently")).longValue(),
        ((Number) f.get("distill_tokens_per_cpu_s")).longValue(), ((Number) f.get("distill_mb_per_cpu_s")).doubleValue(),
        ((Number) f.get("native_ids_tokens_per_cpu_s")).longValue(), ((Number) f.get("native_ids_mb_per_cpu_s")).doubleValue(),
        ((Number) f.get("distill_vs_native_per_core")).doubleValue());
    console.info(summary);
    System.out.println(SUMMARY + " " + Json.compact(f));
    String stamp = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    Path json = opt.output().resolve("results").resolve("tokens-" + opt.size() + "-seed" + opt.seed() + "-" + stamp + ".json");
    try {
      Files.createDirectories(json.getParent());
      Files.writeString(json, Json.pretty(f));
      if (opt.results().getParent() != null) {
        Files.createDirectories(opt.results().getParent());
      }
      Files.writeString(opt.results(), String.format(Locale.ROOT, "%n## Token counting, %,d-row pool, seed %d (%s)%n%n%s%n", opt.size(),
          opt.seed(), stamp, summary), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the token figures to " + json + " and " + opt.results() + ": " + e.getMessage(), e);
    }
    if (((Number) f.get("texts_counted_differently")).longValue() > 0) {
      throw new IllegalStateException("Cannot confirm the token counter: " + f.get("texts_counted_differently") + " texts count differently "
          + "from the tokenizers library, e.g. " + f.get("first_differences") + "; figures in " + json);
    }
    return f;
  }

  /** The figures of comparing both counters on rows {@code [0, rows)} of pool {@code seed}, over {@code threads} threads. */
  static Map<String, Object> run(long rows, long seed, String tokenizer, int threads) {
    TokenCounter ours = TokenCounters.forPath(tokenizer);
    if (!(ours instanceof BpeTokenCounter)) {
      throw new IllegalStateException("Cannot compare token counters: " + tokenizer
          + " is not a byte-level BPE the Java counter supports (see the log line); pass --tokenizer a Qwen2/Llama 3/GPT-2 tokenizer.json");
    }
    long start = System.nanoTime();
    List<Tally> tallies = Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (HfTokenCounter library = new HfTokenCounter(tokenizer)) {
      List<Future<?>> parts = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int part = t;
        parts.add(pool.submit(() -> tallies.add(count(rows, seed, part, threads, ours, library))));
      }
      for (Future<?> f : parts) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while comparing token counts", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("Cannot compare token counts: " + e.getCause().getMessage(), e.getCause());
    } finally {
      pool.shutdownNow();
    }
    return figures(rows, seed, tokenizer, threads, tallies, (System.nanoTime() - start) / 1e9);
  }

  /** Rows {@code part, part + threads, ...}: each row's texts counted by ours, then by the library, each timed on this thread's CPU clock. */
  private static Tally count(long rows, long seed, int part, int threads, TokenCounter ours, HfTokenCounter library) {
    Tally t = new Tally();
    String[] texts = new String[3];
    int[] oursCounts = new int[3];
    for (long i = part; i < rows; i += threads) {
      ObjectNode row = BenchPool.row(i, seed, new ArrayList<>());
      texts[0] = row.path("problem").asText();
      texts[1] = row.path("solution").asText();
      texts[2] = row.path("thinking").asText();
      long c0 = THREADS.getCurrentThreadCpuTime();
      for (int k = 0; k < 3; k++) {
        oursCounts[k] = ours.count(texts[k]);
      }
      long c1 = THREADS.getCurrentThreadCpuTime();
      for (int k = 0; k < 3; k++) {
        int expected = library.count(texts[k]);
        t.tokens += expected;
        t.oursTokens += oursCounts[k];
        if (expected != oursCounts[k]) {
          t.mismatches++;
          if (t.examples.size() < 5) {
            t.examples.add("row " + i + " " + (k == 0 ? "question" : k == 1 ? "solution" : "trace") + ": distill " + oursCounts[k]
                + ", library " + expected);
          }
        }
      }
      long c2 = THREADS.getCurrentThreadCpuTime();
      t.oursCpuNanos += c1 - c0;
      t.libraryCpuNanos += c2 - c1;
      for (String s : texts) {
        t.texts++;
        t.bytes += s.getBytes(StandardCharsets.UTF_8).length;
      }
    }
    return t;
  }

  private static Map<String, Object> figures(long rows, long seed, String tokenizer, int threads, List<Tally> tallies, double wall) {
    Tally sum = new Tally();
    for (Tally t : tallies) {
      sum.texts += t.texts;
      sum.bytes += t.bytes;
      sum.tokens += t.tokens;
      sum.oursTokens += t.oursTokens;
      sum.oursCpuNanos += t.oursCpuNanos;
      sum.libraryCpuNanos += t.libraryCpuNanos;
      sum.mismatches += t.mismatches;
      sum.examples.addAll(t.examples);
    }
    double oursCpu = sum.oursCpuNanos / 1e9;
    double libraryCpu = sum.libraryCpuNanos / 1e9;
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("rows", rows);
    f.put("seed", seed);
    f.put("tokenizer", tokenizer);
    f.put("texts", sum.texts);
    f.put("utf8_mb", Peers.round(sum.bytes / 1e6, 1));
    f.put("tokens", sum.tokens);
    f.put("distill_tokens", sum.oursTokens);
    f.put("texts_counted_differently", sum.mismatches);
    f.put("first_differences", sum.examples.stream().limit(5).toList());
    f.put("threads", threads);
    f.put("wall_seconds", Peers.round(wall, 1));
    f.put("distill_cpu_seconds", Peers.round(oursCpu, 2));
    f.put("native_ids_cpu_seconds", Peers.round(libraryCpu, 2));
    f.put("distill_tokens_per_cpu_s", Math.round(sum.oursTokens / oursCpu));
    f.put("native_ids_tokens_per_cpu_s", Math.round(sum.tokens / libraryCpu));
    f.put("distill_mb_per_cpu_s", Peers.round(sum.bytes / 1e6 / oursCpu, 2));
    f.put("native_ids_mb_per_cpu_s", Peers.round(sum.bytes / 1e6 / libraryCpu, 2));
    f.put("distill_vs_native_per_core", Peers.round(libraryCpu / oursCpu, 2));
    return f;
  }
}
