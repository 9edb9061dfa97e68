package dev.distill.udf.tokens.bpe;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The added (special and other) tokens, found in the raw text as the tokenizers library finds
 * them: leftmost first, the longest where several start at the same place. Each is one token.
 */
final class AddedTokens {
    private final long[] firstChars = new long[1024];
    /** First char -> the tokens starting with it, longest first. */
    private final Map<Character, String[]> byFirst = new HashMap<>();
    private final int count;

    AddedTokens(List<String> contents) {
        Map<Character, List<String>> grouped = new HashMap<>();
        for (String c : contents) {
            if (!c.isEmpty()) {
                grouped.computeIfAbsent(c.charAt(0), k -> new ArrayList<>()).add(c);
            }
        }
        grouped.forEach((first, tokens) -> {
            tokens.sort(Comparator.comparingInt(String::length).reversed());
            byFirst.put(first, tokens.toArray(new String[0]));
            firstChars[first >>> 6] |= 1L << first;
        });
        count = grouped.values().stream().mapToInt(List::size).sum();
    }

    int size() {
        return count;
    }

    /** Length of the longest added token at {@code s[i]} (within {@code to}), or 0. */
    int matchAt(String s, int i, int to) {
        char c = s.charAt(i);
        if ((firstChars[c >>> 6] & (1L << c)) == 0) {
            return 0;
        }
        for (String t : byFirst.get(c)) {
            if (t.length() <= to - i && s.startsWith(t, i)) {
                return t.length();
            }
        }
        return 0;
    }
}
