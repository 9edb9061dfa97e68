package dev.distill.udf.answer;

import dev.distill.udf.SharedData;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Compares AnswerGrader with correctness labels that others published for real model outputs. */
class GradingAgreementTest {

    private static final String[] GSM8K_MODELS = {"6b_finetuning", "6b_verification", "175b_finetuning", "175b_verification"};

    @Test
    void gsm8kVerdictsAgreeWithPublishedLabels() throws Exception {
        Path file = SharedData.require("grading/gsm8k_test_model_solutions.jsonl");
        int graded = 0;
        int agreed = 0;
        Map<String, Integer> rules = new TreeMap<>();
        List<String> disagreements = new ArrayList<>();
        for (JsonNode row : SharedData.readJsonLines(file)) {
            Extraction truth = AnswerExtractor.extract(row.path("ground_truth").asText(), ReferenceKind.NUMBER);
            assertNotNull(truth, "no answer in ground truth: " + row.path("ground_truth").asText());
            for (String model : GSM8K_MODELS) {
                JsonNode solution = row.path(model);
                Verdict verdict = AnswerGrader.grade(solution.path("solution").asText(), truth.answer());
                boolean labelled = solution.path("is_correct").asBoolean();
                graded++;
                rules.merge(verdict.rule(), 1, Integer::sum);
                if (verdict.isCorrect() == labelled) {
                    agreed++;
                } else {
                    disagreements.add(model + ": label=" + labelled + " verdict=" + verdict);
                }
            }
        }
        double rate = (double) agreed / graded;
        System.out.printf("GSM8K grader vs is_correct: %d/%d agree (%.2f%%); rules %s%n", agreed, graded, 100 * rate, rules);
        disagreements.stream().limit(10).forEach(d -> System.out.println("  " + d));
        assertTrue(graded >= 5000, "expected about 5,276 labelled solutions, got " + graded);
        assertTrue(rate >= 0.99, String.format("agreement %.4f below 0.99", rate));
    }

    /**
     * Qwen2.5-Math's own evaluator scored these 800 sampled MATH solutions; a second verifier
     * should mostly agree (the remainder is printed, as either side can be wrong).
     */
    @Test
    void qwenMathVerdictsMostlyAgreeWithPeerVerifier() throws Exception {
        Path file = SharedData.require("grading/qwen25math_math_cot_8samples.jsonl");
        int graded = 0;
        int agreed = 0;
        int correct = 0;
        List<String> disagreements = new ArrayList<>();
        for (JsonNode row : SharedData.readJsonLines(file)) {
            String reference = row.path("gt").asText();
            JsonNode responses = row.path("response");
            JsonNode scores = row.path("score");
            for (int i = 0; i < responses.size(); i++) {
                Verdict verdict = AnswerGrader.grade(responses.get(i).asText(), reference);
                boolean peer = scores.get(i).asBoolean();
                graded++;
                if (verdict.isCorrect()) {
                    correct++;
                }
                if (verdict.isCorrect() == peer) {
                    agreed++;
                } else {
                    disagreements.add("peer=" + peer + " pred=" + row.path("pred").get(i).asText() + " | " + verdict);
                }
            }
        }
        double rate = (double) agreed / graded;
        System.out.printf("Qwen2.5-Math MATH samples vs peer verifier: %d/%d agree (%.2f%%); we mark %d correct%n",
                agreed, graded, 100 * rate, correct);
        disagreements.stream().limit(Integer.getInteger("distill.answer.show", 15)).forEach(d -> System.out.println("  " + d));
        assertTrue(graded == 800, "expected 100 problems x 8 samples, got " + graded);
        assertTrue(rate >= 0.97, String.format("agreement %.4f below 0.97", rate));
    }
}
