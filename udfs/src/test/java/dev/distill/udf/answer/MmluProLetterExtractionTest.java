package dev.distill.udf.answer;

import dev.distill.udf.SharedData;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;

/**
 * Letters we extract from MMLU-Pro model outputs versus the letters MMLU-Pro's own harness
 * extracted ({@code pred}). The harness takes the first "answer is (X)" where we take the last,
 * so a few responses that list several answers legitimately differ.
 */
class MmluProLetterExtractionTest {

    @Test
    void mistralLettersAgreeWithHarness() throws Exception {
        Path zip = SharedData.require("grading/mmlu_pro_outputs_Mistral-7B-v0.1.zip");
        int compared = 0;
        int agreed = 0;
        int graded = 0;
        int gradedAgree = 0;
        JsonNode rows = readSingleJsonArray(zip);
        for (JsonNode row : rows) {
            String text = row.path("generated_text").asText();
            String reference = row.path("answer").asText();
            JsonNode pred = row.path("pred");
            Extraction e = AnswerExtractor.extract(text, ReferenceKind.LETTER);
            if (!pred.isNull() && !pred.isMissingNode()) {
                compared++;
                if (e != null && pred.asText().equals(e.answer())) {
                    agreed++;
                }
                graded++;
                if (AnswerGrader.grade(text, reference).isCorrect() == pred.asText().equals(reference)) {
                    gradedAgree++;
                }
            }
        }
        double rate = (double) agreed / compared;
        System.out.printf("MMLU-Pro Mistral-7B letters vs harness pred: %d/%d agree (%.2f%%); verdicts agree %d/%d%n",
                agreed, compared, 100 * rate, gradedAgree, graded);
        assertTrue(compared > 10_000, "expected about 10,781 rows with a harness prediction, got " + compared);
        assertTrue(rate >= 0.99, String.format("agreement %.4f below 0.99", rate));
        assertTrue(gradedAgree >= 0.99 * graded, "verdicts disagree with the harness too often");
    }

    private static JsonNode readSingleJsonArray(Path zip) throws Exception {
        try (InputStream in = Files.newInputStream(zip); ZipInputStream zin = new ZipInputStream(in)) {
            for (ZipEntry entry = zin.getNextEntry(); entry != null; entry = zin.getNextEntry()) {
                if (entry.getName().endsWith(".json")) {
                    return new ObjectMapper().readTree(zin);
                }
            }
        }
        throw new IllegalStateException("no .json entry in " + zip);
    }
}
