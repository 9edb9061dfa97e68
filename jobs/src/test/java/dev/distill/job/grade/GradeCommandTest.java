package dev.distill.job.grade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.job.SparkTestSession;
import dev.distill.job.cli.Main;
import dev.distill.job.error.BadInputException;
import dev.distill.job.error.ConfigException;
import dev.distill.job.error.ExitCode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GradeCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  private Path write(String name, String content) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, content);
    return file;
  }

  /** Runs the command into memory; returns the parsed output lines. */
  private List<JsonNode> grade(GradeCommand command, ByteArrayOutputStream log) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    command.output(out).log(new PrintStream(log, true, StandardCharsets.UTF_8)).execute();
    List<JsonNode> lines = new ArrayList<>();
    for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
      if (!line.isEmpty()) {
        lines.add(JSON.readTree(line));
      }
    }
    return lines;
  }

  private static String describe(JsonNode line) {
    return line.get("row").asLong() + " " + line.get("path").asText() + " " + line.get("extracted").asText() + " "
        + line.get("reference").asText() + " " + line.get("verdict").asText() + " " + line.get("rule").asText();
  }

  @Test
  void gradesEachSelectedResponseOfEveryRow() throws Exception {
    Path file = write("samples.jsonl", String.join("\n",
        "{\"gt\": \"\\\\frac{1}{2}\", \"response\": [\"so $\\\\boxed{0.5}$\", \"The answer is 1/3.\", \"no idea\"]}",
        "{\"gt\": \"10{,}000\", \"response\": [\"#### 10,000\"]}",
        "{\"gt\": \"7\", \"response\": []}"));
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    List<JsonNode> lines = grade(GradeCommand.of(file).response("response[*]").reference("gt"), log);

    assertEquals(List.of(
        "1 response[0] 0.5 \\frac{1}{2} correct boxed",
        "1 response[1] 1/3 \\frac{1}{2} incorrect the_answer_is",
        "1 response[2] null \\frac{1}{2} no_answer none",
        "2 response[0] 10,000 10000 correct gsm8k_hashes",
        "3 response[*] null 7 no_answer missing_response"), lines.stream().map(GradeCommandTest::describe).toList());
    assertTrue(lines.get(2).get("extracted").isNull());
  }

  @Test
  void summaryCountsVerdictsRulesAndRowsWithoutValues() throws Exception {
    Path file = write("gsm.jsonl", String.join("\n",
        "{\"ground_truth\": \"2 + 3 = 5\\nA: 5\", \"m\": {\"solution\": \"2 + 3 = 5\\nA: 5\"}}",
        "{\"ground_truth\": \"A: 8\", \"m\": {\"solution\": \"A: 9\"}}",
        "{\"ground_truth\": \"A: 8\", \"other\": 1}",
        "{\"m\": {\"solution\": \"A: 9\"}}"));
    GradeSummary s = GradeCommand.of(file).response("m.solution").reference("ground_truth")
        .output(new ByteArrayOutputStream()).execute();

    assertEquals(4, s.rows());
    assertEquals(4, s.responses());
    assertEquals(1, s.correct());
    assertEquals(1, s.incorrect());
    assertEquals(2, s.noAnswer());
    assertEquals(0.5, s.noAnswerRate());
    assertEquals(Map.of("a_colon", 2L, "missing_response", 1L, "no_reference", 1L), s.rules());
    assertEquals(List.of(3L), s.firstRowsWithoutResponse());
    assertEquals(List.of(4L), s.firstRowsWithoutReference());
    String text = String.join("\n", s.lines());
    assertTrue(text.contains("rows with nothing at --response 'm.solution': 1 (rows 3)"), text);
    assertTrue(text.contains("no_answer 2 (50.00%)"), text);
  }

  @Test
  void readsJsonArraysZipsAndParquet() throws Exception {
    String array = "[{\"answer\": \"C\", \"generated_text\": \"Thinking... The answer is (C).\"},"
        + " {\"answer\": \"B\", \"generated_text\": \"Answer: D\"}]";
    Path json = write("mmlu.json", array);
    Path zip = dir.resolve("mmlu.zip");
    try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
      out.putNextEntry(new ZipEntry("model_outputs.json"));
      out.write(array.getBytes(StandardCharsets.UTF_8));
      out.closeEntry();
    }
    Path parquet = dir.resolve("mmlu.parquet");
    StructType schema = new StructType().add("answer", DataTypes.StringType).add("generated_text", DataTypes.StringType);
    SparkTestSession.get().createDataFrame(List.of(
            RowFactory.create("C", "Thinking... The answer is (C)."), RowFactory.create("B", "Answer: D")), schema)
        .coalesce(1).write().parquet(parquet.toString());

    List<String> expected = List.of("1 generated_text C C correct the_answer_is", "2 generated_text D B incorrect answer_colon");
    for (Path input : List.of(json, zip, parquet)) {
      List<JsonNode> lines = grade(GradeCommand.of(input).response("generated_text").reference("answer"), new ByteArrayOutputStream());
      assertEquals(expected, lines.stream().map(GradeCommandTest::describe).toList(), input.toString());
    }
  }

  @Test
  void unreadableLinesAreReportedWithRowAndLineAndTheRestIsGraded() throws Exception {
    Path file = write("bad.jsonl", "{\"r\": \"The answer is 5\", \"a\": \"5\"}\n{broken\n\n{\"r\": \"Answer: 4\", \"a\": \"5\"}\n");
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    GradeSummary s = GradeCommand.of(file).response("r").reference("a").output(out)
        .log(new PrintStream(log, true, StandardCharsets.UTF_8)).execute();

    assertEquals(1, s.unreadable());
    assertEquals(2, s.responses());
    String message = log.toString(StandardCharsets.UTF_8);
    assertTrue(message.contains("Cannot read " + file + " row 2 (line 2)"), message);
    assertTrue(message.contains("fix or remove that record"), message);
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("\"row\":3"), out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void pathsThatSelectNothingAnywhereFailNamingThePathAndTheFields() throws Exception {
    Path file = write("rows.jsonl", "{\"model_outputs\": \"The answer is (A).\", \"answer\": \"A\"}\n");
    Path output = dir.resolve("out/graded.jsonl");
    BadInputException e = assertThrows(BadInputException.class,
        () -> GradeCommand.of(file).response("generated_text").reference("answer").output(output).execute());
    assertTrue(e.getMessage().contains("--response 'generated_text' selects nothing in any of the 1 rows"), e.getMessage());
    assertTrue(e.getMessage().contains("[model_outputs, answer]"), e.getMessage());
    assertFalse(Files.exists(output), "no output is left behind for a failed grading");

    e = assertThrows(BadInputException.class,
        () -> GradeCommand.of(file).response("model_outputs").reference("gt").output(new ByteArrayOutputStream()).execute());
    assertTrue(e.getMessage().contains("--reference 'gt' selects nothing"), e.getMessage());

    Path empty = write("empty.jsonl", "\n\n");
    e = assertThrows(BadInputException.class,
        () -> GradeCommand.of(empty).response("r").reference("a").output(new ByteArrayOutputStream()).execute());
    assertTrue(e.getMessage().contains("holds no readable rows"), e.getMessage());
  }

  @Test
  void wrongShapesAndMissingFilesAreConfigErrors() throws Exception {
    Path file = write("q.jsonl", "{\"response\": [\"a\", \"b\"], \"gt\": \"1\", \"m\": {\"solution\": \"A: 1\", \"ok\": true}}\n");
    ConfigException list = assertThrows(ConfigException.class,
        () -> GradeCommand.of(file).response("response").reference("gt").output(new ByteArrayOutputStream()).execute());
    assertTrue(list.getMessage().contains("in row 1 it selects a list of 2 values; grade each element with response[*]"), list.getMessage());
    ConfigException object = assertThrows(ConfigException.class,
        () -> GradeCommand.of(file).response("m").reference("gt").output(new ByteArrayOutputStream()).execute());
    assertTrue(object.getMessage().contains("e.g. m.solution"), object.getMessage());
    ConfigException fanOut = assertThrows(ConfigException.class,
        () -> GradeCommand.of(file).response("response[*]").reference("response[*]").execute());
    assertTrue(fanOut.getMessage().contains("--reference 'response[*]'"), fanOut.getMessage());
    ConfigException missing = assertThrows(ConfigException.class,
        () -> GradeCommand.of(dir.resolve("nope.jsonl")).response("r").reference("a").execute());
    assertTrue(missing.getMessage().contains("nope.jsonl: no such file"), missing.getMessage());
    ConfigException syntax = assertThrows(ConfigException.class,
        () -> GradeCommand.of(file).response("response[x]").reference("gt").execute());
    assertTrue(syntax.getMessage().startsWith("Cannot grade with --response 'response[x]'"), syntax.getMessage());
  }

  @Test
  void commandLineExitCodesAndOutputFile() throws Exception {
    Path file = write("ok.jsonl", "{\"r\": \"The answer is 5\", \"a\": \"5\"}\n");
    Path output = dir.resolve("graded/ok.jsonl");
    assertEquals(ExitCode.OK, Main.run(new String[] {"grade", "--input", file.toString(), "--response", "r", "--reference", "a",
        "--output", output.toString()}));
    List<String> lines = Files.readAllLines(output);
    assertEquals(1, lines.size());
    assertEquals("correct", JSON.readTree(lines.get(0)).get("verdict").asText());

    assertEquals(ExitCode.BAD_CONFIG, Main.run(new String[] {"grade", "--response", "r"}));
    assertEquals(ExitCode.BAD_CONFIG, Main.run(new String[] {"grade", "--input", file.toString(), "--response", "r",
        "--reference", "a", "--colour", "x"}));
    assertEquals(ExitCode.BAD_INPUT, Main.run(new String[] {"grade", "--input", file.toString(), "--response", "missing",
        "--reference", "a", "--output", output.toString()}));
    Path bad = write("bad.jsonl", "{\"r\": \"The answer is 5\", \"a\": \"5\"}\n{oops\n");
    assertEquals(ExitCode.BAD_INPUT, Main.run(new String[] {"grade", "--input", bad.toString(), "--response", "r",
        "--reference", "a", "--output", output.toString()}));
    assertEquals(1, Files.readAllLines(output).size(), "the readable rows are still graded");
  }
}
