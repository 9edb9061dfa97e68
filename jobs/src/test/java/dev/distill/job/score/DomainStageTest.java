package dev.distill.job.score;

import static dev.distill.job.SparkTestSession.candidate;
import static dev.distill.job.SparkTestSession.candidates;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.SparkTestSession;
import dev.distill.job.SparkTestSession.CandidateRow;
import dev.distill.job.api.StageContext;
import dev.distill.job.error.ConfigException;
import dev.distill.job.schema.Columns;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DomainStageTest {
  @TempDir
  Path tmp;

  /** subject -> expected MSC code of the labelled rows. */
  private static final Map<String, String> CODES = Map.of("Number Theory", "11", "Geometry", "51", "Algebra", "08");

  private static final List<CandidateRow> LABELLED = new ArrayList<>();
  private static final List<CandidateRow> UNLABELLED = new ArrayList<>();

  static {
    for (int i = 0; i < 20; i++) {
      LABELLED.add(candidate(i % 2 == 0
          ? "What is the remainder when " + (i + 3) + "^{" + (i + 10) + "} is divided by " + (i % 5 + 7) + "?"
          : "Find the greatest common divisor of " + (12 * i + 6) + " and " + (18 * i + 12) + ", and the remainder when the first is divided by the second.")
          .subject("Number Theory"));
      LABELLED.add(candidate(i % 2 == 0
          ? "In triangle ABC the legs AB = " + (i + 3) + " and AC = " + (i + 4) + " meet at a right angle. Find the area of the triangle."
          : "A circle of radius " + (i + 1) + " is inscribed in a square. Find the area of the region inside the square but outside the circle.")
          .subject("Geometry"));
      LABELLED.add(candidate(i % 2 == 0
          ? "Solve for x: " + (i + 2) + "x + " + (i + 5) + " = " + (3 * i + 40) + "."
          : "Find all real values of y such that y^2 - " + (i + 4) + "y + " + (i + 3) + " = 0, and give their product.")
          .subject("Algebra"));
    }
    for (int i = 0; i < 10; i++) {
      UNLABELLED.add(candidate("Find the remainder when " + (i + 2) + "^{" + (3 * i + 100) + "} is divided by " + (i + 11) + "."));
    }
  }

  private static List<Row> rows() {
    List<Row> rows = new ArrayList<>();
    LABELLED.forEach(c -> rows.add(c.row()));
    UNLABELLED.forEach(c -> rows.add(c.row()));
    return rows;
  }

  /** id -> [domain, domain_basis, reason]. */
  private static Map<String, List<String>> domains(Dataset<Row> out) {
    Map<String, List<String>> byId = new HashMap<>();
    List<Row> rows = out.select(Columns.ID, Columns.DOMAIN, Columns.DOMAIN_BASIS, Columns.REASON).collectAsList();
    for (Row r : rows) {
      List<String> v = new ArrayList<>();
      v.add(r.getString(1));
      v.add(r.getString(2));
      v.add(r.getString(3));
      byId.put(r.getString(0), v);
    }
    assertEquals(rows.size(), byId.size(), "each id comes out once");
    return byId;
  }

  @Test
  void subjectsGiveCodesAndTheClassifierLabelsTheRestWhateverThePartitioning() {
    StageContext context = SparkTestSession.context(tmp);
    Dataset<Row> input = candidates(rows());
    Map<String, List<String>> one = domains(new DomainStage().apply(context, input.repartition(1)));
    Map<String, Object> stats = context.drainStats();
    Map<String, List<String>> five = domains(new DomainStage().apply(context, input.repartition(5)));

    assertEquals(LABELLED.size() + UNLABELLED.size(), one.size(), "every row comes out once");
    assertEquals(60L, stats.get("subject_labelled_rows"));
    assertTrue(String.valueOf(stats.get("classifier")).startsWith("naive Bayes"), String.valueOf(stats.get("classifier")));
    for (CandidateRow c : LABELLED) {
      String subject = (String) c.row().getAs(7);
      assertEquals(List.of(CODES.get(subject), "subject"), one.get(c.id()).subList(0, 2), subject);
      assertNull(one.get(c.id()).get(2), "the domain stage drops nothing");
    }
    for (CandidateRow c : UNLABELLED) {
      List<String> d = one.get(c.id());
      assertEquals("classifier", d.get(1));
      assertTrue(d.get(0).matches("\\d\\d") && MscCodes.load(Map.of()).titles().containsKey(d.get(0)), d.get(0));
      assertEquals("11", d.get(0), "remainder questions resemble the number theory rows");
    }
    assertEquals(one, five, "domains do not depend on the input partitioning");
  }

  @Test
  void userSubjectRulesComeFirstAndFewLabelsFallBackToGeneral() {
    CandidateRow geometry = candidate("Find the area of a triangle with sides 3, 4 and 5.").subject("Plane Geometry");
    CandidateRow algebra = candidate("Solve for x: 2x + 3 = 11.").subject("Algebra");
    CandidateRow none = candidate("What is the remainder when 2^{10} is divided by 7?");
    StageContext context = SparkTestSession.context(tmp, "domains.subject_map.geometry='52'");

    Map<String, List<String>> out = domains(new DomainStage().apply(context,
        candidates(List.of(geometry.row(), algebra.row(), none.row()))));

    assertEquals(List.of("52", "subject"), out.get(geometry.id()).subList(0, 2), "the user rule beats built-in geometry -> 51");
    assertEquals(List.of("08", "subject"), out.get(algebra.id()).subList(0, 2));
    assertEquals(List.of(MscCodes.GENERAL, "default"), out.get(none.id()).subList(0, 2));
    assertTrue(String.valueOf(context.drainStats().get("classifier")).startsWith("skipped"));
  }

  @Test
  void anInvalidCodeInTheSubjectMapNamesTheKey() {
    StageContext context = SparkTestSession.context(tmp, "domains.subject_map.olympiad=99");
    Dataset<Row> input = candidates(List.of(candidate("Solve for x: 2x + 3 = 11.").subject("Algebra").row()));
    ConfigException e = assertThrows(ConfigException.class, () -> new DomainStage().apply(context, input));
    assertTrue(e.getMessage().contains("domains.subject_map.olympiad"), e.getMessage());
    assertTrue(e.getMessage().contains("99"), e.getMessage());
  }

  @Test
  void builtInSubjectRules() {
    MscCodes codes = MscCodes.load(Map.of());
    assertEquals("05", codes.forSubject("Counting & Probability"));
    assertEquals("15", codes.forSubject("college_math.linear_algebra"));
    assertEquals("11", codes.forSubject("Number Theory"));
    assertEquals("51", codes.forSubject("Geometry"));
    assertEquals("08", codes.forSubject("Algebra"));
    assertEquals("12", codes.forSubject("Intermediate Algebra"));
    assertNull(codes.forSubject("Cooking"));
    assertNull(codes.forSubject(null));
    assertNull(codes.forSubject("  "));
  }

  @Test
  void userRulesAreCheckedBeforeBuiltInOnes() {
    MscCodes codes = MscCodes.load(Map.of("geometry", "52", "Number Theory", "11"));
    assertEquals("52", codes.forSubject("Plane Geometry"));
    assertEquals("11", codes.forSubject("number theory"));
    assertEquals("08", codes.forSubject("Algebra"));
  }
}
