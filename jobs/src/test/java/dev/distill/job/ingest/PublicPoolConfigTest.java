package dev.distill.job.ingest;

import dev.distill.job.SharedPaths;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.distill.job.source.SourceSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reads the whole public pool and every eval set through conf/public-pool.yaml: every file is
 * covered exactly once, every row is read and mapped, nothing is unreadable. Needs the shared data
 * (system property distill.data, env DISTILL_DATA, or ../shared/data next to the repository);
 * skipped when it is absent. Prints counts only (GPQA text must never be written anywhere).
 */
class PublicPoolConfigTest {
  private static final String DATA_VARIABLE = "${DISTILL_DATA}";

  /** Rows per pool folder, counted independently of this code (python json, non-blank lines). */
  private static final Map<String, Long> POOL_FOLDER_ROWS = Map.ofEntries(
      Map.entry("agieval", 8_269L), Map.entry("aime", 975L), Map.entry("gaokao_bench", 1_354L),
      Map.entry("gsm8k", 8_792L), Map.entry("math", 17_500L), Map.entry("mmlu_pro", 12_032L),
      Map.entry("olympiadbench", 8_952L), Map.entry("putnambench", 673L), Map.entry("qwen_math_evals", 15_396L),
      Map.entry("scibench", 692L), Map.entry("scieval", 1_511L), Map.entry("theoremqa", 800L));
  private static final long POOL_ROWS = 76_946L;

  private static final Map<String, Long> EVAL_ROWS = Map.ofEntries(
      Map.entry("math500", 500L), Map.entry("aime24", 30L), Map.entry("aime25", 30L), Map.entry("amc23", 40L),
      Map.entry("gpqa_diamond", 198L), Map.entry("hmmt_feb_2025", 30L), Map.entry("matharena_2024_2025", 156L),
      Map.entry("minerva_math", 272L), Map.entry("olymmath_en_easy", 100L), Map.entry("olymmath_en_hard", 100L),
      Map.entry("olympiadbench_test", 675L), Map.entry("omni_math_500", 500L));

  /**
   * Rows of answer_required sources that have no answer, genuinely so in the data (the quality
   * stage drops them): jec-qa-kd line 212 has an empty label list; math_train_answers lines 7037
   * and 7437 and gaokao2023en lines 168 and 193 have answer "".
   */
  private static final Map<String, Long> MISSING_REQUIRED_ANSWERS = Map.of(
      "agieval/jec-qa-kd", 1L, "math/train-answers", 2L, "qwen_math_evals/gaokao2023en", 2L);

  private static Path data;
  private static List<Map<String, Object>> sources;
  private static List<Map<String, Object>> evalSets;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void loadConfig() throws IOException {
    Path root = SharedPaths.repoRoot();
    data = SharedPaths.dataRoot();
    if (!Files.isDirectory(data.resolve("pool"))) {
      return;
    }
    Path config = root.resolve("conf/public-pool.yaml");
    assertTrue(Files.isRegularFile(config), config + " is missing");
    Map<String, Object> tree = (Map<String, Object>) substitute(new ObjectMapper(new YAMLFactory()).readValue(config.toFile(), Map.class));
    assertEquals(List.of("sources", "decontam", "difficulty"), List.copyOf(tree.keySet()));
    sources = (List<Map<String, Object>>) tree.get("sources");
    evalSets = (List<Map<String, Object>>) ((Map<String, Object>) tree.get("decontam")).get("eval_sets");
  }

  /**
   * Every pool row as ingest maps it, source by source in config order, for other tests over the
   * whole pool; skips the calling test when the shared data is absent.
   */
  static void forEachPoolRecord(Consumer<RecordMapper.CanonicalRecord> each) throws IOException {
    if (sources == null) {
      loadConfig();
    }
    assumeData();
    for (int i = 0; i < sources.size(); i++) {
      SourceSpec spec = SourceSpec.fromMap(sources.get(i), "sources[" + i + "]");
      for (String pattern : spec.paths()) {
        for (Path file : expand(pattern)) {
          try (InputStream in = Files.newInputStream(file)) {
            RecordReader.read(file.toString(), in, spec, new RecordReader.RecordSink() {
              @Override
              public void record(JsonNode record, long line, long index) {
                each.accept(RecordMapper.map(spec, record, file + "#" + line));
              }

              @Override
              public void unreadable(long line, String error, String rawSnippet) {
                throw new AssertionError(file + "#" + line + " is unreadable: " + error);
              }
            });
          }
        }
      }
    }
  }

