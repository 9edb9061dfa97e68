package dev.distill.udf.answer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ReferenceKindTest {

    @Test
    void letters() {
        assertEquals(ReferenceKind.LETTER, ReferenceKind.detect("C"));
        assertEquals(ReferenceKind.LETTER, ReferenceKind.detect("(J)"));
        assertEquals(ReferenceKind.LETTER, ReferenceKind.detect("\\text{(B)}"));
        assertEquals(ReferenceKind.EXPRESSION, ReferenceKind.detect("K"));
        assertEquals(ReferenceKind.EXPRESSION, ReferenceKind.detect("x"));
    }

    @Test
    void numbers() {
        for (String n : new String[] {"42", "-7", "1,000", "0.25", ".5", "3/4", "50%", "50\\%", "\\frac{1}{2}", "-\\dfrac{3}{4}",
            "2\\frac{1}{2}", "1.5e-3", "$18"}) {
            assertEquals(ReferenceKind.NUMBER, ReferenceKind.detect(n), n);
        }
    }

    @Test
    void expressions() {
        for (String e : new String[] {"\\sqrt{2}", "(1,2)", "x^2+1", "\\text{Monday}", "[0,1)", "3\\pi", "", "1, 2, 3"}) {
            assertEquals(ReferenceKind.EXPRESSION, ReferenceKind.detect(e), e);
        }
        assertEquals(ReferenceKind.EXPRESSION, ReferenceKind.detect(null));
    }
}
