package dev.distill.job.export;

import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * handoff/README.md: a Hugging Face dataset card. A YAML header (license, size category,
 * features, split size, data file), then the run id, config sha256, strategy, seed, the funnel,
 * the domain table and the token statistics.
 */
final class DatasetCard {

  /** What the card shows; maps keep their iteration order. */
  record Facts(String runId, String configSha256, String strategy, long seed, String license, long rows, long arrowBytes,
      long parquetBytes, Map<String, Long> funnel, Map<String, Long> domains, Map<String, String> domainTitles,
      Map<String, Object> tokens, long rowsWithoutTrace) {}

  static String render(StructType schema, Facts f) {
    StringBuilder md = new StringBuilder();
    header(md, schema, f);
    summary(md, f);
    tables(md, f);
    files(md);
    return md.toString();
  }

  /** The YAML block the Hub reads: license, size category, features, the train split and its data file. */
  private static void header(StringBuilder md, StructType schema, Facts f) {
    md.append("---\n");
    md.append("license: ").append(yaml(f.license())).append('\n');
    md.append("pretty_name: ").append(yaml("distill selection " + f.runId())).append('\n');
    md.append("task_categories:\n- text-generation\n");
    md.append("tags:\n- reasoning\n- s1\n- distill\n");
    md.append("size_categories:\n- ").append(sizeCategory(f.rows())).append('\n');
    md.append("dataset_info:\n  features:\n");
    for (StructField field : schema.fields()) {
      md.append("  - name: ").append(field.name()).append('\n');
      if (field.dataType() instanceof ArrayType array) {
        md.append("    sequence: ").append(dtype(array.elementType().simpleString())).append('\n');
      } else {
        md.append("    dtype: ").append(dtype(field.dataType().simpleString())).append('\n');
      }
    }
    md.append("  splits:\n  - name: train\n    num_bytes: ").append(f.arrowBytes()).append("\n    num_examples: ").append(f.rows()).append('\n');
    md.append("  download_size: ").append(f.parquetBytes()).append('\n');
    md.append("  dataset_size: ").append(f.arrowBytes()).append('\n');
    md.append("configs:\n- config_name: default\n  data_files:\n  - split: train\n    path: train.parquet\n");
    md.append("---\n\n");
  }

  private static void summary(StringBuilder md, Facts f) {
    md.append("# distill selection ").append(f.runId()).append("\n\n");
    md.append(String.format(Locale.ROOT, "%,d training rows selected by distill with the `%s` strategy, in s1's chat format "
        + "(`text`: system, user, assistant with `<|im_start|>think` and `<|im_start|>answer`), ready for the s1 recipe in "
        + "`train/`.%n%n", f.rows(), f.strategy()));
    md.append("| run | value |\n|---|---|\n");
    md.append("| run id | `").append(f.runId()).append("` |\n");
    md.append("| config sha256 | `").append(f.configSha256()).append("` |\n");
    md.append("| strategy | ").append(f.strategy()).append(" |\n");
    md.append("| seed | ").append(f.seed()).append(" |\n");
    md.append("| rows | ").append(f.rows()).append(" |\n");
    md.append("| rows without a teacher trace | ").append(f.rowsWithoutTrace()).append(" |\n\n");
  }

  /** The funnel, the domain table and the token statistics. */
  private static void tables(StringBuilder md, Facts f) {
    md.append("## Funnel\n\n| stage | rows |\n|---|---:|\n");
    f.funnel().forEach((stage, rows) -> md.append("| ").append(stage).append(" | ").append(String.format(Locale.ROOT, "%,d", rows)).append(" |\n"));

    md.append("\n## Domains (top-level MSC codes)\n\n| code | domain | rows | share |\n|---|---|---:|---:|\n");
    f.domains().forEach((code, rows) -> md.append("| ").append(code).append(" | ").append(f.domainTitles().getOrDefault(code, ""))
        .append(" | ").append(rows).append(" | ")
        .append(String.format(Locale.ROOT, "%.1f%%", f.rows() == 0 ? 0.0 : 100.0 * rows / f.rows())).append(" |\n"));

    md.append("\n## Tokens of `text`\n\n| figure | value |\n|---|---:|\n");
    f.tokens().forEach((k, v) -> md.append("| ").append(k).append(" | ")
        .append(v instanceof Number n ? String.format(Locale.ROOT, "%,d", n.longValue()) : "`" + v + "`").append(" |\n"));
    md.append("\ns1K, for scale: 1,000 rows, about 4.7M tokens; block size 32,768.\n");
  }

  private static void files(StringBuilder md) {
    md.append("\n## Files\n\n");
    md.append("- `train.jsonl`, `train.parquet`: the rows in rank order\n");
    md.append("- `arrow/`: `datasets.load_from_disk(\"arrow\")` opens it unchanged\n");
    md.append("- `manifest.json`: rows, columns, sha256 and size of every file, token statistics\n");
    md.append("- `train/`: `recipe.json` (s1's hyperparameters), `train.py` and `launch.sh`\n\n");
    md.append("Check the bundle before training: `bin/distill verify-handoff DIR` or "
        + "`python3 train/train.py --dry-run --bundle DIR`; train: `bash train/launch.sh MODEL_PATH DIR`.\n");
  }

  private static String dtype(String spark) {
    return switch (spark) {
      case "int" -> "int32";
      case "bigint" -> "int64";
      case "boolean" -> "bool";
      default -> spark;
    };
  }

  static String sizeCategory(long rows) {
    if (rows < 1_000) {
      return "n<1K";
    }
    if (rows < 10_000) {
      return "1K<n<10K";
    }
    if (rows < 100_000) {
      return "10K<n<100K";
    }
    return rows < 1_000_000 ? "100K<n<1M" : "1M<n<10M";
  }

  private static String yaml(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private DatasetCard() {}
}