  /** Skips the calling test, visibly, when the shared data is absent. */
  private static void assumeData() {
    assumeTrue(sources != null, data + " not found: skipping the public pool test"
        + " (set -Ddistill.data or DISTILL_DATA to the shared data folder)");
  }

  @Test
  void everyPoolFileBelongsToExactlyOneSource() throws IOException {
    assumeData();
    Map<Path, List<String>> owners = owners(sources, "sources");
    List<Path> pool = dataFiles(data.resolve("pool"));
    assertEquals(POOL_FOLDER_ROWS.size(), pool.stream().map(p -> data.resolve("pool").relativize(p).getName(0)).distinct().count());
    for (Path file : pool) {
      assertEquals(1, owners.getOrDefault(file, List.of()).size(), data.relativize(file) + " is read by " + owners.get(file));
    }
    assertEquals(pool.size(), owners.size(), "sources read files outside pool/: " + owners.keySet());
  }

  @Test
  void everyEvalFileBelongsToExactlyOneEvalSet() throws IOException {
    assumeData();
    Map<Path, List<String>> owners = owners(evalSets, "decontam.eval_sets");
    List<Path> eval = dataFiles(data.resolve("eval"));
    for (Path file : eval) {
      assertEquals(1, owners.getOrDefault(file, List.of()).size(), data.relativize(file) + " is read by " + owners.get(file));
    }
    assertEquals(eval.size(), owners.size(), "eval sets read files outside eval/: " + owners.keySet());
    assertEquals(EVAL_ROWS.keySet(), evalSets.stream().map(e -> (String) e.get("name")).collect(Collectors.toSet()));
  }

  @Test
  void everyPoolRowIsReadAndMapped() throws IOException {
    assumeData();
    Map<String, Tally> tallies = new LinkedHashMap<>();
    for (int i = 0; i < sources.size(); i++) {
      SourceSpec spec = SourceSpec.fromMap(sources.get(i), "sources[" + i + "]");
      tallies.put(spec.name(), readSource(spec));
    }

    Map<String, Long> perFolder = new TreeMap<>();
    Map<String, Long> missingRequired = new TreeMap<>();
    List<String> unreadable = new ArrayList<>();
    List<String> mappingErrors = new ArrayList<>();
    long total = 0;
    System.out.printf("%-40s %7s %9s %9s%n", "source", "rows", "answers", "solutions");
    for (Map.Entry<String, Tally> entry : tallies.entrySet()) {
      Tally t = entry.getValue();
      System.out.printf("%-40s %7d %9d %9d%n", entry.getKey(), t.rows, t.answers, t.solutions);
      perFolder.merge(entry.getKey().substring(0, entry.getKey().indexOf('/')), t.rows, Long::sum);
      total += t.rows;
      unreadable.addAll(t.unreadable);
      mappingErrors.addAll(t.mappingErrors);
      if (t.spec.answerRequired() && t.rows > t.answers) {
        missingRequired.put(entry.getKey(), t.rows - t.answers);
      }
      assertTrue(t.rows > 0, entry.getKey() + " read no rows");
    }
    System.out.printf("%-40s %7d%n", "total", total);

    assertEquals(List.of(), unreadable.stream().limit(20).toList(), "unreadable rows in the real data");
    assertEquals(List.of(), mappingErrors.stream().limit(20).toList(), "rows that could not be mapped");
    assertEquals(new TreeMap<>(POOL_FOLDER_ROWS), perFolder);
    assertEquals(POOL_ROWS, total);
    assertEquals(MISSING_REQUIRED_ANSWERS, missingRequired);

    spotChecks(tallies);
  }

