package dev.distill.job.export;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * handoff/train/: s1's training recipe as a config (recipe.json), the reference trainer
 * (train.py, from the repository's training/) and its launcher (launch.sh, torchrun or
 * accelerate), so the bundle trains as it lands: {@code bash train/launch.sh MODEL_PATH BUNDLE_PATH}.
 */
public final class TrainingRecipe {
  public static final String DIR = "train";
  public static final String RECIPE = "recipe.json";
  /** Files copied from the jar (built from training/ of the repository). */
  public static final List<String> SCRIPTS = List.of("train.py", "launch.sh");

  /** S1.md "Training stage": the hyperparameters of s1's 26-minute run on 16 H100s. */
  public static Map<String, Object> recipe(int blockSize, long seed) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("recipe", "s1 (arXiv 2501.19393): full fine-tuning, loss on the assistant part only");
    r.put("num_train_epochs", 5);
    r.put("learning_rate", 1e-5);
    r.put("lr_scheduler_type", "cosine");
    r.put("warmup_ratio", 0.05);
    r.put("weight_decay", 1e-4);
    r.put("adam_beta1", 0.9);
    r.put("adam_beta2", 0.95);
    r.put("bf16", true);
    r.put("global_batch_size", 16);
    r.put("per_device_train_batch_size", 1);
    r.put("block_size", blockSize);
    r.put("gradient_checkpointing", true);
    r.put("response_template", ChatFormat.ASSISTANT);
    r.put("fsdp", "full_shard auto_wrap");
    r.put("fsdp_transformer_layer_cls_to_wrap", "Qwen2DecoderLayer");
    r.put("logging_steps", 1);
    r.put("save_strategy", "no");
    r.put("seed", seed);
    return r;
  }

  /** The bytes of a script bundled in the jar under distill/training/. */
  public static byte[] script(String name) {
    String resource = "distill/training/" + name;
    try (InputStream in = TrainingRecipe.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("Cannot copy " + name + " into the bundle: " + resource + " is not on the classpath; rebuild the jobs module");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + resource + ": " + e.getMessage(), e);
    }
  }

  private TrainingRecipe() {}
}
