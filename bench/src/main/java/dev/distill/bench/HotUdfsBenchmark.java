package dev.distill.bench;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.distill.udf.answer.AnswerGrader;
import dev.distill.udf.hash.LshBands;
import dev.distill.udf.hash.MinHash;
import dev.distill.udf.quality.RepetitionDetector;
import dev.distill.udf.text.NGrams;
import dev.distill.udf.text.TextNormalizer;
import dev.distill.udf.tokens.EstimatedTokenCounter;
import dev.distill.udf.tokens.HfTokenCounter;
import dev.distill.udf.tokens.TokenCounter;
import dev.distill.udf.tokens.TokenCounters;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The UDFs on the pipeline's hot paths, one call per operation, on the bench pool's texts (an
 * 80-word question, a trace of the pool's mean length, a teacher attempt): what one core does per
 * second before Spark adds anything. Texts cycle through {@value #TEXTS} generated rows so branch
 * predictors and caches do not see one input.
 *
 * <p>Run: {@code ./mvnw -pl bench -am -DskipTests package && bin/jmh} (README, Benchmarks).
 * The tokenizer comes from {@code -Ddistill.tokenizer=PATH}, default {@code
 * ../shared/tokenizers/qwen/tokenizer.json}; the token benchmarks fail with a message without it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class HotUdfsBenchmark {
  static final int TEXTS = 64;

  @Param({"1"})
  public long seed;

  private String[] questions;
  private String[] traces;
  private String[] attempts;
  private String[] answers;
  private int[][] signatures;
  private int next;
  private MinHash minHash;
  private int[] bandsRows;
  private HfTokenCounter counter;
  private TokenCounter bpe;
  private HuggingFaceTokenizer djl;
  private final EstimatedTokenCounter estimate = new EstimatedTokenCounter();

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    questions = new String[TEXTS];
    traces = new String[TEXTS];
    attempts = new String[TEXTS];
    answers = new String[TEXTS];
    signatures = new int[TEXTS][];
    minHash = new MinHash(128, 5, 1);
    bandsRows = LshBands.chooseBandsRows(128, 0.8);
    for (int i = 0; i < TEXTS; i++) {
      BenchPool.Sample s = BenchPool.sample(1000 + i, seed);
      questions[i] = s.question();
      traces[i] = s.trace();
      attempts[i] = s.attempt();
      answers[i] = s.answer();
      signatures[i] = minHash.signature(s.question());
    }
    String path = System.getProperty("distill.tokenizer", "../shared/tokenizers/qwen/tokenizer.json");
    if (Files.isRegularFile(Path.of(path))) {
      counter = new HfTokenCounter(path);
      bpe = TokenCounters.forPath(path);
      djl = HuggingFaceTokenizer.builder().optTokenizerPath(Path.of(counter.path())).optAddSpecialTokens(false)
          .optTruncation(false).optPadding(false).build();
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    if (djl != null) {
      djl.close();
    }
  }

  private int i() {
    next = (next + 1) & (TEXTS - 1);
    return next;
  }

  @Benchmark
  public String normalizeQuestion() {
    return TextNormalizer.normalizeForMatch(questions[i()]);
  }

  @Benchmark
  public String normalizeTrace() {
    return TextNormalizer.normalizeForMatch(traces[i()]);
  }

  @Benchmark
  public long[] ngramHashes8() {
    return NGrams.hashes(questions[i()], 8);
  }

  @Benchmark
  public int[] minHashSignature() {
    return minHash.signature(questions[i()]);
  }

  @Benchmark
  public long[] lshBandKeys() {
    return LshBands.bandKeys(signatures[i()], bandsRows[0], bandsRows[1]);
  }

  @Benchmark
  public double minHashEstimate() {
    int a = i();
    return MinHash.estimateJaccard(signatures[a], signatures[(a + 1) & (TEXTS - 1)]);
  }

  @Benchmark
  public double repetitionOfTrace() {
    return RepetitionDetector.repeatedNgramFraction(traces[i()], 10);
  }

  @Benchmark
  public int tokensExact() {
    requireTokenizer();
    return bpe.count(traces[i()]);
  }

  @Benchmark
  public int tokensDjlIds() {
    return requireTokenizer().count(traces[i()]);
  }

  @Benchmark
  public int tokensDjlEncode() {
    requireTokenizer();
    return djl.encode(traces[i()], false, false).getIds().length;
  }

  @Benchmark
  public int tokensEstimated() {
    return estimate.count(traces[i()]);
  }

  @Benchmark
  public boolean gradeAttempt() {
    int a = i();
    return AnswerGrader.grade(attempts[a], answers[a]).isCorrect();
  }

  private HfTokenCounter requireTokenizer() {
    if (counter == null) {
      throw new IllegalStateException("Cannot benchmark token counting: no tokenizer.json at "
          + System.getProperty("distill.tokenizer", "../shared/tokenizers/qwen/tokenizer.json")
          + "; pass -Ddistill.tokenizer=PATH to bin/jmh (JAVA_OPTS) or exclude tokens*");
    }
    return counter;
  }
}
