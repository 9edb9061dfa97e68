package dev.distill.udf.answer;

import dev.distill.udf.SharedData;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The boxed answer of each MATH test solution should be equivalent to the published answer of
 * the same problem: a real end-to-end check of lastBoxed, normalisation and equivalence.
 */
class MathBoxedAgreementTest {

    @Test
    void boxedSolutionsAgreeWithPublishedAnswers() throws Exception {
        Path solutionsFile = SharedData.require("pool/math/math_test_solutions.jsonl");
        Path answersFile = SharedData.require("pool/math/math_test_answers.jsonl");

        Map<String, String> answers = new HashMap<>();
        for (JsonNode row : SharedData.readJsonLines(answersFile)) {
            answers.put(row.path("problem").asText(), row.path("answer").asText());
        }
        int paired = 0;
        int agreed = 0;
        List<String> disagreements = new ArrayList<>();
        List<String[]> pairs = new ArrayList<>();
        for (JsonNode row : SharedData.readJsonLines(solutionsFile)) {
            String answer = answers.get(row.path("problem").asText());
            if (answer == null) {
                continue;
            }
            paired++;
            String boxed = AnswerExtractor.lastBoxed(row.path("solution").asText());
            pairs.add(new String[] {boxed, answer});
            if (AnswerEquivalence.equivalent(boxed, answer)) {
                agreed++;
            } else {
                disagreements.add("boxed=" + boxed + "  |  answer=" + answer);
            }
        }
        double rate = paired == 0 ? 0 : (double) agreed / paired;
        System.out.printf("MATH boxed vs answers: %d/%d paired problems agree (%.2f%%), %d disagreements%n",
                agreed, paired, 100 * rate, disagreements.size());
        int shown = Integer.getInteger("distill.answer.show", 15);
        disagreements.stream().limit(shown).forEach(d -> System.out.println("  " + d));

        // Negative control: a boxed answer compared with the next problem's answer should rarely match,
        // and only when the two really denote the same value.
        int differentText = 0;
        int matchedAnyway = 0;
        List<String> matches = new ArrayList<>();
        for (int i = 0; i + 1 < pairs.size(); i++) {
            String boxed = pairs.get(i)[0];
            String other = pairs.get(i + 1)[1];
            if (boxed == null || AnswerNormalizer.normalize(boxed).equals(AnswerNormalizer.normalize(other))) {
                continue;
            }
            differentText++;
            if (AnswerEquivalence.equivalent(boxed, other)) {
                matchedAnyway++;
                matches.add("boxed=" + boxed + "  |  other answer=" + other);
            }
        }
        System.out.printf("Negative control: %d of %d mismatched pairs with different text judged equivalent%n",
                matchedAnyway, differentText);
        matches.stream().limit(shown).forEach(d -> System.out.println("  " + d));

        assertTrue(paired >= 4900, "expected the two MATH test files to pair up, got " + paired);
        assertTrue(rate >= 0.97, String.format("agreement %.4f below 0.97", rate));
        assertTrue(matchedAnyway <= differentText / 200, "too many unrelated answers judged equivalent: " + matches);
    }
}