  /** Values of known rows, each checked against the raw files by hand. */
  private static void spotChecks(Map<String, Tally> tallies) {
    RecordMapper.CanonicalRecord mawps = tallies.get("qwen_math_evals/mawps").first;
    assertTrue(mawps.question().startsWith("Joan found 70 seashells"), mawps.question());
    assertEquals("43", mawps.answer());

    RecordMapper.CanonicalRecord mmluStem = tallies.get("qwen_math_evals/mmlu_stem").first;
    assertEquals("C", mmluStem.answer());
    assertTrue(mmluStem.question().contains("\n\n(A) maintain the population"), mmluStem.question());
    assertEquals("college_biology", mmluStem.subject());

    RecordMapper.CanonicalRecord svamp = tallies.get("qwen_math_evals/svamp").first;
    assertTrue(svamp.question().endsWith("organized into 93 groups How big is each group of bananas?"), svamp.question());
    assertEquals("145", svamp.answer());
    assertEquals("chal-777", json(svamp.metadata()).get("source_id").asText());

    RecordMapper.CanonicalRecord jec = tallies.get("agieval/jec-qa-ca").first;
    assertEquals("A, B, C, D", jec.answer());
    assertEquals("law", jec.cotType());

    RecordMapper.CanonicalRecord aqua = tallies.get("agieval/aqua-rat").first;
    assertTrue(aqua.solution().startsWith("Explanation :"), aqua.solution());
    assertTrue(aqua.question().endsWith("(A)5(√3 + 1)\n(B)6(√3 + √2)\n(C)7(√3 – 1)\n(D)8(√3 – 2)\n(E)None of these"), aqua.question());
    assertFalse(json(aqua.metadata()).has("other"), aqua.metadata());

    RecordMapper.CanonicalRecord proof = tallies.get("olympiadbench/maths-en").first;
    assertNull(proof.answer(), "a proof's placeholder answer is no answer");
    assertEquals("Geometry", proof.subject());
    assertEquals("Theorem_Proving", json(proof.metadata()).get("label").asText());

    RecordMapper.CanonicalRecord mmluPro = tallies.get("mmlu_pro/test").first;
    assertEquals("I", mmluPro.answer());
    assertEquals(10, mmluPro.grades().size());
    assertEquals(8, mmluPro.grades().values().stream().filter(b -> b).count());
    assertEquals(8, json(mmluPro.metadata()).get("pass_correct").asInt());
    assertTrue(mmluPro.question().contains("\n(I) "), mmluPro.question());

    RecordMapper.CanonicalRecord gsm = tallies.get("gsm8k/test").first;
    assertTrue(gsm.answer().endsWith("#### 18"), gsm.answer());
    assertEquals(gsm.answer(), gsm.solution());

    RecordMapper.CanonicalRecord gaokao = tallies.get("gaokao_bench/biology-mcq").first;
    assertEquals("D", gaokao.answer());
    assertEquals("Biology", gaokao.subject());
    assertEquals("science", gaokao.cotType());

    RecordMapper.CanonicalRecord theorem = tallies.get("theoremqa/test").first;
    assertEquals("11760", theorem.answer());
    assertNull(theorem.solution(), "explanation NONE is no solution");

    RecordMapper.CanonicalRecord aime = tallies.get("aime/1983-2023").first;
    assertEquals("1", aime.level());
    assertEquals("60", aime.answer());

    RecordMapper.CanonicalRecord atkins = tallies.get("scibench/atkins").first;
    assertEquals("50.7", atkins.answer());

    RecordMapper.CanonicalRecord solutions = tallies.get("math/test-solutions").first;
    assertTrue(solutions.answer().contains("\\boxed{"), solutions.answer());
    assertEquals("Level 3", solutions.level());
  }

  @Test
  void everyEvalRowHasAQuestion() throws IOException {
    assumeData();
    long total = 0;
    for (int i = 0; i < evalSets.size(); i++) {
      Map<String, Object> raw = new LinkedHashMap<>(evalSets.get(i));
      Object question = raw.remove("question");
      assertNotNull(question, "decontam.eval_sets[" + i + "].question is missing");
      raw.put("fields", Map.of("question", question));
      SourceSpec spec = SourceSpec.fromMap(raw, "decontam.eval_sets[" + i + "]");
      Tally t = readSource(spec);
      System.out.printf("eval %-34s %7d%n", spec.name(), t.rows);
      assertEquals(List.of(), t.unreadable, spec.name());
      assertEquals(List.of(), t.mappingErrors, spec.name());
      assertEquals(EVAL_ROWS.get(spec.name()), t.rows, spec.name());
      total += t.rows;
    }
    assertEquals(EVAL_ROWS.values().stream().mapToLong(Long::longValue).sum(), total);
  }

