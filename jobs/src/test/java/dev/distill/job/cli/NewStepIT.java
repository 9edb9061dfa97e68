package dev.distill.job.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.job.api.Stage;
import dev.distill.job.api.StageContext;
import dev.distill.job.dedup.DedupStage;
import dev.distill.job.error.ExitCode;
import dev.distill.job.run.Plan;
import dev.distill.job.schema.Columns;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * A new step is one class and one registration: given to the plan the CLI runs (here after dedup),
 * it appears in the usage, runs and reconciles in run.json, gets a chained fingerprint and commit
 * (so a rerun reuses it), writes removed/ rows with its reason and shows in the report.
 */
class NewStepIT {

  /** The step a newcomer adds: drop questions longer than a cap. */
  static final class LengthCapStage implements Stage {
    static final String NAME = "length_cap";
    static final String OVER_CAP = "question_over_cap";
    static final int MAX_CHARS = 160;

    @Override
    public String name() {
      return NAME;
    }

    @Override
    public String description() {
      return "length_cap: questions over " + MAX_CHARS + " characters";
    }

    @Override
    public List<String> reasons() {
      return List.of(OVER_CAP);
    }

    @Override
    public Dataset<Row> apply(StageContext context, Dataset<Row> input) {
      return input.withColumn(Columns.REASON, when(length(col(Columns.QUESTION)).gt(MAX_CHARS), lit(OVER_CAP)))
          .withColumn(Columns.DETAIL, lit(null).cast("string"));
    }
  }

  static final Plans WITH_CAP = (config, console) -> Plan.of(config, console).with(new LengthCapStage(), DedupStage.NAME);

  @Test
  void aStepRegisteredOnceIsInTheUsageTheFingerprintsRunJsonAndTheReport() throws Exception {
    String usage = execute("run", "--help").replaceAll("\\s+", " ");
    assertTrue(usage.contains("dedup -> length_cap -> difficulty"), usage);

    Path out = Files.createTempDirectory("distill-new-step-it");
    String[] run = {"run", "--output", out.toString(), "--run-id", "r", "--set", "sample_pool.rows=600", "--set", "select.size=100",
        "--set", "spark.master=local[2]", "--set", "spark.conf={spark.ui.enabled: 'false'}"};
    String first = execute(run);
    assertTrue(first.contains("stage 5/9 length_cap"), first);

    ObjectMapper json = new ObjectMapper();
    JsonNode doc = json.readTree(out.resolve("r/run.json").toFile());
    List<String> names = new ArrayList<>();
    doc.get("stages").forEach(s -> names.add(s.get("name").asText()));
    assertEquals(List.of("ingest", "quality", "decontam", "dedup", "length_cap", "difficulty", "domains", "select", "export"), names);
    JsonNode cap = doc.get("stages").get(4);
    JsonNode dedup = doc.get("stages").get(3);
    long removed = cap.get("removed").path(LengthCapStage.OVER_CAP).asLong();
    assertTrue(removed > 0, "the sample pool has questions over the cap: " + cap);
    assertEquals(dedup.get("rows_out").asLong(), cap.get("rows_in").asLong(), "it reads what dedup kept");
    assertEquals(cap.get("rows_in").asLong(), cap.get("rows_out").asLong() + removed, "it reconciles");
    assertEquals(cap.get("rows_out").asLong(), doc.get("funnel").get("length_cap").asLong());

    JsonNode commit = json.readTree(out.resolve("r/commits/length_cap.json").toFile());
    assertEquals(cap.get("fingerprint").asText(), commit.get("fingerprint").asText(), "committed under its own fingerprint");
    assertTrue(Files.exists(out.resolve("r/removed/length_cap/_SUCCESS")), "its removed rows are kept");
    String report = Files.readString(out.resolve("r/report/index.html"));
    assertTrue(report.contains(">length_cap<"), "the report's funnel names it");
    assertTrue(report.contains(LengthCapStage.OVER_CAP), "and its reason");

    String second = execute(run);
    assertTrue(second.contains("(9 of 9 stages reused)"), "a rerun reuses it like every step: " + second);
  }

  private static String execute(String... args) {
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int code;
    try {
      CommandLine cli = Main.commandLine(WITH_CAP);
      code = cli.execute(args);
    } finally {
      System.setOut(original);
    }
    String printed = captured.toString(StandardCharsets.UTF_8);
    assertEquals(ExitCode.OK, code, printed);
    return printed;
  }
}
