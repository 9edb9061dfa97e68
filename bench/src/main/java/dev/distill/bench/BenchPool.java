package dev.distill.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.job.io.Json;
import dev.distill.udf.text.ContentId;
import dev.distill.udf.text.Hash64;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The benchmark's candidate pool: a deterministic function of (rows, seed) with the shapes of s1's
 * 59K pool, written as JSON Lines shards under {@code <dir>/pool/} (streaming: one shard of {@value
 * #SHARD_ROWS} rows in memory per thread, never the pool; shard k belongs to source {@code k mod
 * }{@value #SOURCES}, in {@code pool/source-<k mod SOURCES>/}), an eval set ({@code eval.jsonl}) and
 * {@code planted.tsv}, the duplicates and contaminated items planted on purpose, with their content
 * ids, so recall can be measured.
 *
 * <ul>
 *   <li>questions of about 80 words; teacher traces log-normal in tokens, mean about 3,600,
 *       median about 2,600, capped at 30,000 (the long tail); teacher attempts, reference answers,
 *       two students' answers (about 40% of questions unsolved by both, as after s1's hard filter)
 *   <li>{@value #NEAR_PER_MILLE} per mille near-duplicates of earlier rows of the same shard (a phrase appended, the
 *       final number changed, or a clause inserted: 5-word-shingle Jaccard 0.85 to 0.97),
 *       {@value #EXACT_PER_MILLE} per mille exact copies (new trace), {@value #CONTAMINATED_PER_MILLE}
 *       per mille copies of eval items with formatting changes (case, spacing, {@code \dfrac})
 * </ul>
 *
 * <p>Every row is generated from its own random stream (seed, row), so shards are generated in
 * parallel and any row's question can be regenerated when a later row copies it.
 */
public final class BenchPool {
  static final int SHARD_ROWS = 2_500;
  /**
   * Sources the shards are spread over. One: the generated questions share too many word 8-grams
   * across shards (template words between random slots) for decontam's cross-source rule, which
   * removed 63% of a 4-source pool; a pool that exercises that rule needs more varied text.
   */
  static final int SOURCES = 1;
  static final int EVAL_ITEMS = 500;
  static final int NEAR_PER_MILLE = 30;
  static final int EXACT_PER_MILLE = 10;
  static final int CONTAMINATED_PER_MILLE = 5;
  static final String POOL = "pool";
  static final String EVAL = "eval.jsonl";
  static final String PLANTED = "planted.tsv";
  static final String DONE = "_SUCCESS";
  /** Bump when the generated text or layout (SOURCES) changes, so cached pools are regenerated. */
  static final int VERSION = 3;
  /**
   * Log-normal trace length target in estimated tokens, mean exp(mu + sigma^2/2) = 3,360: the text
   * written overshoots each target by a sentence and the estimate runs about 3% under the Qwen
   * tokenizer on it, so exact counts average about 3,600.
   */
  static final double TRACE_MU = Math.log(3360) - 0.32;
  static final double TRACE_SIGMA = 0.8;
  static final int TRACE_MIN = 300;
  static final int TRACE_MAX = 30_000;

  enum Kind { PLAIN, NEAR, EXACT, CONTAMINATED }

  /** One planted row: what it is, its id and row, and what it copies (a row's id or an eval item). */
  public record Planted(String kind, String id, long row, String ofId, long ofRow, String edit) {
    String tsv() {
      return kind + "\t" + id + "\t" + row + "\t" + ofId + "\t" + ofRow + "\t" + edit;
    }

    static Planted parse(String line) {
      String[] f = line.split("\t", -1);
      return new Planted(f[0], f[1], Long.parseLong(f[2]), f[3], Long.parseLong(f[4]), f[5]);
    }
  }

  /** A written pool: where its parts are and what was planted in it. */
  public record Written(Path dir, long rows, long seed, long bytes, boolean reused) {
    public Path poolDir() {
      return dir.resolve(POOL);
    }

    /** The source directories that hold shards, in source order. */
    public List<Path> sourceDirs() {
      List<Path> dirs = new ArrayList<>();
      for (int s = 0; s < SOURCES; s++) {
        if (Files.isDirectory(poolDir().resolve(sourceName(s)))) {
          dirs.add(poolDir().resolve(sourceName(s)));
        }
      }
      return dirs;
    }

    public Path evalFile() {
      return dir.resolve(EVAL);
    }

    public List<Planted> planted() {
      try {
        return Files.readAllLines(dir.resolve(PLANTED), StandardCharsets.UTF_8).stream().skip(1).filter(l -> !l.isBlank())
            .map(Planted::parse).toList();
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot read " + dir.resolve(PLANTED) + ": " + e.getMessage() + "; delete " + dir
            + " to generate the pool again", e);
      }
    }
  }

  private BenchPool() {}

  /** One generated row's texts (the JMH microbenchmarks run the hot UDFs on them). */
  public record Sample(String question, String trace, String attempt, String answer) {}

  public static Sample sample(long row, long seed) {
    ObjectNode o = row(row, seed, new ArrayList<>());
    return new Sample(o.path("problem").asText(), o.path("thinking").asText(), o.path("attempt").asText(), o.path("answer").asText());
  }

  /** Writes the pool into {@code dir} unless a complete one of the same rows, seed and version is there. */
  public static Written write(Path dir, long rows, long seed, int threads) {
    if (rows < 1) {
      throw new IllegalArgumentException("Cannot generate a bench pool of " + rows + " rows; give --size 1 or more");
    }
    String stamp = String.format(Locale.ROOT, "{\"rows\":%d,\"seed\":%d,\"version\":%d}", rows, seed, VERSION);
    Path done = dir.resolve(DONE);
    try {
      if (Files.isRegularFile(done) && Files.readString(done).equals(stamp)) {
        return new Written(dir, rows, seed, bytes(dir.resolve(POOL)), true);
      }
      deleteTree(dir);
      Files.createDirectories(dir.resolve(POOL));
      writeEval(dir.resolve(EVAL), seed);
      writePlanted(dir.resolve(PLANTED), writeShards(dir, rows, seed, threads));
      Files.writeString(done, stamp);
      return new Written(dir, rows, seed, bytes(dir.resolve(POOL)), false);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the bench pool in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Writes the shards of {@code rows} rows on {@code threads} threads; what they planted, in row order. */
  private static List<Planted> writeShards(Path dir, long rows, long seed, int threads) throws IOException {
    int shards = (int) ((rows + SHARD_ROWS - 1) / SHARD_ROWS);
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads));
    List<Future<List<Planted>>> futures = new ArrayList<>();
    try {
      for (int s = 0; s < shards; s++) {
        long from = (long) s * SHARD_ROWS;
        long to = Math.min(rows, from + SHARD_ROWS);
        Path sourceDir = dir.resolve(POOL).resolve(sourceName(s % SOURCES));
        Files.createDirectories(sourceDir);
        Path file = sourceDir.resolve(String.format(Locale.ROOT, "part-%05d.jsonl", s));
        futures.add(pool.submit(() -> writeShard(file, from, to, seed)));
      }
      List<Planted> planted = new ArrayList<>();
      for (Future<List<Planted>> f : futures) {
        planted.addAll(f.get());
      }
      planted.sort(Comparator.comparingLong(Planted::row));
      return planted;
    } catch (ExecutionException e) {
      throw new IllegalStateException("Cannot generate the bench pool in " + dir + ": " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while generating the bench pool in " + dir, e);
    } finally {
      pool.shutdownNow();
    }
  }

  /** {@value #PLANTED}: a header, then one planted row a line. */
  private static void writePlanted(Path file, List<Planted> planted) throws IOException {
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      w.write("kind\tid\trow\tof_id\tof_row\tedit\n");
      for (Planted p : planted) {
        w.write(p.tsv());
        w.write('\n');
      }
    }
  }

  static List<Planted> writeShard(Path file, long from, long to, long seed) throws IOException {
    List<Planted> planted = new ArrayList<>();
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      for (long i = from; i < to; i++) {
        w.write(Json.compact(row(i, seed, planted)));
        w.write('\n');
      }
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return planted;
  }

  static String sourceName(int source) {
    return "source-" + source;
  }

  static void writeEval(Path file, long seed) throws IOException {
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (int i = 0; i < EVAL_ITEMS; i++) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("problem", evalQuestion(i, seed));
        o.put("unique_id", "bench-eval/" + i);
        w.write(Json.compact(o));
        w.write('\n');
      }
    }
  }

  static String evalQuestion(int i, long seed) {
    return BenchText.evalQuestion(i, stream(seed, -1 - i, 3));
  }

  /** An independent random stream for (seed, row, purpose). */
  static SplittableRandom stream(long seed, long row, int purpose) {
    return new SplittableRandom(Hash64.mix64(Hash64.mix64(seed * 0x9E3779B97F4A7C15L + row) + purpose));
  }

  static Kind kind(long row, long seed) {
    if (row == 0) {
      return Kind.PLAIN;
    }
    int roll = stream(seed, row, 0).nextInt(1000);
    if (roll < NEAR_PER_MILLE) {
      return Kind.NEAR;
    }
    if (roll < NEAR_PER_MILLE + EXACT_PER_MILLE) {
      return Kind.EXACT;
    }
    if (roll < NEAR_PER_MILLE + EXACT_PER_MILLE + CONTAMINATED_PER_MILLE) {
      return Kind.CONTAMINATED;
    }
    return Kind.PLAIN;
  }

  /** The question of a plain row (the text later rows copy). */
  static String plainQuestion(long row, long seed) {
    return BenchText.question(stream(seed, row, 1));
  }

  /** An earlier plain row of the same shard (so of the same source) for row {@code i} to copy, or -1 when none was found. */
  static long original(long i, long seed, SplittableRandom r) {
    long shardStart = i / SHARD_ROWS * SHARD_ROWS;
    if (i == shardStart) {
      return -1;
    }
    for (int attempt = 0; attempt < 32; attempt++) {
      long j = shardStart + r.nextLong(i - shardStart);
      if (kind(j, seed) == Kind.PLAIN) {
        return j;
      }
    }
    return -1;
  }

  static ObjectNode row(long i, long seed, List<Planted> planted) {
    SplittableRandom r = stream(seed, i, 2);
    String question = question(i, seed, r, planted);
    String answer = String.valueOf(r.nextInt(100_000));
    int traceTokens = traceTokens(r);
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("problem", question);
    o.put("answer", answer);
    o.put("solution", "Combining the cases above, the required value is $\\boxed{" + answer + "}$.");
    if (r.nextInt(10) < 7) {
      o.put("subject", BenchText.pick(r, BenchText.SUBJECTS));
    }
    o.put("level", "Level " + (1 + r.nextInt(5)));
    o.put("thinking", BenchText.trace(r, traceTokens, answer));
    boolean right = r.nextInt(100) < 80;
    o.put("attempt", "The final answer is $\\boxed{" + (right ? answer : answer + "1") + "}$.");
    ObjectNode students = o.putObject("student_answers");
    students.put("qwen2.5-7b-instruct", r.nextInt(100) < 30 ? answer : answer + "7");
    students.put("qwen2.5-32b-instruct", r.nextInt(100) < 45 ? answer : answer + "3");
    o.put("row", i);
    return o;
  }

  /** Row {@code i}'s question, drawn from its stream {@code r} (first); a near, exact or contaminated copy is added to {@code planted}. */
  private static String question(long i, long seed, SplittableRandom r, List<Planted> planted) {
    Kind kind = kind(i, seed);
    long of = kind == Kind.NEAR || kind == Kind.EXACT ? original(i, seed, r) : -1;
    if ((kind == Kind.NEAR || kind == Kind.EXACT) && of < 0) {
      kind = Kind.PLAIN;
    }
    String question;
    switch (kind) {
      case NEAR -> {
        String base = plainQuestion(of, seed);
        int edit = r.nextInt(3);
        question = nearEdit(base, edit, r);
        planted.add(new Planted("near", ContentId.of(question), i, ContentId.of(base), of, NEAR_EDITS[edit]));
      }
      case EXACT -> {
        question = plainQuestion(of, seed);
        planted.add(new Planted("exact", ContentId.of(question), i, ContentId.of(question), of, "copy"));
      }
      case CONTAMINATED -> {
        int item = r.nextInt(EVAL_ITEMS);
        String eval = evalQuestion(item, seed);
        // Survives normalisation: other case, \dfrac for \frac, doubled spaces.
        question = eval.replace("\\frac", "\\dfrac").replace(" the ", "  The ").replace("Benchmark", "BENCHMARK");
        planted.add(new Planted("contaminated", ContentId.of(question), i, "bench-eval/" + item, -1, "formatting"));
      }
      default -> question = plainQuestion(i, seed);
    }
    return question;
  }

  static final String[] NEAR_EDITS = {"appended", "number", "inserted"};

  /** A near-duplicate of {@code base}: a phrase appended, the final number changed, or a clause inserted mid-question. */
  static String nearEdit(String base, int edit, SplittableRandom r) {
    switch (edit) {
      case 0:
        return base + " Show all of your work.";
      case 1: {
        int eq = base.lastIndexOf("$n = ");
        if (eq >= 0) {
          int end = base.indexOf('$', eq + 5);
          return base.substring(0, eq + 5) + (100 + r.nextInt(900)) + base.substring(end);
        }
        return base + " Explain.";
      }
      default: {
        int mid = base.indexOf(". ", base.length() / 2);
        if (mid < 0) {
          return base + " Be careful.";
        }
        return base.substring(0, mid + 2) + "Be careful here. " + base.substring(mid + 2);
      }
    }
  }

  static int traceTokens(SplittableRandom r) {
    double t = Math.exp(TRACE_MU + TRACE_SIGMA * r.nextGaussian());
    return (int) Math.max(TRACE_MIN, Math.min(TRACE_MAX, Math.round(t)));
  }

  static long bytes(Path dir) throws IOException {
    try (var files = Files.walk(dir)) {
      long total = 0;
      for (Path p : (Iterable<Path>) files::iterator) {
        total += Files.isRegularFile(p) ? Files.size(p) : 0;
      }
      return total;
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }
}
