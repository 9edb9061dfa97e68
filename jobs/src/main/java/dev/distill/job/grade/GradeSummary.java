package dev.distill.job.grade;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a {@link GradeCommand} did: rows read, responses graded, verdict and rule counts, the rows
 * where a path selected nothing, unreadable records, and the time taken.
 *
 * @param input the graded file
 * @param responsePath {@code --response} as given
 * @param referencePath {@code --reference} as given
 * @param rows readable rows
 * @param responses output lines: one per selected response, one per row whose response path
 *     selected nothing (verdict no_answer, rule {@code missing_response})
 * @param correct verdict {@code correct}
 * @param incorrect verdict {@code incorrect}
 * @param noAnswer verdict {@code no_answer}
 * @param rules output lines per rule, sorted by name
 * @param rowsWithoutResponse rows where {@code --response} selected nothing
 * @param firstRowsWithoutResponse the first of them (at most {@value GradeCommand#LISTED})
 * @param rowsWithoutReference rows where {@code --reference} selected nothing
 * @param firstRowsWithoutReference the first of them
 * @param unreadable records that could not be read
 * @param seconds wall time of the whole command
 */
public record GradeSummary(String input, String responsePath, String referencePath, long rows, long responses,
    long correct, long incorrect, long noAnswer, Map<String, Long> rules, long rowsWithoutResponse,
    List<Long> firstRowsWithoutResponse, long rowsWithoutReference, List<Long> firstRowsWithoutReference,
    long unreadable, double seconds) {

  public GradeSummary {
    rules = Map.copyOf(rules);
    firstRowsWithoutResponse = List.copyOf(firstRowsWithoutResponse);
    firstRowsWithoutReference = List.copyOf(firstRowsWithoutReference);
  }

  /** Share of output lines with verdict no_answer (0 when nothing was graded). */
  public double noAnswerRate() {
    return responses == 0 ? 0 : (double) noAnswer / responses;
  }

  /** Share of output lines with verdict correct (0 when nothing was graded). */
  public double accuracy() {
    return responses == 0 ? 0 : (double) correct / responses;
  }

  /** Responses graded per second of the whole command (reading and writing included). */
  public double responsesPerSecond() {
    return seconds <= 0 ? 0 : responses / seconds;
  }

  /** The summary as lines for the console. */
  public List<String> lines() {
    List<String> out = new ArrayList<>();
    out.add(String.format(Locale.ROOT, "graded %,d responses in %,d rows of %s in %.1fs (%,.0f responses/s)",
        responses, rows, input, seconds, responsesPerSecond()));
    out.add(String.format(Locale.ROOT, "  correct %,d (%s), incorrect %,d (%s), no_answer %,d (%s)",
        correct, percent(correct), incorrect, percent(incorrect), noAnswer, percent(noAnswer)));
    StringBuilder rulesText = new StringBuilder();
    new TreeMap<>(rules).forEach((rule, n) -> rulesText.append(rulesText.length() == 0 ? "" : ", ")
        .append(rule).append(' ').append(String.format(Locale.ROOT, "%,d", n)));
    out.add("  rules: " + (rulesText.length() == 0 ? "none" : rulesText));
    if (rowsWithoutResponse > 0) {
      out.add(String.format(Locale.ROOT, "  rows with nothing at --response '%s': %,d (rows %s%s); each has a line with rule missing_response",
          responsePath, rowsWithoutResponse, join(firstRowsWithoutResponse), rowsWithoutResponse > firstRowsWithoutResponse.size() ? ", ..." : ""));
    }
    if (rowsWithoutReference > 0) {
      out.add(String.format(Locale.ROOT, "  rows with nothing at --reference '%s': %,d (rows %s%s); their responses are no_answer with rule no_reference",
          referencePath, rowsWithoutReference, join(firstRowsWithoutReference), rowsWithoutReference > firstRowsWithoutReference.size() ? ", ..." : ""));
    }
    if (unreadable > 0) {
      out.add(String.format(Locale.ROOT, "  unreadable records: %,d (listed above); the other rows were graded", unreadable));
    }
    return out;
  }

  private String percent(long n) {
    return responses == 0 ? "-" : String.format(Locale.ROOT, "%.2f%%", 100.0 * n / responses);
  }

  private static String join(List<Long> rows) {
    StringBuilder b = new StringBuilder();
    for (Long r : rows) {
      b.append(b.length() == 0 ? "" : ", ").append(r);
    }
    return b.toString();
  }
}
