package dev.distill.udf.answer;

/** Grades a model response against a reference answer: extraction, then equivalence. */
public final class AnswerGrader {

    private AnswerGrader() {
    }

    /**
     * Extracts the final answer of {@code response} (with fallbacks chosen from the kind of
     * {@code reference}) and compares it with the reference. Never throws.
     */
    public static Verdict grade(String response, String reference) {
        if (reference == null || reference.isBlank()) {
            return new Verdict(Verdict.NO_ANSWER, null, null, "no_reference");
        }
        String normalizedReference;
        try {
            normalizedReference = AnswerNormalizer.normalize(reference);
        } catch (RuntimeException e) {
            normalizedReference = reference.trim();
        }
        if (response == null || response.isBlank()) {
            return new Verdict(Verdict.NO_ANSWER, null, normalizedReference, "empty_response");
        }
        try {
            ReferenceKind kind = ReferenceKind.detect(reference);
            Extraction extraction = AnswerExtractor.extract(response, kind);
            if (extraction == null) {
                return new Verdict(Verdict.NO_ANSWER, null, normalizedReference, "none");
            }
            boolean correct = AnswerEquivalence.equivalent(extraction.answer(), reference);
            return new Verdict(correct ? Verdict.CORRECT : Verdict.INCORRECT, extraction.answer(), normalizedReference,
                    extraction.rule());
        } catch (RuntimeException e) {
            return new Verdict(Verdict.NO_ANSWER, null, normalizedReference, "error");
        }
    }
}
