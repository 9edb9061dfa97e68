package dev.distill.job.embed;

import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.error.ConfigException;
import dev.distill.job.io.Json;
import dev.distill.job.spark.HadoopConf;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Which sentence-embedding model a run uses ({@code embeddings.model}), resolved on the driver: a
 * bundled model (its ONNX file and tokenizer are resources of langchain4j's model jars) or a
 * directory, local or on any Hadoop filesystem, holding {@value #MODEL_FILE} and
 * {@value #TOKENIZER_FILE}. The sha256 of the ONNX file names the model in run.json; with the
 * pooling it keys the vector cache ({@link #cacheKey}), so a changed file or pooling never reuses
 * another model's vectors.
 */
public record ModelRef(String name, String resource, String directory, String pooling, String sha256, HadoopConf hadoop)
    implements Serializable {
  public static final String MODEL_FILE = "model.onnx";
  public static final String TOKENIZER_FILE = "tokenizer.json";
  /** Bundled models: name -> resource base name (the .onnx and -tokenizer.json beside it). */
  public static final Map<String, String> BUNDLED = Map.of(
      "all-minilm-l6-v2", "all-minilm-l6-v2",
      "all-minilm-l6-v2-q", "all-minilm-l6-v2-q");
  private static final Map<String, String> BUNDLED_SHA = new ConcurrentHashMap<>();
  /** Directory models' sha256 by (qualified path, length, modification time): hashed once per JVM, not per reader. */
  private static final Map<String, String> FILE_SHA = new ConcurrentHashMap<>();

  /** The configured model, checked: a bundled name, or a directory with both files. */
  public static ModelRef of(PipelineConfig.Embeddings config, Configuration hadoop) {
    String model = config.model().strip();
    String resource = BUNDLED.get(model);
    if (resource != null) {
      String sha = BUNDLED_SHA.computeIfAbsent(resource, r -> sha256(resourceStream(r + ".onnx")));
      return new ModelRef(model, resource, null, "mean", sha, null);
    }
    if (!model.contains("/")) {
      throw ConfigException.forKey("embeddings.model", "\"" + model + "\" is not a bundled model and not a path",
          "use one of " + new TreeSet<>(BUNDLED.keySet()) + ", or a directory holding " + MODEL_FILE + " and " + TOKENIZER_FILE);
    }
    Path dir = new Path(model);
    try {
      FileSystem fs = dir.getFileSystem(hadoop);
      for (String file : List.of(MODEL_FILE, TOKENIZER_FILE)) {
        if (!fs.isFile(new Path(dir, file))) {
          throw ConfigException.forKey("embeddings.model", "no " + file + " in " + model,
              "point it at a directory holding " + MODEL_FILE + " (a sentence-transformers model exported to ONNX) and its " + TOKENIZER_FILE);
        }
      }
      Path onnx = fs.makeQualified(new Path(dir, MODEL_FILE));
      FileStatus status = fs.getFileStatus(onnx);
      String sha = FILE_SHA.computeIfAbsent(onnx + "|" + status.getLen() + "|" + status.getModificationTime(), k -> {
        try {
          return sha256(fs.open(onnx));
        } catch (IOException e) {
          throw new UncheckedIOException("Cannot read the embedding model " + onnx + ": " + e.getMessage(), e);
        }
      });
      return new ModelRef(model, null, fs.makeQualified(dir).toString(), config.pooling(), sha, new HadoopConf(hadoop));
    } catch (FileNotFoundException e) {
      throw ConfigException.forKey("embeddings.model", "no directory at " + model, "point it at a directory holding " + MODEL_FILE + " and " + TOKENIZER_FILE);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the embedding model " + model + ": " + e.getMessage()
          + "; check that the store is reachable and the credentials (spark.hadoop.fs.*) are set", e);
    }
  }

  /** Where this model's vectors are cached: the ONNX file's sha256 and, when not the default mean, the pooling. */
  public String cacheKey() {
    return pooling.equals("mean") ? sha256 : sha256 + "-" + pooling;
  }

  public boolean bundled() {
    return resource != null;
  }

  /** What run.json records of the model. */
  public Map<String, Object> describe() {
    return Map.of("name", name, "sha256", sha256, "pooling", pooling);
  }

  static InputStream resourceStream(String name) {
    InputStream in = ModelRef.class.getClassLoader().getResourceAsStream(name);
    if (in == null) {
      throw new IllegalStateException("Cannot find the bundled model resource " + name
          + " on the classpath; the langchain4j-embeddings model jars belong in the application jar (dist)");
    }
    return in;
  }

  static String sha256(InputStream stream) {
    try (InputStream in = stream) {
      return Json.sha256(in);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the embedding model to hash it: " + e.getMessage(), e);
    }
  }
}
