package dev.distill.job.sample;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.io.Json;
import dev.distill.job.io.RunDirectory;
import dev.distill.job.source.EvalSetSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The built-in sample pool: a deterministic function of (rows, seed) written as real files in
 * three formats (JSON Lines, a JSON array, CSV) with teacher traces and attempts, student answers,
 * and the flaws a real pool has: exact and near duplicates, items copied from an eval set (with
 * formatting changes), s1 formatting-rule violations, missing generations, looping and truncated
 * traces, Chinese questions and a few unreadable lines.
 */
public final class SamplePool {
  static final String MAIN = "pool-main.jsonl";
  static final String OLYMPIAD = "pool-olympiad.json";
  static final String SCIENCE = "pool-science.csv";
  static final String EVAL = "eval.jsonl";
  /** Written last, with the rows and seed it was generated from: a rerun of the same run id keeps the files. */
  static final String DONE = "_SUCCESS";
  static final int EVAL_ITEMS = 60;
  static final int BROKEN_LINES = 3;

  private static final List<String> STEPS = List.of(
      "First I restate what is given: the quantities %d and %d appear in the statement.",
      "Let me check a small case, say with %d instead, which gives %d.",
      "Wait, I should double-check the arithmetic: %d plus %d.",
      "Hmm, another approach is to bound the answer between %d and %d.",
      "So the key relation links %d to %d, and the rest is bookkeeping.",
      "I recall a similar problem where the count was %d for input %d.",
      "Multiplying out carefully, the intermediate value is %d with a remainder of %d.",
      "Let me verify this against the constraint once more, using %d and %d.",
      "That seems consistent, although case %d needs a separate look at %d.",
      "Now I simplify step %d, which leaves a term equal to %d.");

  /** Writes the pool into {@code run.samplePool()} and returns the config with its sources and eval set. */
  public static PipelineConfig write(PipelineConfig config, RunDirectory run) {
    String dir = run.samplePool();
    String marker = dir + "/" + DONE;
    String stamp = "{\"rows\":" + config.samplePool().rows() + ",\"seed\":" + config.samplePool().seed() + "}";
    if (run.exists(marker) && run.readString(marker).equals(stamp)) {
      // A rerun of the same run id: the files are already there, unchanged (their times too, so
      // the stages' input fingerprints match and committed stages are reused).
      return withSources(config, dir);
    }
    run.delete(marker);
    SplittableRandom random = new SplittableRandom(config.samplePool().seed());
    List<SampleProblems.Problem> eval = evalProblems(random);
    PoolFiles files = new PoolFiles();
    for (int i = 0; i < config.samplePool().rows(); i++) {
      files.add(i, row(i, random, eval, files.mainRows()));
    }
    files.writeTo(run, dir);
    run.writeString(dir + "/" + EVAL, evalJsonl(eval));
    run.writeString(marker, stamp);
    return withSources(config, dir);
  }

  private static List<SampleProblems.Problem> evalProblems(SplittableRandom random) {
    List<SampleProblems.Problem> eval = new ArrayList<>();
    for (int i = 0; i < EVAL_ITEMS; i++) {
      eval.add(SampleProblems.evalProblem(i, random));
    }
    return eval;
  }

  private static String evalJsonl(List<SampleProblems.Problem> eval) {
    StringBuilder jsonl = new StringBuilder();
    for (int i = 0; i < eval.size(); i++) {
      ObjectNode o = Json.MAPPER.createObjectNode();
      o.put("problem", eval.get(i).question());
      o.put("answer", eval.get(i).answer());
      o.put("unique_id", "sample-eval/" + i);
      jsonl.append(Json.compact(o)).append('\n');
    }
    return jsonl.toString();
  }

  /**
   * The pool's three files as they fill: seven rows in ten go to JSON Lines (with a few
   * unterminated lines among them), two to the JSON array, one to the CSV.
   */
  private static final class PoolFiles {
    private final StringBuilder main = new StringBuilder();
    private final ArrayNode olympiad = Json.MAPPER.createArrayNode();
    private final StringBuilder science = new StringBuilder("question,answer,subject,thinking,attempt\n");
    private final List<ObjectNode> mainRows = new ArrayList<>();
    private int broken = 0;

    /** The rows written to the JSON Lines file so far: the ones a later row may duplicate. */
    List<ObjectNode> mainRows() {
      return mainRows;
    }

    void add(int i, ObjectNode row) {
      int target = i % 10;
      if (target < 7) {
        addMain(i, row);
      } else if (target < 9) {
        olympiad.add(row);
      } else {
        addScience(row);
      }
    }

    private void addMain(int i, ObjectNode row) {
      mainRows.add(row);
      main.append(Json.compact(row)).append('\n');
      if (broken < BROKEN_LINES && i % 997 == 500) {
        main.append("{\"problem\": \"unterminated row ").append(i).append('\n');
        broken++;
      }
    }

