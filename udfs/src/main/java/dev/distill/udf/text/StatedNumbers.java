package dev.distill.udf.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The numbers a question states, as a sorted multiset ("in 2 hours, 120 miles" and "120 miles in
 * two hours" state the same ones): digits, and number words read as their value. Two math
 * questions close in meaning that state different numbers ("simplify sqrt(245)" / "simplify
 * sqrt(242)", "Roslyn has twenty boxes" / "Roslyn has ten boxes") ask different things: semantic
 * dedup and decontamination by meaning use this to tell a reworded problem from a variant.
 */
public final class StatedNumbers {
  private static final Map<String, String> WORDS = Map.ofEntries(Map.entry("zero", "0"), Map.entry("one", "1"), Map.entry("two", "2"),
      Map.entry("three", "3"), Map.entry("four", "4"), Map.entry("five", "5"), Map.entry("six", "6"), Map.entry("seven", "7"),
      Map.entry("eight", "8"), Map.entry("nine", "9"), Map.entry("ten", "10"), Map.entry("eleven", "11"), Map.entry("twelve", "12"),
      Map.entry("thirteen", "13"), Map.entry("fourteen", "14"), Map.entry("fifteen", "15"), Map.entry("sixteen", "16"),
      Map.entry("seventeen", "17"), Map.entry("eighteen", "18"), Map.entry("nineteen", "19"), Map.entry("twenty", "20"),
      Map.entry("thirty", "30"), Map.entry("forty", "40"), Map.entry("fifty", "50"), Map.entry("sixty", "60"), Map.entry("seventy", "70"),
      Map.entry("eighty", "80"), Map.entry("ninety", "90"), Map.entry("hundred", "100"), Map.entry("thousand", "1000"));
  private static final Pattern NUMBER = Pattern.compile("\\d+(?:\\.\\d+)?|(?i)\\b(?:" + String.join("|", WORDS.keySet()) + ")\\b");

  public static List<String> of(String text) {
    List<String> out = new ArrayList<>();
    Matcher m = NUMBER.matcher(text == null ? "" : text);
    while (m.find()) {
      String n = m.group();
      out.add(Character.isDigit(n.charAt(0)) ? n : WORDS.get(n.toLowerCase(Locale.ROOT)));
    }
    out.sort(null);
    return out;
  }

  private StatedNumbers() {}
}
