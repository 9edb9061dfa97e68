package dev.distill.job.schema;

/** Column names of the canonical candidate schema and of the scores added by later stages. */
public final class Columns {
  public static final String ID = "id";
  public static final String SOURCE = "source";
  public static final String QUESTION = "question";
  public static final String SOLUTION = "solution";
  public static final String ANSWER = "answer";
  public static final String COT_TYPE = "cot_type";
  public static final String SUBJECT = "subject";
  public static final String LEVEL = "level";
  public static final String TRACE = "trace";
  public static final String ATTEMPT = "attempt";
  public static final String GRADES = "grades";
  public static final String METADATA = "metadata";
  /** Where the row came from: {@code file#line}. */
  public static final String ORIGIN = "origin";
  /** Position of the source in the config (0-based): "earlier source" for cross-source overlap. */
  public static final String SOURCE_ORDER = "source_order";

  /** Added by generate: the judge's verdict on the teacher attempt, the classifier's MSC code,
   *  calls that failed after retries, and the ledger key of every call made for the row (slot -> key, JSON). */
  public static final String JUDGE_CORRECT = "judge_correct";
  public static final String DOMAIN_LLM = "domain_llm";
  public static final String GENERATION_ERRORS = "generation_errors";
  public static final String GENERATION = "generation";
  /** Student samples cut at max_tokens: no answer, so neither right nor wrong (kept out of grades). */
  public static final String STUDENTS_NO_ANSWER = "students_no_answer";
  /** Every teacher trace of a row asked for several (teacher.samples > 1): sample, trace, attempt, verified. */
  public static final String TEACHER_SAMPLES = "teacher_samples";

  public static final String QUALITY_FLAGS = "quality_flags";
  public static final String CONTAMINATED_BY = "contaminated_by";
  public static final String DUP_OF = "dup_of";
  public static final String TRACE_TOKENS = "trace_tokens";
  public static final String LENGTH_TOKENS = "length_tokens";
  public static final String LENGTH_BASIS = "length_basis";
  public static final String TEACHER_CORRECT = "teacher_correct";
  public static final String STUDENTS_CORRECT = "students_correct";
  public static final String STUDENTS_TOTAL = "students_total";
  public static final String DIFFICULTY = "difficulty";
  public static final String DIFFICULTY_BASIS = "difficulty_basis";
  public static final String DOMAIN = "domain";
  public static final String DOMAIN_BASIS = "domain_basis";
  public static final String SCORE = "score";
  public static final String RANK = "rank";
  public static final String STRATEGY = "strategy";
  public static final String WHY = "why";

  /** Added to every row written under removed/. */
  public static final String REASON = "reason";
  public static final String DETAIL = "detail";

  private Columns() {}
}
