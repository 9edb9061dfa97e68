package dev.distill.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.grade.GradeCommand;
import dev.distill.job.grade.ResponseSelector;
import dev.distill.job.source.FieldPath;
import dev.distill.job.ingest.RecordReader;
import dev.distill.job.source.SourceSpec;
import dev.distill.udf.answer.AnswerGrader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Grading throughput on the real labelled outputs of {@code ../shared/data/grading/}: responses
 * per second on one thread, for the verifier alone ({@link AnswerGrader#grade}, responses already
 * in memory) and for the whole grade command (reading, grading, writing the JSON lines).
 *
 * <pre>java -cp "bench/target/classes:$(cat bench/target/runtime-classpath.txt)" dev.distill.bench.GradeBenchmark [DATA_DIR] [SECONDS]</pre>
 *
 * <p>DATA_DIR defaults to {@code $DISTILL_DATA}, else {@code ../shared/data}; SECONDS (default 5)
 * is how long each data set is graded, after a warm-up of the same length. Pin it to one core for
 * a single-core figure ({@code taskset -c 0 java ...}).
 */
public final class GradeBenchmark {

  /** One labelled data set: the file and the grade command's paths. */
  record Dataset(String name, String file, String response, String reference) {}

  static final List<Dataset> DATASETS = List.of(
      new Dataset("gsm8k 6b_finetuning", "grading/gsm8k_test_model_solutions.jsonl", "6b_finetuning.solution", "ground_truth"),
      new Dataset("gsm8k 6b_verification", "grading/gsm8k_test_model_solutions.jsonl", "6b_verification.solution", "ground_truth"),
      new Dataset("gsm8k 175b_finetuning", "grading/gsm8k_test_model_solutions.jsonl", "175b_finetuning.solution", "ground_truth"),
      new Dataset("gsm8k 175b_verification", "grading/gsm8k_test_model_solutions.jsonl", "175b_verification.solution", "ground_truth"),
      new Dataset("qwen2.5-math MATH", "grading/qwen25math_math_cot_8samples.jsonl", "response[*]", "gt"),
      new Dataset("mmlu-pro llama-3.1-8b", "grading/mmlu_pro_outputs_Meta-Llama-3_1-8B-Instruct.zip", "generated_text", "answer"),
      new Dataset("mmlu-pro mistral-7b", "grading/mmlu_pro_outputs_Mistral-7B-v0.1.zip", "generated_text", "answer"),
      new Dataset("mmlu-pro gemini-1.5-flash", "grading/mmlu_pro_outputs_gemini-1.5-flash-002.zip", "model_outputs", "answer"));

  private GradeBenchmark() {}

  public static void main(String[] args) throws IOException {
    String configured = args.length > 0 ? args[0] : System.getenv("DISTILL_DATA");
    Path data = Path.of(configured == null || configured.isBlank() ? "../shared/data" : configured);
    double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 5;
    if (!Files.isDirectory(data.resolve("grading"))) {
      System.err.println("Cannot benchmark: " + data.toAbsolutePath().normalize() + "/grading does not exist;"
          + " pass the shared data directory as the first argument or set DISTILL_DATA");
      System.exit(2);
    }
    long totalResponses = 0;
    double totalSeconds = 0;
    System.out.printf(Locale.ROOT, "%-28s %10s %16s %20s%n", "data set", "responses", "verifier resp/s", "grade command resp/s");
    for (Dataset d : DATASETS) {
      Path file = data.resolve(d.file());
      List<String[]> pairs = pairs(file, d);
      grade(pairs, seconds);
      Rate verifier = grade(pairs, seconds);
      command(file, d, seconds);
      Rate command = command(file, d, seconds);
      totalResponses += verifier.responses();
      totalSeconds += verifier.seconds();
      System.out.printf(Locale.ROOT, "%-28s %,10d %,16.0f %,20.0f%n", d.name(), pairs.size(), verifier.perSecond(), command.perSecond());
    }
    System.out.printf(Locale.ROOT, "%-28s %10s %,16.0f%n", "all (equal time per set)", "", totalResponses / totalSeconds);
  }

  record Rate(long responses, double seconds) {
    double perSecond() {
      return responses / seconds;
    }
  }

  /**
   * The (response, reference) pairs the grade command would grade: the file read with the ingest
   * reader the grade command reads JSON Lines, JSON, CSV and zips with, the paths applied with its selectors.
   */
  static List<String[]> pairs(Path file, Dataset d) throws IOException {
    ResponseSelector responses = ResponseSelector.responses(d.response());
    ResponseSelector reference = ResponseSelector.reference(d.reference());
    SourceSpec spec = SourceSpec.fromMap(Map.of("name", file.toString(), "path", file.toString(),
        "fields", Map.of("question", "unused")), "--input");
    List<String[]> pairs = new ArrayList<>();
    try (InputStream in = Files.newInputStream(file)) {
      RecordReader.read(file.getFileName().toString(), in, spec, new RecordReader.RecordSink() {
        @Override
        public void record(JsonNode record, long line, long index) {
          List<FieldPath.Located> refs = reference.select(record, index + 1);
          String ref = refs.isEmpty() ? null : refs.get(0).text();
          for (FieldPath.Located r : responses.select(record, index + 1)) {
            pairs.add(new String[] {r.text(), ref});
          }
        }

        @Override
        public void unreadable(long line, String error, String rawSnippet) {
          throw new IllegalStateException("Cannot benchmark on " + file + ": line " + line + " is unreadable (" + error + ")");
        }
      });
    }
    return pairs;
  }

  /** Grades every pair, over and over, for at least {@code seconds}; one thread. */
  static Rate grade(List<String[]> pairs, double seconds) {
    long start = System.nanoTime();
    long graded = 0;
    long correct = 0;
    do {
      for (String[] p : pairs) {
        correct += AnswerGrader.grade(p[0], p[1]).isCorrect() ? 1 : 0;
      }
      graded += pairs.size();
    } while (System.nanoTime() - start < seconds * 1e9);
    double elapsed = (System.nanoTime() - start) / 1e9;
    if (correct < 0) {
      System.out.println(correct); // keeps the work observable
    }
    return new Rate(graded, elapsed);
  }

  /** Runs the whole grade command, writing to nowhere, for at least {@code seconds}. */
  static Rate command(Path file, Dataset d, double seconds) {
    long start = System.nanoTime();
    long graded = 0;
    do {
      graded += GradeCommand.of(file).response(d.response()).reference(d.reference())
          .output(OutputStream.nullOutputStream()).execute().responses();
    } while (System.nanoTime() - start < seconds * 1e9);
    return new Rate(graded, (System.nanoTime() - start) / 1e9);
  }
}
