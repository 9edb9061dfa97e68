package dev.distill.udf.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.udf.SharedData;

import java.util.List;

import org.junit.jupiter.api.Test;

class ScriptDetectorTest {

    @Test
    void recognisesTheMainScripts() {
        assertEquals("latin", ScriptDetector.dominantScript("Find the number of ordered pairs."));
        assertEquals("cjk", ScriptDetector.dominantScript("求函数的最小值。"));
        assertEquals("cjk", ScriptDetector.dominantScript("次の方程式を解きなさい。"));
        assertEquals("cyrillic", ScriptDetector.dominantScript("Найдите все простые числа."));
        assertEquals("arabic", ScriptDetector.dominantScript("أوجد قيمة المتغير"));
        assertEquals("other", ScriptDetector.dominantScript("Να βρεθεί η τιμή του αριθμού"));
        assertEquals("none", ScriptDetector.dominantScript("$x^2 + y^2 = 1$"));
        assertEquals("none", ScriptDetector.dominantScript(null));
    }

    @Test
    void mathAndCommandsDoNotCountAsLatin() {
        String chinese = "已知 $\\triangle ABC$ 中, $\\sin A=\\frac{\\sqrt{2}}{2}$, 求 "
                + "$\\cos B+\\sqrt{2} \\cos C$ 的取值范围.";
        assertEquals("cjk", ScriptDetector.dominantScript(chinese));
        assertEquals(0.0, ScriptDetector.latinFraction(chinese));
        assertEquals("cjk", ScriptDetector.dominantScript("设 \\(f(x)=ax+b\\), 求 \\[a+b\\] 的值"));
    }

    @Test
    void urlsAndOneLetterLabelsDoNotCountAsLatin() {
        String q = "如图, 求证: 平面 AEM 垂直于平面 BCD\n"
                + "![](https://cdn.mathpix.com/cropped/2023_12_20_2d05375effc9f3ff6b91g-1.jpg)";
        assertEquals("cjk", ScriptDetector.dominantScript(q));
        assertEquals("cjk", ScriptDetector.dominantScript("2. (5 分) 计算\nA. $1$\nB. $2$\nC. $3$\nD. $4$"));
    }

    @Test
    void aCurrencySignDoesNotHideTheRestOfTheText() {
        String q = "A pen costs $5 and a book costs twelve dollars.\n\n这道题问的是总价是多少钱呢";
        int[] counts = ScriptDetector.letterCounts(q);
        assertTrue(counts[1] > 10, "CJK after the paragraph must be counted");
    }

    @Test
    void latinFractionCountsEveryLetterOnce() {
        assertEquals(1.0, ScriptDetector.latinFraction("only english words"));
        assertEquals(0.5, ScriptDetector.latinFraction("abcd 四五六七"), 1e-12);
        assertEquals(0.0, ScriptDetector.latinFraction("$$"));
    }

    @Test
    void realChineseAndEnglishQuestionsAreClassified() {
        List<String> chinese = SharedData.jsonArrayStrings(
                SharedData.require("pool/olympiadbench/Chinese_Olympiad_Mathematics.json"),
                "question", 10_000);
        List<String> english = SharedData.jsonlStrings(
                SharedData.require("pool/math/math_train_answers.jsonl"), "problem", 10_000);
        long cjk = chinese.stream().filter(q -> ScriptDetector.dominantScript(q).equals("cjk")).count();
        long latin = english.stream().filter(q -> ScriptDetector.dominantScript(q).equals("latin")).count();
        // measured: all 790 Chinese olympiad questions and all 7,500 MATH problems
        assertEquals(chinese.size(), cjk);
        assertEquals(english.size(), latin);
    }
}