    private void addScience(ObjectNode row) {
      science.append(csv(row.path("problem").asText())).append(',').append(csv(row.path("answer").asText())).append(',')
          .append(csv(row.path("subject").asText(""))).append(',').append(csv(row.path("thinking").asText(""))).append(',')
          .append(csv(row.path("attempt").asText(""))).append('\n');
    }

    void writeTo(RunDirectory run, String dir) {
      run.writeString(dir + "/" + MAIN, main.toString());
      run.writeString(dir + "/" + OLYMPIAD, Json.pretty(olympiad));
      run.writeString(dir + "/" + SCIENCE, science.toString());
    }
  }

  /** A flaw in a row's teacher generations, which quality must catch. */
  private enum Flaw { NONE, NO_TRACE, NO_ATTEMPT, LOOPING_TRACE, CUT_TRACE }

  /** A generated problem after its roll: possibly replaced by a copied eval item, its question possibly rewritten. */
  private record Draft(SampleProblems.Problem problem, String question, Flaw flaw) {}

  private static ObjectNode row(int i, SplittableRandom r, List<SampleProblems.Problem> eval, List<ObjectNode> earlier) {
    SampleProblems.Problem p = SampleProblems.generate(r.nextInt(10), r);
    String subject = r.nextInt(10) < 7 ? p.subject() : null;
    Draft draft = draft(i, p, r.nextInt(1000), r, eval, earlier);
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("problem", withMarkupPayload(draft.question(), i));
    o.put("answer", draft.problem().answer());
    o.put("solution", draft.problem().solution());
    if (subject != null) {
      o.put("subject", subject);
    }
    o.put("level", "Level " + draft.problem().level());
    putGenerations(o, draft, r);
    o.put("row", i);
    return o;
  }

  /** A row's roll (0 to 999) picks its flaw, the flaws a real pool has; rolls from 88 up leave the problem as generated. */
  private static Draft draft(int i, SampleProblems.Problem p, int roll, SplittableRandom r, List<SampleProblems.Problem> eval,
      List<ObjectNode> earlier) {
    if (roll < 8) {
      return contaminated(eval.get(r.nextInt(eval.size())));
    }
    if (roll < 33) {
      return new Draft(p, withS1Violation(p.question(), i, roll, r), Flaw.NONE);
    }
    if (roll < 58) {
      return new Draft(p, p.question(), generationFlaw(roll));
    }
    return new Draft(p, foreignOrDuplicate(p.question(), roll, r, earlier), Flaw.NONE);
  }

  /** Contamination that survives formatting: other case, \dfrac for \frac, extra spaces. */
  private static Draft contaminated(SampleProblems.Problem e) {
    String question = e.question().replace("\\frac", "\\dfrac").replace(" the ", "  The ").replace("$", "$ ");
    return new Draft(new SampleProblems.Problem(e.subject(), e.cotType(), question, e.solution(), e.answer(), e.level()), question,
        Flaw.NONE);
  }

  /** Rolls 8 to 32: one of s1's four formatting rules broken. */
  private static String withS1Violation(String question, int i, int roll, SplittableRandom r) {
    if (roll < 18) {
      return question + "\n[asy]\ndraw((0,0)--(1,1));\n[/asy]";
    }
    if (roll < 23) {
      return question + " ![Image](figure-" + i + ".png)";
    }
    if (roll < 28) {
      return "p1. " + question + " p2. Explain your reasoning.";
    }
    return question + " Give the answer as **" + (1 + r.nextInt(9)) + "** digits.";
  }

  /** Rolls 33 to 57: no trace, no attempt, a looping trace or a cut one. */
  private static Flaw generationFlaw(int roll) {
    if (roll < 43) {
      return Flaw.NO_TRACE;
    }
    if (roll < 48) {
      return Flaw.NO_ATTEMPT;
    }
    return roll < 53 ? Flaw.LOOPING_TRACE : Flaw.CUT_TRACE;
  }

  /** Rolls 58 to 87: a Chinese question, or an exact or near duplicate of an earlier row; the rest unchanged. */
  private static String foreignOrDuplicate(String question, int roll, SplittableRandom r, List<ObjectNode> earlier) {
    if (roll < 68) {
      return "小明在做一道题：" + question.replaceAll("[A-Za-z]+", "某") + "。请给出答案。";
    }
    if (roll < 88 && !earlier.isEmpty()) {
      String twin = earlier.get(r.nextInt(earlier.size())).path("problem").asText();
      return roll >= 78 ? twin + " Show your work." : twin;
    }
    return question;
  }

