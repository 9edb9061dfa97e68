package dev.distill.job.export;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;

import dev.distill.job.SparkTestSession;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.io.RunDirectory;
import dev.distill.job.io.StageResult;
import dev.distill.job.spark.TokenizerFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/** A small selection exported into a real handoff bundle, for the export, verifier and dry-run tests, and the inputs of each bundle part written alone. */
final class Bundles {
  static final String RUN_ID = "bundle-test";
  static final String CONFIG_SHA = "c0ffee".repeat(10) + "abcd";
  /** The row whose text is far over the tests' block size of 400 (estimated) tokens. */
  static final String LONG_QUESTION = "How many steps does the long careful check of the case n = 5 take?";

  static Dataset<Row> selection() {
    List<Row> rows = new ArrayList<>();
    rows.add(SparkTestSession.candidate("Find the area of a triangle with sides 3, 4 and 5 (geometry).").trace("Right triangle: legs 3 and 4.")
        .attempt("6").solution("Area = 3*4/2 = 6.").row());
    rows.add(SparkTestSession.candidate("Compute $\\sum_{k=1}^{10} k^2$ exactly.").trace("Use n(n+1)(2n+1)/6 with n = 10.")
        .attempt("The sum is 385. Answer: 385").source("math/train").row());
    rows.add(SparkTestSession.candidate(LONG_QUESTION).trace("We check the case n = 5 again, carefully, step by step. ".repeat(250))
        .attempt("250").row());
    rows.add(SparkTestSession.candidate("Is 91 a prime number? Explain with a factorisation.").solution("No: 91 = 7 * 13.").answer("no").row());
    rows.add(SparkTestSession.candidate("Solve for x in 2x + 3 = 11, with a short explanation.").trace("Subtract 3, divide by 2: x = 4.")
        .attempt("4").metadata("{\"year\": 2020}").row());
    rows.add(SparkTestSession.candidate("Différence entre 10 et 3 ? Calcule « 10 − 3 » 😀.").trace("10 − 3 = 7 ✓").attempt("7").row());
    return SparkTestSession.candidates(rows)
        .withColumn("rank", row_number().over(Window.orderBy(col("question").desc())).minus(1))
        .withColumn("domain", when(col("question").contains("geometry"), lit("51")).otherwise(lit("11")))
        .withColumn("strategy", lit("s1"))
        .withColumn("why", lit("test"));
  }

  /** Exports {@link #selection()} into {@code runRoot}/handoff with a block size of 400 plus the overrides. */
  static StageResult export(Path runRoot, String... overrides) {
    List<String> all = new ArrayList<>(List.of("export.block_size=400", "export.license=mit"));
    all.addAll(List.of(overrides));
    Map<String, Long> funnel = new LinkedHashMap<>();
    funnel.put("read", 60L);
    funnel.put("select", 6L);
    return ExportStage.run(SparkTestSession.context(runRoot, all.toArray(String[]::new)), selection(), RUN_ID, CONFIG_SHA, funnel);
  }

  /** {@link #selection()} as export builds it, in rank order: {@code TrainRowBuilder.SCHEMA}, block size 400, {@code tooLong}. */
  static Dataset<Row> trainRows(String tooLong) {
    PipelineConfig config = SparkTestSession.config("export.block_size=400", "export.too_long=" + tooLong);
    TokenizerFile tokenizer = TokenizerFile.forExport(config, SparkTestSession.get().sparkContext().hadoopConfiguration());
    return TrainRows.build(selection(), tokenizer, config.export(), TooLongPolicy.of(tooLong));
  }

  /** {@code rows} counted as export's pass counts them (block size 400, drop). */
  static RowTally tally(List<Row> rows) {
    RowTally tally = new RowTally(new TokenStats(400, TooLongPolicy.DROP));
    rows.forEach(tally::add);
    return tally;
  }

  /** {@code runRoot}/handoff on the local filesystem, for a bundle part written alone. */
  static HandoffDir handoff(Path runRoot) {
    return new HandoffDir(new RunDirectory(runRoot.toString(), new Configuration()));
  }

  static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path p : (Iterable<Path>) paths::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  private Bundles() {}
}
