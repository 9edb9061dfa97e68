package dev.distill.job.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.SparkTestSession;
import dev.distill.job.io.StageResult;
import dev.distill.job.io.Json;
import dev.distill.udf.tokens.EstimatedTokenCounter;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExportStageTest {
  @TempDir static Path tmp;
  Path run;
  Path handoff;
  StageResult result;

  @BeforeAll
  void exportWithTheDefaultPolicy() {
    run = tmp.resolve("drop");
    handoff = run.resolve("handoff");
    result = Bundles.export(run);
  }

  /** Every row of the Arrow stream, each value as Java reads it (Text -> String, lists -> List<String>). */
  static List<List<Object>> arrowRows(Path file, List<Schema> schemaOut) throws Exception {
    List<List<Object>> rows = new ArrayList<>();
    try (RootAllocator allocator = new RootAllocator(); InputStream in = Files.newInputStream(file);
        ArrowStreamReader reader = new ArrowStreamReader(in, allocator)) {
      VectorSchemaRoot root = reader.getVectorSchemaRoot();
      schemaOut.add(root.getSchema());
      while (reader.loadNextBatch()) {
        for (int i = 0; i < root.getRowCount(); i++) {
          List<Object> row = new ArrayList<>();
          for (FieldVector v : root.getFieldVectors()) {
            Object value = v.getObject(i);
            if (v instanceof ListVector && value != null) {
              List<String> items = new ArrayList<>();
              ((List<?>) value).forEach(x -> items.add(x.toString()));
              value = items;
            } else if (value instanceof org.apache.arrow.vector.util.Text t) {
              value = t.toString();
            }
            row.add(value);
          }
          rows.add(row);
        }
      }
    }
    return rows;
  }

  @Test
  void arrowStreamHoldsTheParquetRowsValueForValue() throws Exception {
    List<Schema> schema = new ArrayList<>();
    List<List<Object>> arrow = arrowRows(handoff.resolve("arrow/data-00000-of-00001.arrow"), schema);
    List<Row> parquet = SparkTestSession.get().read().parquet(handoff.resolve("train.parquet").toString()).collectAsList();
    assertEquals(5, parquet.size(), "six selected, the long one dropped");
    assertEquals(parquet.size(), arrow.size());
    assertEquals(BundleSchema.COLUMNS, schema.get(0).getFields().stream().map(Field::getName).toList());
    assertEquals(BundleSchema.COLUMNS, List.of(parquet.get(0).schema().fieldNames()));
    for (int r = 0; r < parquet.size(); r++) {
      Row p = parquet.get(r);
      for (int c = 0; c < BundleSchema.COLUMNS.size(); c++) {
        Object expected = p.get(c);
        if (expected instanceof scala.collection.Seq<?> seq) {
          expected = new ArrayList<>(scala.jdk.javaapi.CollectionConverters.asJava(seq));
        }
        assertEquals(expected, arrow.get(r).get(c), "row " + r + " column " + BundleSchema.COLUMNS.get(c));
      }
    }
    // The JSON Lines file holds the same rows in the same order.
    List<String> lines = Files.readAllLines(handoff.resolve("train.jsonl"), StandardCharsets.UTF_8);
    assertEquals(parquet.size(), lines.size());
    for (int r = 0; r < lines.size(); r++) {
      JsonNode line = Json.MAPPER.readTree(lines.get(r));
      assertEquals(parquet.get(r).getAs("text"), line.get("text").asText());
      assertEquals((int) parquet.get(r).getAs("text_tokens"), line.get("text_tokens").asInt());
      assertTrue(line.get("cot").isNull());
    }
  }

  @Test
  void arrowTypesAreTheOnesDatasetsWrites() throws Exception {
    List<Schema> schema = new ArrayList<>();
    arrowRows(handoff.resolve("arrow/data-00000-of-00001.arrow"), schema);
    Schema s = schema.get(0);
    Field trajectories = s.findField("thinking_trajectories");
    assertEquals(ArrowType.ArrowTypeID.List, trajectories.getType().getTypeID());
    assertEquals("item", trajectories.getChildren().get(0).getName(), "pyarrow's list child name");
    assertEquals(ArrowType.ArrowTypeID.Utf8, trajectories.getChildren().get(0).getType().getTypeID());
    assertEquals(new ArrowType.Int(32, true), s.findField("text_tokens").getType());
    assertEquals(ArrowType.Bool.INSTANCE, s.findField("truncated").getType());
    assertTrue(s.getFields().stream().allMatch(Field::isNullable), "datasets writes every field nullable");
    JsonNode embedded = Json.MAPPER.readTree(s.getCustomMetadata().get("huggingface"));
    JsonNode info = Json.MAPPER.readTree(Files.readString(handoff.resolve("arrow/dataset_info.json")));
    assertEquals(info.get("features"), embedded.get("info").get("features"));
  }

  @Test
  void stateAndDatasetInfoFollowTheSaveToDiskLayout() throws Exception {
    JsonNode state = Json.MAPPER.readTree(Files.readString(handoff.resolve("arrow/state.json")));
    assertEquals("data-00000-of-00001.arrow", state.get("_data_files").get(0).get("filename").asText());
    assertEquals(1, state.get("_data_files").size());
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest(Files.readAllBytes(handoff.resolve("arrow/data-00000-of-00001.arrow"))));
    assertEquals(sha.substring(0, 16), state.get("_fingerprint").asText());
    for (String key : List.of("_format_columns", "_format_type")) {
      assertTrue(state.has(key) && state.get(key).isNull(), key);
    }
    assertTrue(state.get("_format_kwargs").isObject());
    assertFalse(state.get("_output_all_columns").asBoolean());
    JsonNode info = Json.MAPPER.readTree(Files.readString(handoff.resolve("arrow/dataset_info.json")));
    JsonNode features = info.get("features");
    assertEquals(Json.MAPPER.readTree("{\"dtype\": \"string\", \"_type\": \"Value\"}"), features.get("question"));
    assertEquals("Sequence", features.get("thinking_trajectories").get("_type").asText());
    assertEquals("string", features.get("thinking_trajectories").get("feature").get("dtype").asText());
    assertEquals("int32", features.get("text_tokens").get("dtype").asText());
    assertEquals("bool", features.get("truncated").get("dtype").asText());
    assertEquals(5, info.get("splits").get("train").get("num_examples").asInt());
    assertEquals("mit", info.get("license").asText());
  }

  @Test
  void tooLongRowsAreDroppedIntoRemovedAndTheStageReconciles() throws Exception {
    assertTrue(result.reconciles());
    assertEquals(6, result.rowsIn());
    assertEquals(5, result.rowsOut());
    assertEquals(1L, result.removed().get("too_long"));
    List<Row> removed = SparkTestSession.get().read().parquet(run.resolve("removed/export").toString()).collectAsList();
    assertEquals(1, removed.size());
    assertEquals(Bundles.LONG_QUESTION, removed.get(0).getAs("question"));
    assertEquals("too_long", removed.get(0).getAs("reason"));
    assertTrue(removed.get(0).<String>getAs("detail").contains("export.block_size=400"));
    JsonNode tokens = Json.MAPPER.readTree(Files.readString(handoff.resolve("manifest.json"))).get("tokens");
    assertEquals(1, tokens.get("rows_over_block_size").asInt());
    assertEquals(1, tokens.get("rows_dropped_too_long").asInt());
    assertEquals("drop", tokens.get("too_long").asText());
    assertEquals(400, tokens.get("block_size").asInt());
  }

  @Test
  void tokenTotalsAreTheTokensOfEveryTextWritten() throws Exception {
    EstimatedTokenCounter counter = new EstimatedTokenCounter();
    long total = 0;
    int max = 0;
    for (String line : Files.readAllLines(handoff.resolve("train.jsonl"), StandardCharsets.UTF_8)) {
      JsonNode row = Json.MAPPER.readTree(line);
      int tokens = counter.count(row.get("text").asText());
      assertEquals(tokens, row.get("text_tokens").asInt());
      total += tokens;
      max = Math.max(max, tokens);
    }
    JsonNode manifest = Json.MAPPER.readTree(Files.readString(handoff.resolve("manifest.json")));
    assertEquals("estimated", manifest.get("tokens").get("counting").asText());
    assertEquals(total, manifest.get("tokens").get("total_text_tokens").asLong());
    assertEquals(max, manifest.get("tokens").get("max_text_tokens").asInt());
    assertTrue(manifest.get("tokens").get("total_text_tokens_before_policy").asLong() > total + 400, "the dropped row counted before the policy");
    assertEquals(1, manifest.get("rows_without_teacher_trace").asInt());
  }

  @Test
  void manifestListsEveryFileOfTheBundleWithItsChecksumAndSize() throws Exception {
    JsonNode files = Json.MAPPER.readTree(Files.readString(handoff.resolve("manifest.json"))).get("files");
    List<String> names = new ArrayList<>();
    files.fieldNames().forEachRemaining(names::add);
    assertEquals(List.of("train.jsonl", "train.parquet", "arrow/data-00000-of-00001.arrow", "arrow/dataset_info.json", "arrow/state.json",
        "README.md", "train/recipe.json", "train/train.py", "train/launch.sh"), names);
    for (String name : names) {
      byte[] bytes = Files.readAllBytes(handoff.resolve(name));
      assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)), files.get(name).get("sha256").asText(), name);
      assertEquals(bytes.length, files.get(name).get("bytes").asLong(), name);
    }
    assertEquals(Files.readString(dev.distill.job.SharedPaths.repoRoot().resolve("training/train.py")),
        Files.readString(handoff.resolve("train/train.py")), "the bundle carries the repository's trainer");
  }

  @Test
  void recipeIsS1sWithTheConfiguredBlockSize() throws Exception {
    JsonNode recipe = Json.MAPPER.readTree(Files.readString(handoff.resolve("train/recipe.json")));
    assertEquals(5, recipe.get("num_train_epochs").asInt());
    assertEquals(1e-5, recipe.get("learning_rate").asDouble());
    assertEquals("cosine", recipe.get("lr_scheduler_type").asText());
    assertEquals(0.05, recipe.get("warmup_ratio").asDouble());
    assertEquals(1e-4, recipe.get("weight_decay").asDouble());
    assertEquals(0.95, recipe.get("adam_beta2").asDouble());
    assertEquals(16, recipe.get("global_batch_size").asInt());
    assertEquals(400, recipe.get("block_size").asInt());
    assertEquals("Qwen2DecoderLayer", recipe.get("fsdp_transformer_layer_cls_to_wrap").asText());
  }

  @Test
  void datasetCardHasTheHeaderTheRunTheFunnelTheDomainsAndTheTokens() throws Exception {
    String card = Files.readString(handoff.resolve("README.md"));
    assertTrue(card.startsWith("---\nlicense: \"mit\"\n"), card);
    assertTrue(card.contains("  - name: thinking_trajectories\n    sequence: string\n"), card);
    assertTrue(card.contains("    num_examples: 5\n"), card);
    assertTrue(card.contains("| run id | `" + Bundles.RUN_ID + "` |"), card);
    assertTrue(card.contains("| config sha256 | `" + Bundles.CONFIG_SHA + "` |"), card);
    assertTrue(card.contains("| strategy | s1 |") && card.contains("| seed | 42 |"), card);
    assertTrue(card.contains("| read | 60 |") && card.contains("| export | 5 |"), card);
    assertTrue(card.contains("| 51 | Geometry | 1 | 20.0% |"), card);
    assertTrue(card.contains("| 11 | Number theory | 4 | 80.0% |"), card);
    assertTrue(card.contains("| rows_over_block_size | 1 |"), card);
  }

  @Test
  void truncatePolicyCutsTheTextToTheBlockSizeAndFlagsIt(@TempDir Path other) throws Exception {
    StageResult r = Bundles.export(other, "export.too_long=truncate");
    assertEquals(6, r.rowsOut());
    assertTrue(r.removed().isEmpty());
    EstimatedTokenCounter counter = new EstimatedTokenCounter();
    int truncated = 0;
    for (String line : Files.readAllLines(other.resolve("handoff/train.jsonl"), StandardCharsets.UTF_8)) {
      JsonNode row = Json.MAPPER.readTree(line);
      String text = row.get("text").asText();
      if (row.get("truncated").asBoolean()) {
        truncated++;
        assertTrue(row.get("question").asText().equals(Bundles.LONG_QUESTION));
        assertTrue(counter.count(text) <= 400 && counter.count(text) > 390, "cut near the block size: " + counter.count(text));
        String full = ChatFormat.text(ChatFormat.DEFAULT_SYSTEM, Bundles.LONG_QUESTION, row.get("thinking_trajectories").get(0).asText(), "250");
        assertTrue(full.startsWith(text), "a prefix of the full text");
        assertNull(ChatFormat.missingMarker(text, true));
        assertEquals(ChatFormat.ANSWER, ChatFormat.missingMarker(text, false), "the answer was cut off");
      }
    }
    assertEquals(1, truncated);
    JsonNode tokens = Json.MAPPER.readTree(Files.readString(other.resolve("handoff/manifest.json"))).get("tokens");
    assertEquals(1, tokens.get("rows_truncated").asInt());
    assertTrue(HandoffVerifier.verify(other.resolve("handoff").toString(), SparkTestSession.get().sparkContext().hadoopConfiguration()).ok());
  }

  @Test
  void keepPolicyWritesTheLongRowAsItIsAndCountsIt(@TempDir Path other) throws Exception {
    StageResult r = Bundles.export(other, "export.too_long=keep");
    assertEquals(6, r.rowsOut());
    JsonNode manifest = Json.MAPPER.readTree(Files.readString(other.resolve("handoff/manifest.json")));
    assertEquals(1, manifest.get("tokens").get("rows_over_block_size").asInt());
    assertEquals(0, manifest.get("tokens").get("rows_truncated").asInt());
    assertTrue(manifest.get("tokens").get("max_text_tokens").asInt() > 400);
  }
}
