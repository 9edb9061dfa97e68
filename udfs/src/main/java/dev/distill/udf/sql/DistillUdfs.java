package dev.distill.udf.sql;

import dev.distill.udf.answer.AnswerEquivalence;
import dev.distill.udf.answer.AnswerExtractor;
import dev.distill.udf.answer.AnswerGrader;
import dev.distill.udf.answer.Extraction;
import dev.distill.udf.hash.MinHash;
import dev.distill.udf.quality.RepetitionDetector;
import dev.distill.udf.quality.S1FormatRules;
import dev.distill.udf.quality.ScriptDetector;
import dev.distill.udf.quality.TruncationDetector;
import dev.distill.udf.text.ContentId;
import dev.distill.udf.text.NGrams;
import dev.distill.udf.text.TextNormalizer;
import dev.distill.udf.tokens.TokenCounters;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.api.java.UDF4;
import org.apache.spark.sql.types.DataTypes;

/**
 * The distill functions as Spark SQL functions. {@link #register(SparkSession)} registers them all
 * in one call; each is also a public class with a no-argument constructor, so PySpark can register
 * one by name: {@code spark.udf.registerJavaFunction("distill_content_id",
 * "dev.distill.udf.sql.DistillUdfs$ContentIdUdf", StringType())}.
 */
public final class DistillUdfs {

  /** Registers every function under its {@code distill_*} name; returns the names. */
  public static String[] register(SparkSession spark) {
    var udf = spark.udf();
    udf.register("distill_normalize", new NormalizeUdf(), DataTypes.StringType);
    udf.register("distill_content_id", new ContentIdUdf(), DataTypes.StringType);
    udf.register("distill_ngram_hashes", new NGramHashesUdf(), DataTypes.createArrayType(DataTypes.LongType, false));
    udf.register("distill_minhash", new MinHashUdf(), DataTypes.createArrayType(DataTypes.IntegerType, false));
    udf.register("distill_s1_violation", new S1ViolationUdf(), DataTypes.StringType);
    udf.register("distill_repetition", new RepetitionUdf(), DataTypes.DoubleType);
    udf.register("distill_script", new ScriptUdf(), DataTypes.StringType);
    udf.register("distill_truncated", new TruncatedUdf(), DataTypes.BooleanType);
    udf.register("distill_last_boxed", new LastBoxedUdf(), DataTypes.StringType);
    udf.register("distill_extract_answer", new ExtractAnswerUdf(), DataTypes.StringType);
    udf.register("distill_answer_equivalent", new AnswerEquivalentUdf(), DataTypes.BooleanType);
    udf.register("distill_grade", new GradeUdf(), DataTypes.StringType);
    udf.register("distill_token_count", new TokenCountUdf(), DataTypes.IntegerType);
    return NAMES.clone();
  }

  static final String[] NAMES = {"distill_normalize", "distill_content_id", "distill_ngram_hashes", "distill_minhash",
      "distill_s1_violation", "distill_repetition", "distill_script", "distill_truncated", "distill_last_boxed",
      "distill_extract_answer", "distill_answer_equivalent", "distill_grade", "distill_token_count"};

  /** distill_normalize(text): the decontamination/dedup normalisation. */
  public static final class NormalizeUdf implements UDF1<String, String> {
    @Override
    public String call(String s) {
      return s == null ? null : TextNormalizer.normalizeForMatch(s);
    }
  }

  /** distill_content_id(question): the stable content id. */
  public static final class ContentIdUdf implements UDF1<String, String> {
    @Override
    public String call(String s) {
      return s == null ? null : ContentId.of(s);
    }
  }

  /** distill_ngram_hashes(text, n): sorted distinct 64-bit word n-gram hashes. */
  public static final class NGramHashesUdf implements UDF2<String, Integer, long[]> {
    @Override
    public long[] call(String s, Integer n) {
      return s == null || n == null ? null : NGrams.hashes(s, n);
    }
  }

  /** distill_minhash(text, num_hashes, shingle_words, seed): MinHash signature. */
  public static final class MinHashUdf implements UDF4<String, Integer, Integer, Long, int[]> {
    private transient MinHash cached;

    @Override
    public int[] call(String s, Integer numHashes, Integer shingle, Long seed) {
      if (s == null) {
        return null;
      }
      MinHash m = cached;
      if (m == null || m.numHashes() != numHashes || m.shingleSize() != shingle || m.seed() != seed) {
        m = new MinHash(numHashes, shingle, seed);
        cached = m;
      }
      return m.signature(s);
    }
  }

  /** distill_s1_violation(question, source): s1's formatting rule the question breaks, or null. */
  public static final class S1ViolationUdf implements UDF2<String, String, String> {
    @Override
    public String call(String q, String source) {
      return q == null ? null : S1FormatRules.violation(q, source == null ? "" : source);
    }
  }

  /** distill_repetition(text, n): fraction of repeated word n-grams. */
  public static final class RepetitionUdf implements UDF2<String, Integer, Double> {
    @Override
    public Double call(String s, Integer n) {
      return s == null || n == null ? null : RepetitionDetector.repeatedNgramFraction(s, n);
    }
  }

  /** distill_script(text): dominant script (latin, cjk, cyrillic, arabic, other, none). */
  public static final class ScriptUdf implements UDF1<String, String> {
    @Override
    public String call(String s) {
      return s == null ? null : ScriptDetector.dominantScript(s);
    }
  }

  /** distill_truncated(trace): whether a trace looks cut off. */
  public static final class TruncatedUdf implements UDF1<String, Boolean> {
    @Override
    public Boolean call(String s) {
      return s == null ? null : TruncationDetector.looksTruncated(s);
    }
  }

  /** distill_last_boxed(text): content of the last \boxed{} / \fbox{}. */
  public static final class LastBoxedUdf implements UDF1<String, String> {
    @Override
    public String call(String s) {
      return s == null ? null : AnswerExtractor.lastBoxed(s);
    }
  }

  /** distill_extract_answer(response): the final answer a response gives, or null. */
  public static final class ExtractAnswerUdf implements UDF1<String, String> {
    @Override
    public String call(String s) {
      Extraction e = s == null ? null : AnswerExtractor.extract(s);
      return e == null ? null : e.answer();
    }
  }

  /** distill_answer_equivalent(predicted, reference). */
  public static final class AnswerEquivalentUdf implements UDF2<String, String, Boolean> {
    @Override
    public Boolean call(String predicted, String reference) {
      return predicted == null || reference == null ? null : AnswerEquivalence.equivalent(predicted, reference);
    }
  }

  /** distill_grade(response, reference): correct, incorrect or no_answer. */
  public static final class GradeUdf implements UDF2<String, String, String> {
    @Override
    public String call(String response, String reference) {
      return AnswerGrader.grade(response, reference).verdict();
    }
  }

  /** distill_token_count(text, tokenizer_json_path): tokens of a local tokenizer.json (null path: estimate). */
  public static final class TokenCountUdf implements UDF2<String, String, Integer> {
    @Override
    public Integer call(String s, String tokenizer) {
      return s == null ? null : TokenCounters.forPath(tokenizer).count(s);
    }
  }

  private DistillUdfs() {}
}