  /** The teacher's trace and attempt (unless the flaw drops one) and the students' answers, right more often on easier levels. */
  private static void putGenerations(ObjectNode o, Draft draft, SplittableRandom r) {
    SampleProblems.Problem p = draft.problem();
    if (draft.flaw() != Flaw.NO_TRACE) {
      o.put("thinking", trace(p, r, draft.flaw() == Flaw.LOOPING_TRACE, draft.flaw() == Flaw.CUT_TRACE));
    }
    if (draft.flaw() != Flaw.NO_ATTEMPT) {
      boolean right = r.nextInt(100) < 85;
      o.put("attempt", "The final answer is $\\boxed{" + (right ? p.answer() : wrong(p.answer())) + "}$.");
    }
    ObjectNode students = o.putObject("student_answers");
    students.put("qwen2.5-7b-instruct", r.nextDouble() < 0.62 - 0.11 * p.level() ? p.answer() : wrong(p.answer()));
    students.put("qwen2.5-32b-instruct", r.nextDouble() < 0.75 - 0.11 * p.level() ? p.answer() : wrong(p.answer()));
  }

  /**
   * Questions from the wild hold markup; one row in twenty carries a script or an event-handler
   * payload (numbered by row, so no two share an 8-gram), which the run report must show as text.
   */
  static String withMarkupPayload(String question, int i) {
    if (i % 40 == 13) {
      return question + " <script>window.__pwned=" + i + "</script>";
    }
    if (i % 40 == 27) {
      return question + " <img src=x" + i + " onerror=\"window.__pwned=" + i + "\">";
    }
    return question;
  }

  static String trace(SampleProblems.Problem p, SplittableRandom r, boolean loop, boolean cut) {
    // Log-normal-ish lengths: most traces short, a long tail.
    int sentences = (int) Math.min(1200, Math.round(Math.exp(3.0 + 1.0 * r.nextGaussian())) + 3);
    StringBuilder t = new StringBuilder("Let me think about this problem step by step.\n");
    String repeated = String.format(STEPS.get(0), 1, 2);
    for (int s = 0; s < sentences; s++) {
      if (loop) {
        t.append(repeated).append(' ');
      } else {
        t.append(String.format(STEPS.get(r.nextInt(STEPS.size())), r.nextInt(1000), r.nextInt(1000))).append(s % 6 == 5 ? "\n" : " ");
      }
    }
    if (cut) {
      return t.append("Therefore the value we need is the sum of the").toString();
    }
    return t.append("\nSo the answer is ").append(p.answer()).append('.').toString();
  }

  private static String wrong(String answer) {
    try {
      return String.valueOf(Long.parseLong(answer) + 1);
    } catch (NumberFormatException e) {
      return answer + "+1";
    }
  }

  private static String csv(String s) {
    return "\"" + s.replace("\"", "\"\"") + "\"";
  }

  static PipelineConfig withSources(PipelineConfig c, String dir) {
    List<EvalSetSpec> evalSets = new ArrayList<>(c.decontam().evalSets());
    evalSets.add(EvalSetSpec.fromMap(evalSetEntry(dir), "decontam.eval_sets[" + evalSets.size() + "]"));
    PipelineConfig.Decontam decontam = c.decontam().withEvalSets(evalSets);
    return new PipelineConfig(c.tree(), c.run(), c.spark(), c.samplePool(), PipelineConfig.sources(sourceEntries(dir)), c.quality(), decontam,
        c.dedup(), c.difficulty(), c.domains(), c.select(), c.export(), c.generate(), c.embeddings());
  }

  /** The pool's three sources in {@code dir} as config entries, as a user would write them under sources:. */
  public static List<Map<String, Object>> sourceEntries(String dir) {
    List<Map<String, Object>> sources = new ArrayList<>();
    Map<String, Object> grades = Map.of("predictions", "student_answers", "reference", "answer");
    sources.add(source("sample/main", dir + "/" + MAIN, "math", fields("problem", true), grades));
    sources.add(source("sample/olympiad", dir + "/" + OLYMPIAD, "math", fields("problem", true), grades));
    sources.add(source("sample/science", dir + "/" + SCIENCE, "science", fields("question", false), null));
    return sources;
  }

  /** The pool's eval set in {@code dir} as a config entry, as a user would write it under decontam.eval_sets:. */
  public static Map<String, Object> evalSetEntry(String dir) {
    Map<String, Object> eval = new LinkedHashMap<>();
    eval.put("name", "sample-eval");
    eval.put("path", dir + "/" + EVAL);
    eval.put("question", "problem");
    eval.put("id_field", "unique_id");
    return eval;
  }

  /** The column mapping of the generated files (the CSV has no solution, subject or level column). */
  private static Map<String, Object> fields(String question, boolean json) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("question", question);
    fields.put("answer", "answer");
    if (json) {
      fields.put("solution", "solution");
      fields.put("level", "level");
    }
    fields.put("subject", "subject");
    fields.put("trace", "thinking");
    fields.put("attempt", "attempt");
    return fields;
  }

  private static Map<String, Object> source(String name, String path, String cotType, Map<String, Object> fields, Map<String, Object> grades) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("name", name);
    s.put("path", path);
    s.put("cot_type", cotType);
    s.put("fields", fields);
    if (grades != null) {
      s.put("grades", grades);
    }
    s.put("answer_required", true);
    return s;
  }

  private SamplePool() {}
}
