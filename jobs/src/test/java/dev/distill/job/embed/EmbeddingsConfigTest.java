package dev.distill.job.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.SparkTestSession;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.error.ConfigException;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingsConfigTest {
  @TempDir
  Path tmp;

  @Test
  void defaultsAreOffWithTheBundledModel() {
    PipelineConfig c = SparkTestSession.config();
    assertEquals(new PipelineConfig.Embeddings(false, "all-minilm-l6-v2", "mean", 1, 64), c.embeddings());
    assertEquals(0.85, c.decontam().semanticThreshold());
    assertEquals(0.75, c.decontam().reviewThreshold());
    assertTrue(!new EmbedStage().enabled(c), "off by default: the plan has no embed step");
  }

  @Test
  void badSettingsNameTheKeyAndTheFix() {
    ConfigException typo = assertThrows(ConfigException.class, () -> SparkTestSession.config("embeddings.modle=x"));
    assertTrue(typo.getMessage().contains("embeddings.modle") && typo.getMessage().contains("model"), typo.getMessage());
    ConfigException band = assertThrows(ConfigException.class,
        () -> SparkTestSession.config("decontam.semantic_threshold=0.8", "decontam.review_threshold=0.9"));
    assertTrue(band.getMessage().contains("decontam.review_threshold") && band.getMessage().contains("at or below"), band.getMessage());
    ConfigException pooling = assertThrows(ConfigException.class, () -> SparkTestSession.config("embeddings.pooling=max"));
    assertTrue(pooling.getMessage().contains("embeddings.pooling"), pooling.getMessage());
    ConfigException unknown = assertThrows(ConfigException.class,
        () -> ModelRef.of(SparkTestSession.config("embeddings.model=minilm").embeddings(), new Configuration()));
    assertTrue(unknown.getMessage().contains("all-minilm-l6-v2-q"), unknown.getMessage());
    ConfigException missing = assertThrows(ConfigException.class,
        () -> ModelRef.of(SparkTestSession.config("embeddings.model='" + tmp + "'").embeddings(), new Configuration()));
    assertTrue(missing.getMessage().contains("no model.onnx in " + tmp), missing.getMessage());
  }

  @Test
  void aDirectoryModelGivesTheBundledModelsVectors() throws java.io.IOException {
    try (var onnx = ModelRef.resourceStream("all-minilm-l6-v2-q.onnx"); var tokenizer = ModelRef.resourceStream("all-minilm-l6-v2-q-tokenizer.json")) {
      java.nio.file.Files.copy(onnx, tmp.resolve(ModelRef.MODEL_FILE));
      java.nio.file.Files.copy(tokenizer, tmp.resolve(ModelRef.TOKENIZER_FILE));
    }
    ModelRef bundled = ModelRef.of(SparkTestSession.config("embeddings.model=all-minilm-l6-v2-q").embeddings(), new Configuration());
    ModelRef directory = ModelRef.of(SparkTestSession.config("embeddings.model='" + tmp + "'").embeddings(), new Configuration());
    assertEquals(bundled.sha256(), directory.sha256(), "the same ONNX file, the same cache key");
    String q = "Find the area of a circle with radius 5.";
    try (SentenceEncoder a = SentenceEncoder.open(bundled, 1); SentenceEncoder b = SentenceEncoder.open(directory, 1)) {
      assertEquals(1.0, Vectors.dot(a.embed(q), b.embed(q)), 1e-6);
    }
  }
}
