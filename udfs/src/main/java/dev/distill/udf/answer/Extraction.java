package dev.distill.udf.answer;

/**
 * A final answer pulled out of a model response.
 *
 * @param answer the answer text, lightly cleaned (no surrounding {@code $}, bold markers or trailing period)
 * @param rule   the short, stable name of the rule that found it, for example {@code boxed} or {@code the_answer_is}
 */
public record Extraction(String answer, String rule) {
}
