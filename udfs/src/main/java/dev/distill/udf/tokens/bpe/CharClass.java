package dev.distill.udf.tokens.bpe;

/**
 * The character classes the byte-level split patterns use, as Oniguruma (the regex engine of the
 * Hugging Face tokenizers library) defines them: {@code \p{L}} is General_Category Letter,
 * {@code \p{N}} is Number, {@code \s} is U+0009..U+000D, U+0085 and the Space, Line and
 * Paragraph separators. {@code \r} and {@code \n} are whitespace of their own class because the
 * Qwen2 / Llama 3 patterns treat them apart.
 */
final class CharClass {
    static final byte OTHER = 0;
    static final byte LETTER = 1;
    static final byte NUMBER = 2;
    static final byte SPACE = 3;
    static final byte NEWLINE = 4;

    private static final byte[] BMP = new byte[0x10000];

    static {
        for (int c = 0; c < 0x10000; c++) {
            BMP[c] = compute(c);
        }
    }

    private CharClass() {}

    /** The class of code point {@code cp}. */
    static byte of(int cp) {
        return cp < 0x10000 ? BMP[cp] : compute(cp);
    }

    /** The class of a char that is not a surrogate. */
    static byte ofChar(char c) {
        return BMP[c];
    }

    static boolean isWhitespace(byte cls) {
        return cls == SPACE || cls == NEWLINE;
    }

    private static byte compute(int cp) {
        if (cp == '\r' || cp == '\n') {
            return NEWLINE;
        }
        if ((cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85) {
            return SPACE;
        }
        switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER, Character.OTHER_LETTER:
                return LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER:
                return NUMBER;
            case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR:
                return SPACE;
            default:
                return OTHER;
        }
    }
}
