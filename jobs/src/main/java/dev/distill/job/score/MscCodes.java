package dev.distill.job.score;

import dev.distill.job.error.ConfigException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The 61 top-level MSC codes and the subject keyword rules that label training rows. */
public final class MscCodes implements Serializable {
  public static final String GENERAL = "00";
  private final Map<String, String> titles;
  private final List<String[]> rules;

  private MscCodes(Map<String, String> titles, List<String[]> rules) {
    this.titles = titles;
    this.rules = rules;
  }

  /** Built-in codes and rules, with the user's rules (domains.subject_map) checked first. */
  public static MscCodes load(Map<String, String> userRules) {
    Map<String, String> titles = new LinkedHashMap<>();
    for (String[] row : readTsv("distill/msc-codes.tsv")) {
      titles.put(row[0], row[1]);
    }
    List<String[]> rules = new ArrayList<>();
    for (Map.Entry<String, String> e : userRules.entrySet()) {
      // YAML reads an unquoted 05 as the number 5: codes are always two digits.
      String code = e.getValue().matches("\\d") ? "0" + e.getValue() : e.getValue();
      if (!titles.containsKey(code)) {
        throw ConfigException.forKey("domains.subject_map." + e.getKey(),
            "\"" + e.getValue() + "\" is not a top-level MSC code", "use a two-digit code such as 05, 11 or 92 (see conf/pipeline.yaml)");
      }
      rules.add(new String[] {e.getKey().toLowerCase(), code});
    }
    rules.addAll(readTsv("distill/msc-subjects.tsv"));
    return new MscCodes(titles, rules);
  }

  public String title(String code) {
    return titles.getOrDefault(code, "General");
  }

  public Map<String, String> titles() {
    return titles;
  }

  /** The MSC code for a source subject, or null when no rule matches. */
  public String forSubject(String subject) {
    if (subject == null || subject.isBlank()) {
      return null;
    }
    String s = subject.toLowerCase().replace('_', ' ').replace('.', ' ');
    for (String[] rule : rules) {
      if (s.contains(rule[0])) {
        return rule[1];
      }
    }
    return null;
  }

  private static List<String[]> readTsv(String resource) {
    List<String[]> rows = new ArrayList<>();
    try (InputStream in = MscCodes.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("Cannot load " + resource + ": not on the classpath; rebuild the jobs module");
      }
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      String line;
      while ((line = reader.readLine()) != null) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] parts = line.split("\t", 2);
        rows.add(new String[] {parts[0].strip(), parts[1].strip()});
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows;
  }
}
