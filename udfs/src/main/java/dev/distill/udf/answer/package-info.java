/**
 * Final-answer extraction and equivalence for grading model responses, in plain Java: find the
 * answer ({@link dev.distill.udf.answer.AnswerExtractor}), canonicalise it
 * ({@link dev.distill.udf.answer.AnswerNormalizer}), compare it with a reference
 * ({@link dev.distill.udf.answer.AnswerEquivalence}), or do all three
 * ({@link dev.distill.udf.answer.AnswerGrader}).
 */
package dev.distill.udf.answer;
