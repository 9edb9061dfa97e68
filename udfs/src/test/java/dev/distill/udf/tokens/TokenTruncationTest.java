package dev.distill.udf.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.udf.SharedData;
import org.junit.jupiter.api.Test;

class TokenTruncationTest {

    /** One token per word: easy to reason about. */
    private static final TokenCounter WORDS = new TokenCounter() {
        @Override
        public int count(String text) {
            String t = text == null ? "" : text.trim();
            return t.isEmpty() ? 0 : t.split("\\s+").length;
        }

        @Override
        public String name() {
            return "words";
        }

        @Override
        public boolean exact() {
            return true;
        }
    };

    @Test
    void keepsATextThatFits() {
        String text = "one two three";
        assertSame(text, TokenTruncation.prefix(WORDS, text, 3));
        assertNull(TokenTruncation.prefix(WORDS, null, 3));
    }

    @Test
    void cutsToTheLongestPrefixWithinTheLimit() {
        String cut = TokenTruncation.prefix(WORDS, "one two three four five", 3);
        assertEquals("one two three ", cut);
        assertEquals("", TokenTruncation.prefix(WORDS, "one two", 0));
        assertThrows(IllegalArgumentException.class, () -> TokenTruncation.prefix(WORDS, "x", -1));
    }

    @Test
    void neverSplitsASurrogatePair() {
        TokenCounter chars = new TokenCounter() {
            @Override
            public int count(String text) {
                return text.codePointCount(0, text.length());
            }

            @Override
            public String name() {
                return "code points";
            }

            @Override
            public boolean exact() {
                return true;
            }
        };
        String text = "a\uD835\uDC00b\uD835\uDC01c";
        String cut = TokenTruncation.prefix(chars, text, 2);
        assertEquals("a\uD835\uDC00", cut);
    }

    @Test
    void qwenCutsStayWithinTheLimitAndAreLongPrefixes() {
        HfTokenCounter qwen = new HfTokenCounter(SharedData.requireQwenTokenizer().toString());
        StringBuilder sb = new StringBuilder("<|im_start|>assistant\n<|im_start|>think\n");
        for (int i = 0; i < 400; i++) {
            sb.append("Step ").append(i).append(": $x_{").append(i).append("} = \\frac{").append(i * 7).append("}{3}$. ");
        }
        String text = sb.toString();
        int total = qwen.count(text);
        for (int limit : new int[] {10, 500, total - 1}) {
            String cut = TokenTruncation.prefix(qwen, text, limit);
            int tokens = qwen.count(cut);
            assertTrue(text.startsWith(cut));
            assertTrue(tokens <= limit, tokens + " > " + limit);
            assertTrue(tokens >= limit - 2, "a long prefix: " + tokens + " of " + limit);
        }
    }
}
