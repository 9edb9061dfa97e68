package dev.distill.udf.answer;

/**
 * The outcome of grading one response against one reference answer.
 *
 * @param verdict             {@code correct}, {@code incorrect} or {@code no_answer}
 * @param extracted           the answer found in the response, or null
 * @param normalizedReference the reference after {@link AnswerNormalizer#normalize(String)}
 * @param rule                the extraction rule that found the answer, or a short reason when none did
 */
public record Verdict(String verdict, String extracted, String normalizedReference, String rule) {

    public static final String CORRECT = "correct";
    public static final String INCORRECT = "incorrect";
    public static final String NO_ANSWER = "no_answer";

    /** True when the verdict is {@code correct}. */
    public boolean isCorrect() {
        return CORRECT.equals(verdict);
    }
}
