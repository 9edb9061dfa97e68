package dev.distill.job.conf;

import dev.distill.job.error.ConfigException;
import dev.distill.job.source.EvalSetSpec;
import dev.distill.job.source.SourceSpec;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The typed, validated pipeline configuration (see conf/pipeline.yaml for every key). */
public record PipelineConfig(
    Map<String, Object> tree,
    Run run,
    Spark spark,
    SamplePool samplePool,
    List<SourceSpec> sources,
    Quality quality,
    Decontam decontam,
    Dedup dedup,
    Difficulty difficulty,
    Domains domains,
    Select select,
    Export export,
    GenerateConfig generate,
    Embeddings embeddings) implements Serializable {

  /**
   * {@code baseRun}: an earlier completed run this one extends incrementally (a run id under output, or a run directory); empty: none.
   * {@code leaseTtlSeconds}, {@code leaseRenewSeconds} (0: a quarter of the TTL), {@code forceTakeover}: the run's lease.
   */
  public record Run(String output, String runId, int partitions, double maxQuarantineFraction, String baseRun, double leaseTtlSeconds,
      double leaseRenewSeconds, boolean forceTakeover) implements Serializable {}

  public record Spark(String master, String appName, Map<String, String> conf) implements Serializable {}

  public record SamplePool(int rows, long seed) implements Serializable {}

  public record Quality(boolean s1FormatRules, boolean requireAnswer, Boolean generationExpected,
      int minQuestionChars, int maxQuestionChars, boolean dropTruncatedTraces, int maxTraceChars,
      int repetitionNgram, double maxRepetition, List<String> targetScripts) implements Serializable {}

  /**
   * @param semanticThreshold cosine at or above which a question is a paraphrase of an eval item (removed)
   * @param reviewThreshold cosine at or above which (and below semanticThreshold) a question is listed for review
   * @param judge decides each question of the review band (yes: removed; no or no verdict: listed); disabled without a model
   */
  public record Decontam(int ngram, List<EvalSetSpec> evalSets, boolean crossSource, double semanticThreshold, double reviewThreshold,
      GenerateConfig.Role judge) implements Serializable {
    public Decontam withEvalSets(List<EvalSetSpec> sets) {
      return new Decontam(ngram, sets, crossSource, semanticThreshold, reviewThreshold, judge);
    }
  }

  /** The embed step: a bundled model name or a model directory, its pooling, ONNX Runtime threads per task, questions per call. */
  public record Embeddings(boolean enabled, String model, String pooling, int threads, int batchSize) implements Serializable {}

  public static final List<String> POOLINGS = List.of("mean", "cls");

  /**
   * @param semantic SemDeDup on the sentence embeddings (only with embeddings.enabled)
   * @param semanticClusters KMeans k; 0 = one cluster per 1,000 questions
   * @param semanticMaxCluster the most questions compared pairwise at once (larger clusters are cut)
   */
  public record Dedup(boolean exact, boolean near, double threshold, int numHashes, int shingleWords, long seed, int maxBucket,
      boolean semantic, double semanticThreshold, int semanticClusters, int semanticMaxCluster) implements Serializable {}

  /**
   * @param passRate [lo, hi]: keep rows whose students' pass rate (correct / answered samples) lies
   *     in the band, both ends included; null = no band
   */
  public record Difficulty(Boolean hardFilter, String tokenizer, double[] passRate) implements Serializable {
    public Difficulty withHardFilter(Boolean hard) {
      return new Difficulty(hard, tokenizer, passRate);
    }
  }

  /** {@code embeddingRegParam}, {@code embeddingMaxIter}: the logistic regression on the embeddings (with embeddings.enabled). */
  public record Domains(String classifier, Map<String, String> subjectMap, double holdoutFraction, int numFeatures,
      double smoothing, double embeddingRegParam, int embeddingMaxIter) implements Serializable {}

  public record DirectPick(List<String> sources, boolean requireTeacherCorrect, int minTraceTokens) implements Serializable {}

  /** What the score strategy adds up per candidate: completeness, difficulty, log length (each in [0, 1]); a weight left out is 0. */
  public record Weights(double quality, double difficulty, double length) implements Serializable {}

  public record Score(Weights weights, double domainCap) implements Serializable {}

  /** {@code clusters}: diverse_clusters' KMeans k (0 = size / 10). */
  public record Select(String strategy, int size, long seed, List<DirectPick> directPicks, Score score, int clusters) implements Serializable {
    public Select(String strategy, int size, long seed, List<DirectPick> directPicks, Score score) {
      this(strategy, size, seed, directPicks, score, 0);
    }
  }

  /**
   * The handoff bundle: system prompt, the tokenizer for `text` tokens (resolved: export.tokenizer,
   * else difficulty.tokenizer; empty = estimate), block size, too-long policy and card license.
   */
  public record Export(String systemPrompt, String tokenizer, int blockSize, String tooLong, String license, String traces) implements Serializable {}

  public static final List<String> TOO_LONG_POLICIES = List.of("drop", "truncate", "keep");

  private static final Set<String> WEIGHT_KEYS = Set.of("quality", "difficulty", "length");
  private static final Set<String> PICK_KEYS = Set.of("sources", "require_teacher_correct", "min_trace_tokens");

  /** This config with another difficulty section (an incremental run keeps its base run's hard-filter decision). */
  public PipelineConfig withDifficulty(Difficulty d) {
    return new PipelineConfig(tree, run, spark, samplePool, sources, quality, decontam, dedup, d, domains, select, export, generate, embeddings);
  }

  public static PipelineConfig from(Map<String, Object> tree) {
    ConfigReader c = new ConfigReader(tree);
    Run run = new Run(c.string("run.output"), c.string("run.run_id"), c.integer("run.partitions", 0),
        c.fraction("run.max_quarantine_fraction", 0, 1), c.string("run.base_run"), c.fraction("run.lease_ttl_seconds", 0.1, 86400),
        c.fraction("run.lease_renew_seconds", 0, 86400), c.bool("run.force_takeover"));
    if (run.leaseRenewSeconds() > run.leaseTtlSeconds() / 2) {
      throw ConfigException.forKey("run.lease_renew_seconds", "renewing every " + run.leaseRenewSeconds() + " s lets a lease of "
          + run.leaseTtlSeconds() + " s (run.lease_ttl_seconds) expire while its holder runs", "renew at most every half TTL, or 0 for a quarter of it");
    }
    Spark spark = new Spark(c.string("spark.master"), c.string("spark.app_name"), c.stringMap("spark.conf"));
    SamplePool sample = new SamplePool(c.integer("sample_pool.rows", 1), c.longValue("sample_pool.seed"));
    Quality quality = new Quality(c.bool("quality.s1_format_rules"), c.bool("quality.require_answer"),
        c.autoBool("quality.generation_expected"), c.integer("quality.min_question_chars", 0),
        c.integer("quality.max_question_chars", 1), c.bool("quality.drop_truncated_traces"),
        c.integer("quality.max_trace_chars", 0), c.integer("quality.repetition_ngram", 1),
        c.fraction("quality.max_repetition", 0, 1), c.strings("quality.target_scripts"));
    for (String script : quality.targetScripts()) {
      if (!List.of("latin", "cjk", "cyrillic", "arabic", "other").contains(script)) {
        throw ConfigException.forKey("quality.target_scripts", "\"" + script + "\" is not a script name",
            "use some of [latin, cjk, cyrillic, arabic, other], or [] to keep every language");
      }
    }
    Decontam decontam = new Decontam(c.integer("decontam.ngram", 1), evalSets(c.maps("decontam.eval_sets")), c.bool("decontam.cross_source"),
        c.fraction("decontam.semantic_threshold", -1, 1), c.fraction("decontam.review_threshold", -1, 1), GenerateConfig.paraphraseJudge(c));
    if (decontam.reviewThreshold() > decontam.semanticThreshold()) {
      throw ConfigException.forKey("decontam.review_threshold", decontam.reviewThreshold() + " is above decontam.semantic_threshold "
          + decontam.semanticThreshold(), "set it at or below the semantic threshold (equal: no review band)");
    }
    Embeddings embeddings = new Embeddings(c.bool("embeddings.enabled"), c.string("embeddings.model"), c.oneOf("embeddings.pooling", POOLINGS),
        c.integer("embeddings.threads", 1), c.integer("embeddings.batch_size", 1));
    if (decontam.judge().enabled() && !embeddings.enabled()) {
      throw ConfigException.forKey("decontam.judge.model", "is set (" + decontam.judge().model() + ") but embeddings.enabled is false, "
          + "so there is no review band for the judge to decide", "set embeddings.enabled: true, or leave decontam.judge.model empty");
    }
    if (embeddings.model().isBlank()) {
      throw ConfigException.forKey("embeddings.model", "is empty", "name a bundled model (all-minilm-l6-v2, all-minilm-l6-v2-q) or a directory holding model.onnx and tokenizer.json");
    }
    Dedup dedup = new Dedup(c.bool("dedup.exact"), c.bool("dedup.near"), c.fraction("dedup.threshold", 0.05, 1.0),
        c.integer("dedup.num_hashes", 4), c.integer("dedup.shingle_words", 1), c.longValue("dedup.seed"),
        c.integer("dedup.max_bucket", 2), c.bool("dedup.semantic"), c.fraction("dedup.semantic_threshold", -1, 1),
        c.integer("dedup.semantic_clusters", 0), c.integer("dedup.semantic_max_cluster", 2));
    Difficulty difficulty = new Difficulty(c.autoBool("difficulty.hard_filter"), c.string("difficulty.tokenizer"), passRate(c));
    Domains domains = new Domains(c.oneOf("domains.classifier", List.of("offline", "none")), c.stringMap("domains.subject_map"),
        c.fraction("domains.holdout_fraction", 0.0, 0.9), c.integer("domains.num_features", 16),
        c.fraction("domains.smoothing", 0.0, 100.0), c.fraction("domains.embedding_reg_param", 0.0, 10.0),
        c.integer("domains.embedding_max_iter", 1));
    Select select = new Select(c.string("select.strategy"), c.integer("select.size", 1),
        c.longValue("select.seed"), directPicks(c), score(c), c.integer("select.clusters", 0));
    String exportTokenizer = c.string("export.tokenizer").isBlank() ? difficulty.tokenizer() : c.string("export.tokenizer");
    Export export = new Export(c.string("export.system_prompt"), exportTokenizer, c.integer("export.block_size", 16),
        c.oneOf("export.too_long", TOO_LONG_POLICIES), c.string("export.license").isBlank() ? "unknown" : c.string("export.license"),
        c.oneOf("export.traces", List.of("best", "verified", "all")));
    return new PipelineConfig(tree, run, spark, sample, sources(c.maps("sources")), quality, decontam, dedup, difficulty,
        domains, select, export, GenerateConfig.from(c), embeddings);
  }

  /** Every source, validated: a wrong key fails here, naming it ({@code sources[3].fields.question}). */
  public static List<SourceSpec> sources(List<Map<String, Object>> raw) {
    List<SourceSpec> specs = new ArrayList<>();
    for (int i = 0; i < raw.size(); i++) {
      specs.add(SourceSpec.fromMap(raw.get(i), "sources[" + i + "]"));
    }
    return List.copyOf(specs);
  }

  public static List<EvalSetSpec> evalSets(List<Map<String, Object>> raw) {
    List<EvalSetSpec> specs = new ArrayList<>();
    for (int i = 0; i < raw.size(); i++) {
      specs.add(EvalSetSpec.fromMap(raw.get(i), "decontam.eval_sets[" + i + "]"));
    }
    return List.copyOf(specs);
  }

  private static List<DirectPick> directPicks(ConfigReader c) {
    List<DirectPick> picks = new ArrayList<>();
    List<Map<String, Object>> raw = c.maps("select.direct_picks");
    for (int i = 0; i < raw.size(); i++) {
      String key = "select.direct_picks[" + i + "]";
      for (String k : raw.get(i).keySet()) {
        if (!PICK_KEYS.contains(k)) {
          throw ConfigException.forKey(key + "." + k, "unknown key", "valid keys are " + PICK_KEYS);
        }
      }
      ConfigReader item = new ConfigReader(raw.get(i));
      Object req = raw.get(i).getOrDefault("require_teacher_correct", Boolean.TRUE);
      Object min = raw.get(i).getOrDefault("min_trace_tokens", 0);
      if (!(req instanceof Boolean)) {
        throw ConfigException.forKey(key + ".require_teacher_correct", "expected true or false", "write true or false");
      }
      if (!(min instanceof Integer)) {
        throw ConfigException.forKey(key + ".min_trace_tokens", "expected a whole number", "write e.g. 5600");
      }
      picks.add(new DirectPick(item.strings("sources"), (Boolean) req, (Integer) min));
    }
    return picks;
  }

  private static Score score(ConfigReader c) {
    Map<String, String> raw = c.stringMap("select.score.weights");
    Map<String, Double> weights = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : raw.entrySet()) {
      if (!WEIGHT_KEYS.contains(e.getKey())) {
        throw ConfigException.forKey("select.score.weights." + e.getKey(), "unknown score component", "use " + WEIGHT_KEYS);
      }
      try {
        weights.put(e.getKey(), Double.parseDouble(e.getValue()));
      } catch (NumberFormatException ex) {
        throw ConfigException.forKey("select.score.weights." + e.getKey(), "expected a number but found \"" + e.getValue() + "\"", "write e.g. 1.0");
      }
    }
    Weights typed = new Weights(weights.getOrDefault("quality", 0.0), weights.getOrDefault("difficulty", 0.0),
        weights.getOrDefault("length", 0.0));
    return new Score(typed, c.fraction("select.score.domain_cap", 0.0, 1.0));
  }

  private static double[] passRate(ConfigReader c) {
    List<String> band = c.strings("difficulty.pass_rate");
    if (band.isEmpty()) {
      return null;
    }
    double[] v = new double[2];
    try {
      if (band.size() != 2) {
        throw new NumberFormatException();
      }
      v[0] = Double.parseDouble(band.get(0));
      v[1] = Double.parseDouble(band.get(1));
    } catch (NumberFormatException e) {
      throw ConfigException.forKey("difficulty.pass_rate", "expected [lo, hi] but found " + band, "write e.g. difficulty.pass_rate: [0.1, 0.9]");
    }
    if (v[0] < 0 || v[1] > 1 || v[0] > v[1]) {
      throw ConfigException.forKey("difficulty.pass_rate", "[" + v[0] + ", " + v[1] + "] is not a band within [0, 1]",
          "write two fractions lo <= hi, e.g. [0.1, 0.9] (open-r1) or [0.03, 0.1] (LIMO: 1-3 of 32)");
    }
    return v;
  }

  /** Whether this run uses the generated sample pool. */
  public boolean usesSamplePool() {
    return sources.isEmpty();
  }
}