  /** What one source gave. */
  private static final class Tally {
    final SourceSpec spec;
    long rows;
    long answers;
    long solutions;
    RecordMapper.CanonicalRecord first;
    final List<String> unreadable = new ArrayList<>();
    final List<String> mappingErrors = new ArrayList<>();

    Tally(SourceSpec spec) {
      this.spec = spec;
    }
  }

  private static Tally readSource(SourceSpec spec) throws IOException {
    Tally tally = new Tally(spec);
    List<Path> files = new ArrayList<>();
    for (String pattern : spec.paths()) {
      files.addAll(expand(pattern));
    }
    assertFalse(files.isEmpty(), spec.name() + " matches no file");
    for (Path file : files) {
      String name = data.relativize(file).toString();
      try (InputStream in = Files.newInputStream(file)) {
        RecordReader.read(file.toString(), in, spec, new RecordReader.RecordSink() {
          @Override
          public void record(JsonNode record, long line, long index) {
            try {
              RecordMapper.CanonicalRecord r = RecordMapper.map(spec, record, name + "#" + line);
              assertFalse(r.question() == null || r.question().isBlank(), name + "#" + line + " has an empty question");
              tally.rows++;
              tally.answers += r.answer() == null ? 0 : 1;
              tally.solutions += r.solution() == null ? 0 : 1;
              if (tally.first == null) {
                tally.first = r;
              }
            } catch (RecordException e) {
              tally.mappingErrors.add(name + "#" + line + ": " + e.getMessage());
            }
          }

          @Override
          public void unreadable(long line, String error, String rawSnippet) {
            // The snippet is not kept: it may hold GPQA text.
            tally.unreadable.add(name + "#" + line + ": " + error);
          }
        });
      }
    }
    return tally;
  }

  private static Map<Path, List<String>> owners(List<Map<String, Object>> entries, String key) throws IOException {
    Map<Path, List<String>> owners = new TreeMap<>();
    for (int i = 0; i < entries.size(); i++) {
      Object path = entries.get(i).get("path");
      List<?> patterns = path instanceof List<?> list ? list : List.of(path);
      for (Object pattern : patterns) {
        List<Path> matched = expand(String.valueOf(pattern));
        assertFalse(matched.isEmpty(), key + "[" + i + "].path " + pattern + " matches no file");
        for (Path file : matched) {
          owners.computeIfAbsent(file, f -> new ArrayList<>()).add(String.valueOf(entries.get(i).get("name")));
        }
      }
    }
    return owners;
  }

  /** A file, every data file under a directory, or the files matching a glob. */
  static List<Path> expand(String pattern) throws IOException {
    int glob = indexOfGlob(pattern);
    if (glob < 0) {
      Path path = Path.of(pattern).toAbsolutePath().normalize();
      if (Files.isDirectory(path)) {
        return dataFiles(path);
      }
      return Files.isRegularFile(path) ? List.of(path) : List.of();
    }
    int slash = pattern.lastIndexOf('/', glob);
    Path base = Path.of(slash <= 0 ? "/" : pattern.substring(0, slash));
    PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
    return dataFiles(base).stream().filter(matcher::matches).toList();
  }

  private static int indexOfGlob(String pattern) {
    for (int i = 0; i < pattern.length(); i++) {
      if ("*?[{".indexOf(pattern.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }

  private static List<Path> dataFiles(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile)
          .filter(p -> !p.getFileName().toString().startsWith(".") && !p.getFileName().toString().startsWith("_"))
          .map(p -> p.toAbsolutePath().normalize())
          .sorted()
          .toList();
    }
  }

  private static Object substitute(Object node) {
    if (node instanceof String s) {
      String value = s.replace(DATA_VARIABLE, data.toString());
      assertFalse(value.contains("${"), "only " + DATA_VARIABLE + " may be used in the config: " + s);
      return value;
    }
    if (node instanceof List<?> list) {
      return list.stream().map(PublicPoolConfigTest::substitute).toList();
    }
    if (node instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      map.forEach((k, v) -> out.put(String.valueOf(k), substitute(v)));
      return out;
    }
    return node;
  }

  private static JsonNode json(String text) {
    try {
      return RecordReader.JSON.readTree(text);
    } catch (IOException e) {
      throw new AssertionError("metadata is not JSON: " + text, e);
    }
  }


}
