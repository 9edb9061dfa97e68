package dev.distill.job.grade;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.job.error.ExitCode;
import dev.distill.job.error.BadInputException;
import dev.distill.job.error.ConfigException;
import dev.distill.job.source.FieldPath;
import dev.distill.udf.answer.AnswerGrader;
import dev.distill.udf.answer.Verdict;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Grades model responses already on disk with the project's verifier ({@link AnswerGrader}, the
 * one behind the difficulty stage and the {@code distill_grade} UDF): for every row of the input,
 * each value {@code --response} selects is graded against the value {@code --reference} selects,
 * and one JSON line is written per response:
 *
 * <pre>{"row":1,"path":"response[0]","extracted":"420","reference":"420","verdict":"correct","rule":"boxed"}</pre>
 *
 * <p>{@code row} counts the records of the file from 1; {@code path} is the concrete path of the
 * response; {@code reference} is the normalised reference answer; {@code rule} is the extraction
 * rule that found the answer, or why there is none. A row where {@code --response} selects nothing
 * gets one line with verdict {@code no_answer} and rule {@code missing_response}. Configured
 * fluently and run by {@link #execute()}; {@link #run(Path, String, String, Path)} is the command line
 * ({@code bin/distill grade}).
 */
public final class GradeCommand {
  /** Rule of the line written for a row where the response path selects nothing. */
  public static final String MISSING_RESPONSE = "missing_response";
  /** How many row numbers and unreadable records a summary lists. */
  static final int LISTED = 10;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path input;
  private String responsePath;
  private String referencePath;
  private Path output;
  private OutputStream stream;
  private PrintStream log = System.err;

  private GradeCommand(Path input) {
    this.input = input;
  }

  /** Grades the rows of {@code input} (.jsonl, .json, .csv, .zip of those, .parquet or a Parquet directory). */
  public static GradeCommand of(Path input) {
    return new GradeCommand(input);
  }

  /** Path of the responses, e.g. {@code response[*]} (required). */
  public GradeCommand response(String path) {
    this.responsePath = path;
    return this;
  }

  /** Path of the reference answer, e.g. {@code gt} (required). */
  public GradeCommand reference(String path) {
    this.referencePath = path;
    return this;
  }

  /** Writes the JSON lines to {@code file} (its directory is created); default: standard output. */
  public GradeCommand output(Path file) {
    this.output = file;
    this.stream = null;
    return this;
  }

  /** Writes the JSON lines to {@code out} (not closed). */
  public GradeCommand output(OutputStream out) {
    this.stream = out;
    this.output = null;
    return this;
  }

  /** Where unreadable records are reported as they are met; default: standard error. */
  public GradeCommand log(PrintStream log) {
    this.log = log;
    return this;
  }

  /**
   * Grades the input.
   *
   * @return counts and timings; {@link GradeSummary#unreadable()} says whether records were skipped
   * @throws ConfigException when an option is missing or malformed, the input does not exist, or
   *     a path selects a list or object where text is expected (nothing is written)
   * @throws BadInputException when the input has no rows, or a path selects nothing in
   *     any row (the output file is removed)
   */
  public GradeSummary execute() {
    checkOptions();
    ResponseSelector responses = ResponseSelector.responses(responsePath);
    ResponseSelector reference = ResponseSelector.reference(referencePath);
    GradeInput.checkExists(input);
    long start = System.nanoTime();
    Tally tally = new Tally();
    try {
      gradeAll(responses, reference, tally);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot grade " + input + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      removeOutput();
      throw e;
    }
    checkSelected(tally, responses, reference);
    return tally.summary(input.toString(), responsePath, referencePath, (System.nanoTime() - start) / 1e9);
  }

  private void checkOptions() {
    if (input == null) {
      throw new ConfigException("Cannot grade: no input; give the file of model outputs with --input FILE");
    }
    if (responsePath == null || responsePath.isBlank()) {
      throw new ConfigException("Cannot grade " + input + ": no --response; give the path of the responses, e.g. --response response[*]");
    }
    if (referencePath == null || referencePath.isBlank()) {
      throw new ConfigException("Cannot grade " + input + ": no --reference; give the path of the reference answer, e.g. --reference answer");
    }
  }

  /** Grades every row into the output: closed when it is the command's own file, only flushed when it is the caller's stream. */
  private void gradeAll(ResponseSelector responses, ResponseSelector reference, Tally tally) throws IOException {
    boolean ownFile = output != null;
    if (ownFile && output.toAbsolutePath().getParent() != null) {
      Files.createDirectories(output.toAbsolutePath().getParent());
    }
    OutputStream target = ownFile ? Files.newOutputStream(output) : stream != null ? stream : System.out;
    Writer writer = new BufferedWriter(new OutputStreamWriter(target, StandardCharsets.UTF_8), 1 << 16);
    try {
      GradeInput.read(input, rowSink(responses, reference, writer, tally));
    } finally {
      if (ownFile) {
        writer.close();
      } else {
        writer.flush();
      }
    }
  }

  private GradeInput.RowSink rowSink(ResponseSelector responses, ResponseSelector reference, Writer writer, Tally tally) {
    return new GradeInput.RowSink() {
      @Override
      public void row(long row, JsonNode record) {
        if (tally.firstRow == null) {
          tally.firstRow = record;
        }
        gradeRow(row, record, responses, reference, writer, tally);
      }

      @Override
      public void unreadable(long row, long line, String error) {
        reportUnreadable(row, line, error, tally);
      }
    };
  }

  /** Lists the first {@link #LISTED} unreadable records as they are met, then says that more follow. */
  private void reportUnreadable(long row, long line, String error, Tally tally) {
    tally.unreadable++;
    if (tally.unreadable <= LISTED) {
      log.println("distill: Cannot read " + input + " row " + row + (line > 0 ? " (line " + line + ")" : "") + ": " + error
          + "; fix or remove that record (the other rows are graded)");
    } else if (tally.unreadable == LISTED + 1) {
      log.println("distill: more unreadable records follow; only the first " + LISTED + " are listed");
    }
  }

  /** Grades every response of one row and writes its lines. */
  private static void gradeRow(long row, JsonNode record, ResponseSelector responses, ResponseSelector reference,
      Writer writer, Tally tally) {
    tally.rows++;
    List<FieldPath.Located> references = reference.select(record, row);
    String referenceText = references.isEmpty() ? null : references.get(0).text();
    if (referenceText == null) {
      tally.rowsWithoutReference.add(row);
    }
    List<FieldPath.Located> selected = responses.select(record, row);
    try {
      if (selected.isEmpty()) {
        tally.rowsWithoutResponse.add(row);
        String normalized = referenceText == null ? null : AnswerGrader.grade("", referenceText).normalizedReference();
        write(writer, row, responses.path(), new Verdict(Verdict.NO_ANSWER, null, normalized, MISSING_RESPONSE), tally);
        return;
      }
      for (FieldPath.Located response : selected) {
        write(writer, row, response.path(), AnswerGrader.grade(response.text(), referenceText), tally);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(Writer writer, long row, String path, Verdict v, Tally tally) throws IOException {
    ObjectNode line = JSON.createObjectNode();
    line.put("row", row);
    line.put("path", path);
    line.put("extracted", v.extracted());
    line.put("reference", v.normalizedReference());
    line.put("verdict", v.verdict());
    line.put("rule", v.rule());
    writer.write(JSON.writeValueAsString(line));
    writer.write('\n');
    tally.count(v);
  }

  /** A path that selects nothing in any row is a mistake in the path, not in the data. */
  private void checkSelected(Tally tally, ResponseSelector responses, ResponseSelector reference) {
    String fields = tally.firstRow == null ? "" : "; the fields of row 1 are " + ResponseSelector.fieldNames(tally.firstRow);
    String problem = null;
    if (tally.rows == 0) {
      problem = "Cannot grade " + input + ": it holds no readable rows"
          + (tally.unreadable > 0 ? " (" + tally.unreadable + " unreadable records, listed above)" : "")
          + "; give a file with one JSON object per row (JSON Lines, a JSON array, CSV, zip or Parquet)";
    } else if (tally.rowsWithoutResponse.count == tally.rows) {
      problem = "Cannot grade " + input + ": --response '" + responses.path() + "' selects nothing in any of the "
          + tally.rows + " rows" + fields + "; give the path of the response text (dots for nested fields, [*] for every element of a list)";
    } else if (tally.rowsWithoutReference.count == tally.rows) {
      problem = "Cannot grade " + input + ": --reference '" + reference.path() + "' selects nothing in any of the "
          + tally.rows + " rows" + fields + "; give the path of the reference answer";
    }
    if (problem != null) {
      removeOutput();
      throw new BadInputException(problem);
    }
  }

  private void removeOutput() {
    if (output != null) {
      try {
        Files.deleteIfExists(output);
      } catch (IOException ignored) {
        // the error being reported matters more than a leftover file
      }
    }
  }

  /**
   * {@code bin/distill grade}: grades, writes the lines to {@code --output} or standard output and
   * the summary to standard output, or to standard error when the lines go to standard output.
   *
   * @return 0, or 3 when records were unreadable (the rest is graded)
   */
  public static int run(Path input, String response, String reference, Path output) {
    GradeCommand command = GradeCommand.of(input).response(response).reference(reference);
    PrintStream summaryStream = System.err;
    if (output != null) {
      command.output(output);
      summaryStream = System.out;
    }
    GradeSummary summary = command.execute();
    for (String line : summary.lines()) {
      summaryStream.println("[distill] " + line);
    }
    if (output != null) {
      summaryStream.println("[distill] wrote " + summary.responses() + " lines to " + output);
    }
    summaryStream.flush();
    return summary.unreadable() > 0 ? ExitCode.BAD_INPUT : ExitCode.OK;
  }

  /** Counts kept while grading. */
  private static final class Tally {
    long rows;
    long unreadable;
    long responses;
    long correct;
    long incorrect;
    long noAnswer;
    JsonNode firstRow;
    final Map<String, Long> rules = new TreeMap<>();
    final Rows rowsWithoutResponse = new Rows();
    final Rows rowsWithoutReference = new Rows();

    void count(Verdict v) {
      responses++;
      switch (v.verdict()) {
        case Verdict.CORRECT -> correct++;
        case Verdict.INCORRECT -> incorrect++;
        default -> noAnswer++;
      }
      rules.merge(v.rule(), 1L, Long::sum);
    }

    GradeSummary summary(String input, String responsePath, String referencePath, double seconds) {
      return new GradeSummary(input, responsePath, referencePath, rows, responses, correct, incorrect, noAnswer, rules,
          rowsWithoutResponse.count, rowsWithoutResponse.first, rowsWithoutReference.count, rowsWithoutReference.first,
          unreadable, seconds);
    }
  }

  /** A count of rows and the first few row numbers. */
  private static final class Rows {
    long count;
    final List<Long> first = new ArrayList<>();

    void add(long row) {
      count++;
      if (first.size() < LISTED) {
        first.add(row);
      }
    }
  }
}
