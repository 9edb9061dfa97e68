package dev.distill.job.embed;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.AbstractInProcessEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.OnnxBertBiEncoder;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * One loaded sentence-embedding model: texts in, L2-normalised vectors out. ONNX Runtime runs it
 * with {@code threads} intra-op threads; langchain4j's encoder tokenizes (DJL's HuggingFace
 * tokenizer), splits a text longer than the model's 512 positions into windows and averages them,
 * and pools the token vectors. Thread-safe: the ONNX session is.
 */
public final class SentenceEncoder implements AutoCloseable {
  private final OrtSession session;
  private final Model model;

  private SentenceEncoder(OrtSession session, OnnxBertBiEncoder encoder) {
    this.session = session;
    this.model = new Model(encoder);
  }

  /** Loads {@code ref} (a bundled model from its jar, a directory model from its local copy). */
  public static SentenceEncoder open(ModelRef ref, int threads) {
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(threads);
      options.setInterOpNumThreads(1);
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      if (ref.bundled()) {
        byte[] onnx;
        try (InputStream in = ModelRef.resourceStream(ref.resource() + ".onnx")) {
          onnx = in.readAllBytes();
        }
        OrtSession session = env.createSession(onnx, options);
        try (InputStream tokenizer = ModelRef.resourceStream(ref.resource() + "-tokenizer.json")) {
          return new SentenceEncoder(session, new OnnxBertBiEncoder(env, session, tokenizer, pooling(ref)));
        }
      }
      java.nio.file.Path dir = ModelCopies.local(ref);
      OrtSession session = env.createSession(dir.resolve(ModelRef.MODEL_FILE).toString(), options);
      try (InputStream tokenizer = Files.newInputStream(dir.resolve(ModelRef.TOKENIZER_FILE))) {
        return new SentenceEncoder(session, new OnnxBertBiEncoder(env, session, tokenizer, pooling(ref)));
      }
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
    List<TextSegment> segments = new ArrayList<>();
    for (String t : texts) {
      if (t != null && !t.isBlank()) {
        segments.add(TextSegment.from(t));
      }
    }
    List<Embedding> vectors = segments.isEmpty() ? List.of() : model.embedAll(segments).content();
    float[][] out = new float[texts.size()][];
    int next = 0;
    for (int i = 0; i < texts.size(); i++) {
      String t = texts.get(i);
      out[i] = t == null || t.isBlank() ? new float[dimension()] : Vectors.normalized(vectors.get(next++).vector());
    }
    return out;
  }

  public float[] embed(String text) {
    return embed(List.of(text))[0];
  }

  public int dimension() {
    return model.dimension();
  }

  @Override
  public void close() {
    try {
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
