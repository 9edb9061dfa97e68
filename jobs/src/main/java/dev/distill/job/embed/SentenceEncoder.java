package dev.distill.job.embed;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.langchain4j.model.embedding.onnx.AbstractInProcessEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.OnnxBertBiEncoder;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One loaded sentence-embedding model: texts in, L2-normalised vectors out. ONNX Runtime runs it
 * with {@code threads} intra-op threads. A text that fits the model's 512 positions is tokenized
 * once (DJL's HuggingFace tokenizer) and run in a batch with the other texts of its call that have
 * exactly its token count: no padding, so a text's vector does not depend on the texts batched
 * with it (the partitioning) and equals what it gets alone. Longer texts go through langchain4j's
 * encoder, which splits them into windows and averages them. Pooling (mean over every position,
 * or the first) and normalisation are langchain4j's, so both paths give its vectors. Thread-safe:
 * the ONNX session and the tokenizer are.
 */
public final class SentenceEncoder implements AutoCloseable {
  /** The positions of a BERT-style model, [CLS] and [SEP] included. */
  static final int MAX_POSITIONS = 512;
  /** Texts per ONNX call at most: bounds the output tensor (texts x tokens x 384 floats). */
  static final int MAX_BATCH = 64;
  private final OrtEnvironment env;
  private final OrtSession session;
  private final HuggingFaceTokenizer tokenizer;
  private final boolean typeIds;
  private final boolean cls;
  private final Model model;
  private final int maxBatch;

  private SentenceEncoder(OrtEnvironment env, OrtSession session, byte[] tokenizerJson, PoolingMode pooling) throws OrtException,
      IOException {
    this.env = env;
    this.session = session;
    this.tokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(tokenizerJson), Map.of("padding", "false"));
    this.typeIds = session.getInputNames().contains("token_type_ids");
    this.cls = pooling == PoolingMode.CLS;
    this.model = new Model(new OnnxBertBiEncoder(env, session, new ByteArrayInputStream(tokenizerJson), pooling));
    this.maxBatch = batchesAreIndependent() ? MAX_BATCH : 1;
  }

  /**
   * Whether a text's vector is the same in a batch as alone. Not so for dynamically quantised
   * models (the quantised MiniLM): they compute one quantisation scale per input tensor, so a
   * batch-mate changes it. Those run one text per call, which keeps vectors independent of the
   * partitioning.
   */
  private boolean batchesAreIndependent() {
    long[] text = ids("What is the sum of all positive divisors of 36?");
    long[] reversed = text.clone();
    for (int i = 1; i < text.length - 1; i++) {
      reversed[i] = text[text.length - 1 - i];
    }
    long[][] probe = {text, reversed};
    float[][] together = run(probe, List.of(0, 1), probe[0].length);
    float[][] first = run(probe, List.of(0), probe[0].length);
    float[][] second = run(probe, List.of(1), probe[1].length);
    return Arrays.equals(together[0], first[0]) && Arrays.equals(together[1], second[0]);
  }

  private long[] ids(String text) {
    return tokenizer.encode(text, true, false).getIds();
  }

  /** Loads {@code ref} (a bundled model from its jar, a directory model from its local copy). */
  public static SentenceEncoder open(ModelRef ref, int threads) {
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(threads);
      options.setInterOpNumThreads(1);
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      if (ref.bundled()) {
        byte[] onnx;
        byte[] tokenizer;
        try (InputStream in = ModelRef.resourceStream(ref.resource() + ".onnx");
             InputStream tok = ModelRef.resourceStream(ref.resource() + "-tokenizer.json")) {
          onnx = in.readAllBytes();
          tokenizer = tok.readAllBytes();
        }
        return new SentenceEncoder(env, env.createSession(onnx, options), tokenizer, pooling(ref));
      }
      java.nio.file.Path dir = ModelCopies.local(ref);
      OrtSession session = env.createSession(dir.resolve(ModelRef.MODEL_FILE).toString(), options);
      return new SentenceEncoder(env, session, Files.readAllBytes(dir.resolve(ModelRef.TOKENIZER_FILE)), pooling(ref));
    } catch (OrtException e) {
      throw new IllegalArgumentException("Cannot load the embedding model " + ref.name() + " into ONNX Runtime: " + e.getMessage()
          + "; embeddings.model must be a BERT-style sentence encoder exported to ONNX (inputs input_ids, attention_mask, token_type_ids)", e);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the embedding model " + ref.name() + ": " + e.getMessage(), e);
    }
  }

  private static PoolingMode pooling(ModelRef ref) {
    return "cls".equals(ref.pooling()) ? PoolingMode.CLS : PoolingMode.MEAN;
  }

  /** One unit vector per text, in order; a blank text gets the zero vector (similar to nothing). */
  public float[][] embed(List<String> texts) {
    float[][] out = new float[texts.size()][];
    Map<Integer, List<Integer>> byLength = new TreeMap<>();
    long[][] ids = new long[texts.size()][];
    for (int i = 0; i < texts.size(); i++) {
      String t = texts.get(i);
      if (t == null || t.isBlank()) {
        out[i] = new float[dimension()];
        continue;
      }
      long[] tokens = ids(t);
      if (tokens.length >= MAX_POSITIONS) {
        out[i] = Vectors.normalized(model.embed(t).content().vector());
      } else {
        ids[i] = tokens;
        byLength.computeIfAbsent(tokens.length, k -> new ArrayList<>()).add(i);
      }
    }
    for (Map.Entry<Integer, List<Integer>> e : byLength.entrySet()) {
      List<Integer> same = e.getValue();
      for (int from = 0; from < same.size(); from += maxBatch) {
        List<Integer> batch = same.subList(from, Math.min(same.size(), from + maxBatch));
        float[][] vectors = run(ids, batch, e.getKey());
        for (int k = 0; k < batch.size(); k++) {
          out[batch.get(k)] = vectors[k];
        }
      }
    }
    return out;
  }

  /** One ONNX call on texts of {@code length} tokens each: their pooled, normalised vectors. */
  private float[][] run(long[][] ids, List<Integer> batch, int length) {
    long[] shape = {batch.size(), length};
    long[] flat = new long[batch.size() * length];
    for (int k = 0; k < batch.size(); k++) {
      System.arraycopy(ids[batch.get(k)], 0, flat, k * length, length);
    }
    long[] ones = new long[flat.length];
    Arrays.fill(ones, 1L);
    Map<String, OnnxTensor> inputs = new HashMap<>();
    try {
      inputs.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(flat), shape));
      inputs.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(ones), shape));
      if (typeIds) {
        inputs.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(new long[flat.length]), shape));
      }
      try (OrtSession.Result result = session.run(inputs)) {
        float[][][] hidden = (float[][][]) result.get(0).getValue();
        float[][] out = new float[batch.size()][];
        for (int k = 0; k < hidden.length; k++) {
          out[k] = Vectors.normalized(unit(cls ? hidden[k][0].clone() : mean(hidden[k])));
        }
        return out;
      }
    } catch (OrtException e) {
      throw new IllegalStateException("The embedding model failed on a batch of " + batch.size() + " texts of " + length + " tokens: "
          + e.getMessage(), e);
    } finally {
      inputs.values().forEach(OnnxTensor::close);
    }
  }

  /** The average of the token vectors, summed in position order in float (as langchain4j pools). */
  private static float[] mean(float[][] tokens) {
    float[] sum = new float[tokens[0].length];
    for (float[] t : tokens) {
      for (int d = 0; d < sum.length; d++) {
        sum[d] += t[d];
      }
    }
    for (int d = 0; d < sum.length; d++) {
      sum[d] /= tokens.length;
    }
    return sum;
  }

  /** langchain4j's normalisation (float sum of squares, its square root as a float), kept so both paths agree to the bit. */
  private static float[] unit(float[] v) {
    float squares = 0f;
    for (float x : v) {
      squares += x * x;
    }
    float norm = (float) Math.sqrt(squares);
    float[] out = new float[v.length];
    for (int d = 0; d < v.length; d++) {
      out[d] = v[d] / norm;
    }
    return out;
  }

  /** langchain4j's path for every text, windows included: the reference the batched path is tested against. */
  float[] embedOneByOne(String text) {
    return Vectors.normalized(model.embed(text).content().vector());
  }

  public float[] embed(String text) {
    return embed(List.of(text))[0];
  }

  /** Texts per ONNX call at most: {@link #MAX_BATCH}, or 1 for a model whose vectors depend on their batch-mates. */
  int maxBatch() {
    return maxBatch;
  }

  public int dimension() {
    return model.dimension();
  }

  @Override
  public void close() {
    try {
      tokenizer.close();
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException("Cannot close the ONNX session: " + e.getMessage(), e);
    }
  }

  /** langchain4j's in-process model over our session; its executor runs in the caller's thread (the task is the unit). */
  private static final class Model extends AbstractInProcessEmbeddingModel {
    private final OnnxBertBiEncoder encoder;

    Model(OnnxBertBiEncoder encoder) {
      super(Runnable::run);
      this.encoder = encoder;
    }

    @Override
    protected OnnxBertBiEncoder model() {
      return encoder;
    }
  }
}
