package dev.distill.job.grade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.job.SharedPaths;
import dev.distill.job.cli.Main;
import dev.distill.job.error.ExitCode;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The grade command on real model outputs with published correctness labels
 * ({@code ../shared/data/grading/}, see its README): agreement with GSM8K's {@code is_correct},
 * with Qwen2.5-Math's evaluator and with MMLU-Pro's harness. Skipped, with a message, where the
 * shared data is absent.
 */
class GradeIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] GSM8K_MODELS = {"6b_finetuning", "6b_verification", "175b_finetuning", "175b_verification"};
  /**
   * MMLU-Pro's harness: its two patterns for a stated answer (a third takes any lone capital A-J).
   * Only whether they match is used, so the second drops the harness's leading {@code .*}, which
   * picks the last match on a line and costs quadratic time on long lines.
   */
  private static final Pattern HARNESS_ANSWER_IS = Pattern.compile("answer is \\(?([A-J])\\)?");
  private static final Pattern HARNESS_ANSWER_COLON = Pattern.compile("[aA]nswer:\\s*([A-J])");

  @TempDir
  Path tmp;

  private static Path require(String relative) {
    Path p = SharedPaths.dataRoot().resolve(relative);
    assumeTrue(Files.exists(p), p + " not found: skipping GradeIT, which needs the shared data (../shared/data or DISTILL_DATA)");
    return p;
  }

  private static List<JsonNode> grade(Path input, String response, String reference) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    GradeSummary s = GradeCommand.of(input).response(response).reference(reference).output(out).execute();
    System.out.printf(Locale.ROOT, "grade %s --response %s: %,d responses in %.2fs (%,.0f/s, reading and writing included)%n",
        input.getFileName(), response, s.responses(), s.seconds(), s.responsesPerSecond());
    return parseLines(new String(out.toByteArray(), StandardCharsets.UTF_8));
  }

  private static List<JsonNode> parseLines(String text) throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (!line.isBlank()) {
        lines.add(JSON.readTree(line));
      }
    }
    return lines;
  }

  private static List<JsonNode> readJsonLines(Path file) throws IOException {
    return parseLines(Files.readString(file));
  }

  /** Index of the element a concrete path such as {@code response[3]} names. */
  private static int elementIndex(String path) {
    return Integer.parseInt(path.substring(path.lastIndexOf('[') + 1, path.length() - 1));
  }

  @Test
  void gsm8kVerdictsAgreeWithPublishedLabels() throws Exception {
    Path file = require("grading/gsm8k_test_model_solutions.jsonl");
    List<JsonNode> rows = readJsonLines(file);
    int graded = 0;
    int agreed = 0;
    List<String> disagreements = new ArrayList<>();
    for (String model : GSM8K_MODELS) {
      List<JsonNode> lines = grade(file, model + ".solution", "ground_truth");
      assertEquals(rows.size(), lines.size(), "one line per row for " + model);
      for (JsonNode line : lines) {
        JsonNode row = rows.get(line.get("row").asInt() - 1);
        boolean label = row.path(model).path("is_correct").asBoolean();
        boolean ours = "correct".equals(line.get("verdict").asText());
        graded++;
        if (ours == label) {
          agreed++;
        } else {
          disagreements.add(model + " row " + line.get("row") + ": is_correct=" + label + " ours=" + line);
        }
      }
    }
    double rate = (double) agreed / graded;
    System.out.printf(Locale.ROOT, "GSM8K: %,d/%,d verdicts agree with is_correct (%.2f%%)%n", agreed, graded, 100 * rate);
    disagreements.forEach(d -> System.out.println("  " + d));
    assertEquals(5276, graded, "1,319 problems x 4 model solutions");
    assertTrue(rate >= 0.995, String.format(Locale.ROOT, "GSM8K agreement %.4f below 0.995: %s", rate, disagreements));
  }

  @Test
  void qwenMathVerdictsAgreeWithQwensEvaluatorExceptTheListedDisagreements() throws Exception {
    Path file = require("grading/qwen25math_math_cot_8samples.jsonl");
    List<JsonNode> rows = readJsonLines(file);
    Path output = tmp.resolve("qwen-graded.jsonl");
    int code = Main.run(new String[] {"grade", "--input", file.toString(), "--response", "response[*]", "--reference", "gt",
        "--output", output.toString()});
    assertEquals(ExitCode.OK, code);
    List<JsonNode> lines = readJsonLines(output);
    int agreed = 0;
    int correct = 0;
    Set<String> disagreements = new TreeSet<>();
    for (JsonNode line : lines) {
      JsonNode row = rows.get(line.get("row").asInt() - 1);
      int sample = elementIndex(line.get("path").asText());
      boolean qwen = row.get("score").get(sample).asBoolean();
      boolean ours = "correct".equals(line.get("verdict").asText());
      correct += ours ? 1 : 0;
      if (ours == qwen) {
        agreed++;
      } else {
        disagreements.add(String.join("\t", row.get("idx").asText(), String.valueOf(sample), String.valueOf(qwen),
            line.get("extracted").asText(), line.get("verdict").asText()));
      }
    }
    double rate = (double) agreed / lines.size();
    System.out.printf(Locale.ROOT, "Qwen2.5-Math MATH samples: %d/%d verdicts agree with Qwen's evaluator (%.2f%%); we mark %d correct, Qwen %d%n",
        agreed, lines.size(), 100 * rate, correct, rows.stream().mapToLong(r -> countTrue(r.get("score"))).sum());
    disagreements.forEach(d -> System.out.println("  " + d));
    assertEquals(800, lines.size(), "100 problems x 8 samples");
    assertTrue(rate >= 0.98, String.format(Locale.ROOT, "agreement %.4f below 0.98", rate));
    assertEquals(listedDisagreements(), disagreements,
        "the disagreements changed: judge each new one and update src/test/resources/grading/qwen-math-disagreements.tsv");
  }

  private static long countTrue(JsonNode array) {
    long n = 0;
    for (JsonNode v : array) {
      n += v.asBoolean() ? 1 : 0;
    }
    return n;
  }

  /** The judged disagreements: idx, sample, qwen_score, our_extracted, our_verdict of each listed row. */
  private static Set<String> listedDisagreements() throws IOException {
    Set<String> listed = new TreeSet<>();
    try (InputStream in = GradeIT.class.getResourceAsStream("/grading/qwen-math-disagreements.tsv")) {
      assertTrue(in != null, "grading/qwen-math-disagreements.tsv is missing from the test resources");
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      String header = null;
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] cells = line.split("\t", -1);
        if (header == null) {
          header = line;
          continue;
        }
        assertTrue(cells.length == 10 && !cells[8].isBlank() && !cells[9].isBlank(),
            "each listed disagreement needs all 10 columns, with who is right and why: " + line);
        listed.add(String.join("\t", cells[0], cells[1], cells[5], cells[6], cells[7]));
      }
    }
    return listed;
  }

  @Test
  void mmluProLettersAgreeWithTheHarnessWhereItFoundAStatedAnswer() throws Exception {
    checkMmluPro("mmlu_pro_outputs_Meta-Llama-3_1-8B-Instruct.zip", "generated_text");
    checkMmluPro("mmlu_pro_outputs_Mistral-7B-v0.1.zip", "generated_text");
    checkMmluPro("mmlu_pro_outputs_gemini-1.5-flash-002.zip", "model_outputs");
  }

  /**
   * Compares the letter we extract with the harness's {@code pred}. Where the harness found a
   * stated answer ("answer is (X)", "Answer: X") the two must agree on 99%; where it did not, it
   * took any lone capital A-J in the text (often the pronoun "I" of "I cannot answer") or, in the
   * Llama run, a random letter, so those rows are counted and shown but not held to agreement.
   */
  private void checkMmluPro(String zipName, String textField) throws Exception {
    Path zip = require("grading/" + zipName);
    JsonNode rows = readZippedArray(zip);
    List<JsonNode> lines = grade(zip, textField, "answer");
    assertEquals(rows.size(), lines.size(), "one line per row");
    int stated = 0;
    int statedAgree = 0;
    int allAgree = 0;
    int unstated = 0;
    int unstatedWithPred = 0;
    int ourCorrect = 0;
    int harnessCorrect = 0;
    List<String> statedDisagreements = new ArrayList<>();
    for (JsonNode line : lines) {
      JsonNode row = rows.get(line.get("row").asInt() - 1);
      String text = row.path(textField).asText();
      String pred = row.path("pred").isTextual() ? row.path("pred").asText() : null;
      String answer = row.path("answer").asText();
      String ours = letter(line.get("extracted"));
      boolean correct = "correct".equals(line.get("verdict").asText());
      assertEquals(answer.equals(ours), correct, "the verdict is the letter compared with the answer: " + line);
      ourCorrect += correct ? 1 : 0;
      harnessCorrect += answer.equals(pred) ? 1 : 0;
      allAgree += java.util.Objects.equals(ours, pred) ? 1 : 0;
      if (HARNESS_ANSWER_IS.matcher(text).find() || HARNESS_ANSWER_COLON.matcher(text).find()) {
        stated++;
        if (java.util.Objects.equals(ours, pred)) {
          statedAgree++;
        } else if (statedDisagreements.size() < 5) {
          statedDisagreements.add("row " + line.get("row") + " pred=" + pred + " ours=" + ours);
        }
      } else {
        unstated++;
        unstatedWithPred += pred != null ? 1 : 0;
      }
    }
    double rate = (double) statedAgree / stated;
    System.out.printf(Locale.ROOT, "MMLU-Pro %s: letters agree with the harness's pred on %,d/%,d rows with a stated answer (%.2f%%),"
            + " %,d/%,d on all rows (%.2f%%); %,d rows without a stated answer (harness pred there: %,d);"
            + " accuracy against answer: ours %.2f%%, harness %.2f%%%n",
        zipName, statedAgree, stated, 100 * rate, allAgree, rows.size(), 100.0 * allAgree / rows.size(), unstated, unstatedWithPred,
        100.0 * ourCorrect / rows.size(), 100.0 * harnessCorrect / rows.size());
    statedDisagreements.forEach(d -> System.out.println("  " + d));
    assertTrue(stated > 0.85 * rows.size(), zipName + ": most responses state an answer, got " + stated);
    assertTrue(rate >= 0.99, String.format(Locale.ROOT, "%s: agreement %.4f below 0.99", zipName, rate));
    assertTrue(Math.abs(ourCorrect - harnessCorrect) <= 0.015 * rows.size(),
        zipName + ": accuracy differs from the harness's by more than 1.5 points: " + ourCorrect + " vs " + harnessCorrect);
  }

  /** The extracted value when it is a choice letter, else null. */
  private static String letter(JsonNode extracted) {
    if (extracted == null || !extracted.isTextual()) {
      return null;
    }
    String s = extracted.asText();
    return s.length() == 1 && s.charAt(0) >= 'A' && s.charAt(0) <= 'J' ? s : null;
  }

  private static JsonNode readZippedArray(Path zip) throws IOException {
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        if (e.getName().endsWith(".json")) {
          return JSON.readTree(in);
        }
      }
    }
    throw new IllegalStateException("no .json entry in " + zip);
  }
}
