package dev.distill.udf.answer;

import java.util.Locale;

/** Grades a model response against a reference answer: extraction, then equivalence. */
public final class AnswerGrader {

    /** Markers that show a reference is a worked solution rather than a bare answer. */
    private static final String[] SOLUTION_MARKERS = {"\\boxed", "\\fbox", "####", "answer is", "answer:"};

    private AnswerGrader() {
    }

    /**
     * Extracts the final answer of {@code response} (with fallbacks chosen from the kind of
     * {@code reference}) and compares it with the reference. A reference that is a worked solution
     * (GSM8K's "... A: 18", a MATH solution ending in {@code \boxed{}}) is reduced to its own final
     * answer first. Never throws.
     */
    public static Verdict grade(String response, String reference) {
        if (reference == null || reference.isBlank()) {
            return new Verdict(Verdict.NO_ANSWER, null, null, "no_reference");
        }
        String answer = referenceAnswer(reference);
        String normalizedReference;
        try {
            normalizedReference = AnswerNormalizer.normalize(answer);
        } catch (RuntimeException e) {
            normalizedReference = answer.trim();
        }
        if (response == null || response.isBlank()) {
            return new Verdict(Verdict.NO_ANSWER, null, normalizedReference, "empty_response");
        }
        try {
            ReferenceKind kind = ReferenceKind.detect(answer);
            Extraction extraction = AnswerExtractor.extract(response, kind);
            if (extraction == null) {
                return new Verdict(Verdict.NO_ANSWER, null, normalizedReference, "none");
            }
            boolean correct = AnswerEquivalence.equivalent(extraction.answer(), answer);
            return new Verdict(correct ? Verdict.CORRECT : Verdict.INCORRECT, extraction.answer(), normalizedReference,
                    extraction.rule());
        } catch (RuntimeException e) {
            return new Verdict(Verdict.NO_ANSWER, null, normalizedReference, "error");
        }
    }

    /**
     * The answer a reference stands for: the reference itself, or, when it is a worked solution
     * holding a final-answer marker ({@code \boxed{}}, "#### N", a line "A: N", "The answer is",
     * "Answer:"), the answer that marker gives. Never null for a non-null reference.
     */
    public static String referenceAnswer(String reference) {
        if (reference == null || !looksLikeSolution(reference)) {
            return reference;
        }
        try {
            Extraction e = AnswerExtractor.extract(reference, ReferenceKind.EXPRESSION);
            return e == null || e.answer().isBlank() ? reference : e.answer();
        } catch (RuntimeException e) {
            return reference;
        }
    }

    private static boolean looksLikeSolution(String reference) {
        String lower = reference.toLowerCase(Locale.ROOT);
        for (String marker : SOLUTION_MARKERS) {
            if (lower.contains(marker)) {
                return true;
            }
        }
        return reference.startsWith("A:") || reference.contains("\nA:");
    }
}
