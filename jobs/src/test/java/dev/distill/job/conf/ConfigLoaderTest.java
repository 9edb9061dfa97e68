package dev.distill.job.conf;

import dev.distill.job.error.KeySuggestions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.error.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path tmp;

  private PipelineConfig load(String yaml, String... sets) throws Exception {
    Path file = tmp.resolve("c.yaml");
    Files.writeString(file, yaml);
    return PipelineConfig.from(new ConfigLoader(Map.of("POOL", "/data/pool")).load(file, List.of(sets)));
  }

  @Test
  void defaultsAreS1() {
    PipelineConfig c = PipelineConfig.from(new ConfigLoader(Map.of()).load(null, List.of()));
    assertEquals("s1", c.select().strategy());
    assertEquals(1000, c.select().size());
    assertEquals(8, c.decontam().ngram());
    assertTrue(c.quality().s1FormatRules());
    assertEquals(2, c.select().directPicks().size());
    assertEquals(5600, c.select().directPicks().get(1).minTraceTokens());
    assertTrue(c.usesSamplePool());
  }

  @Test
  void theLeaseKeysHaveDefaultsAndARenewalSlowerThanHalfTheTtlIsRefused() throws Exception {
    PipelineConfig c = PipelineConfig.from(new ConfigLoader(Map.of()).load(null, List.of()));
    assertEquals(120, c.run().leaseTtlSeconds());
    assertEquals(0, c.run().leaseRenewSeconds());
    assertFalse(c.run().forceTakeover());
    PipelineConfig fast = load("run: {lease_ttl_seconds: 2.5, lease_renew_seconds: 0.5, force_takeover: true}");
    assertEquals(2.5, fast.run().leaseTtlSeconds());
    assertTrue(fast.run().forceTakeover());
    ConfigException slow = assertThrows(ConfigException.class, () -> load("run: {lease_ttl_seconds: 10, lease_renew_seconds: 6}"));
    assertTrue(slow.getMessage().startsWith("Cannot read config key run.lease_renew_seconds: renewing every 6.0 s lets a lease of 10.0 s"),
        slow.getMessage());
    ConfigException typo = assertThrows(ConfigException.class, () -> load("run: {lease_tll_seconds: 10}"));
    assertTrue(typo.getMessage().contains("did you mean run.lease_ttl_seconds?"), typo.getMessage());
  }

  @Test
  void aConfigReadElsewhereIsNamedByItsUriInItsErrors() {
    ConfigLoader loader = new ConfigLoader(Map.of());
    PipelineConfig c = PipelineConfig.from(loader.load("s3a://b/conf.yaml", "select: {size: 7}\n", List.of("select.seed=3")));
    assertEquals(7, c.select().size());
    assertEquals(3, c.select().seed());
    ConfigException unknown = assertThrows(ConfigException.class, () -> loader.load("s3a://b/conf.yaml", "selct: {size: 7}\n", List.of()));
    assertTrue(unknown.getMessage().startsWith("Cannot read config key selct in s3a://b/conf.yaml: unknown key; did you mean select?"),
        unknown.getMessage());
    ConfigException syntax = assertThrows(ConfigException.class, () -> loader.load("s3a://b/conf.yaml", "select: [size: 7\n", List.of()));
    assertTrue(syntax.getMessage().startsWith("Cannot parse config file s3a://b/conf.yaml: "), syntax.getMessage());
  }

  @Test
  void exportDefaultsAndTheTokenizerFallback() throws Exception {
    PipelineConfig c = PipelineConfig.from(new ConfigLoader(Map.of()).load(null, List.of()));
    assertEquals(32768, c.export().blockSize());
    assertEquals("drop", c.export().tooLong());
    assertEquals("unknown", c.export().license());
    assertEquals("", c.export().tokenizer());
    assertEquals("/t/tokenizer.json", load("difficulty:\n  tokenizer: /t/tokenizer.json\n").export().tokenizer());
    assertEquals("/e.json", load("difficulty:\n  tokenizer: /t/tokenizer.json\nexport:\n  tokenizer: /e.json\n").export().tokenizer());
    ConfigException e = assertThrows(ConfigException.class, () -> load("", "export.too_long=shorten"));
    assertTrue(e.getMessage().contains("export.too_long") && e.getMessage().contains("[drop, truncate, keep]"), e.getMessage());
    assertThrows(ConfigException.class, () -> load("", "export.block_size=8"));
  }

  @Test
  void userFileMergesOverDefaultsAndSetWins() throws Exception {
    PipelineConfig c = load("select:\n  seed: 7\ndedup:\n  threshold: 0.7\n", "select.seed=9", "select.strategy=random");
    assertEquals(9, c.select().seed());
    assertEquals("random", c.select().strategy());
    assertEquals(0.7, c.dedup().threshold());
    assertEquals(1000, c.select().size());
  }

  @Test
  void unknownKeyNamesTheKeyAndTheValidOnes() {
    ConfigException e = assertThrows(ConfigException.class, () -> load("select:\n  stratgy: s1\n"));
    assertTrue(e.getMessage().contains("select.stratgy"), e.getMessage());
    assertTrue(e.getMessage().contains("strategy"), e.getMessage());
    ConfigException set = assertThrows(ConfigException.class, () -> load("{}", "selct.seed=1"));
    assertTrue(set.getMessage().contains("selct"), set.getMessage());
  }

  @Test
  void aTypoGetsTheClosestValidKey() {
    ConfigException file = assertThrows(ConfigException.class, () -> load("dedup:\n  treshold: 0.7\n"));
    assertTrue(file.getMessage().startsWith("Cannot read config key dedup.treshold in " + tmp.resolve("c.yaml") + ": unknown key; "
        + "did you mean dedup.threshold? valid keys under dedup are [exact, near, threshold,"), file.getMessage());
    ConfigException set = assertThrows(ConfigException.class, () -> load("", "dedup.treshold=0.7"));
    assertTrue(set.getMessage().contains("did you mean dedup.threshold?"), set.getMessage());
    ConfigException section = assertThrows(ConfigException.class, () -> load("dedupe:\n  threshold: 0.7\n"));
    assertTrue(section.getMessage().contains("did you mean dedup? valid keys at the top level are [run, spark,"), section.getMessage());
    ConfigException far = assertThrows(ConfigException.class, () -> load("dedup:\n  colour: blue\n"));
    assertFalse(far.getMessage().contains("did you mean"), "nothing is suggested for a key no valid one resembles: " + far.getMessage());
    assertEquals("hard_filter", KeySuggestions.closest("hard-filter", List.of("hard_filter", "tokenizer")));
    assertEquals("strategy", KeySuggestions.closest("stratgey", List.of("strategy", "size", "seed")));
    assertEquals(null, KeySuggestions.closest("sz", List.of("strategy", "size", "seed")));
  }

  @Test
  void wrongTypeNamesTheKeyAndTheFix() {
    ConfigException e = assertThrows(ConfigException.class, () -> load("select:\n  size: many\n"));
    assertTrue(e.getMessage().startsWith("Cannot read config key select.size"), e.getMessage());
    assertTrue(e.getMessage().contains("whole number"), e.getMessage());
    // Strategies register in select/ (Selector.all()); the config names one, the selector registry checks it.
    ConfigException choice = assertThrows(ConfigException.class,
        () -> dev.distill.job.select.Selector.forStrategy(load("", "select.strategy=best").select().strategy()));
    assertTrue(choice.getMessage().contains("[s1, score, random, longest, diverse, diverse_clusters]"), choice.getMessage());
  }

  @Test
  void environmentVariablesAreSubstitutedWithDefaults() throws Exception {
    PipelineConfig c = load("sources:\n  - {name: a, path: \"${POOL}/a.jsonl\", fields: {question: q}}\n"
        + "  - {name: b, path: \"${DISTILL_DATA}/b.json\", fields: {question: q}}\n  - {name: c, path: \"${NOPE:-/x}/c.csv\", fields: {question: q}}\n");
    assertEquals("/data/pool/a.jsonl", c.sources().get(0).paths().get(0));
    assertEquals("../shared/data/b.json", c.sources().get(1).paths().get(0));
    assertEquals("/x/c.csv", c.sources().get(2).paths().get(0));
    ConfigException e = assertThrows(ConfigException.class, () -> load("run:\n  output: \"${MISSING_VAR}/out\"\n"));
    assertTrue(e.getMessage().contains("run.output") && e.getMessage().contains("MISSING_VAR"), e.getMessage());
  }

  @Test
  void brokenYamlNamesTheFile() {
    ConfigException e = assertThrows(ConfigException.class, () -> load("select: [unclosed\n"));
    assertTrue(e.getMessage().contains("c.yaml"), e.getMessage());
  }

  @Test
  void theParaphraseJudgeIsARoleUnderDecontamWithGeneratesEndpointDefaults() throws Exception {
    assertFalse(load("").decontam().judge().enabled(), "off without a model");
    PipelineConfig c = load("embeddings: {enabled: true}\ngenerate: {base_url: 'http://127.0.0.1:9/v1', api_key_env: K}\n"
        + "decontam:\n  judge: {model: small-judge, price_input: 0.15, price_output: 0.6, extra_body: {top_p: 1}}\n");
    GenerateConfig.Role judge = c.decontam().judge();
    assertEquals("small-judge", judge.model());
    assertEquals("http://127.0.0.1:9/v1", judge.baseUrl(), "generate.base_url by default");
    assertEquals("K", judge.apiKeyEnv());
    assertEquals(Map.of("top_p", 1), judge.wire().extraBody());
    assertEquals("decontam.judge", judge.configKey(c.generate()));
    assertEquals(GenerateConfig.ONLINE, judge.batch().mode());

    ConfigException noBand = assertThrows(ConfigException.class, () -> load("decontam: {judge: {model: m, base_url: 'http://127.0.0.1:9/v1'}}\n"));
    assertTrue(noBand.getMessage().contains("decontam.judge.model") && noBand.getMessage().contains("embeddings.enabled"), noBand.getMessage());
    ConfigException placeholder = assertThrows(ConfigException.class,
        () -> load("embeddings: {enabled: true}\ndecontam: {judge: {model: m, base_url: 'http://127.0.0.1:9/v1', prompt: '{question} {attempt}'}}\n"));
    assertTrue(placeholder.getMessage().contains("decontam.judge.prompt") && placeholder.getMessage().contains("eval_question"), placeholder.getMessage());
    ConfigException unpriced = assertThrows(ConfigException.class, () -> load(
        "embeddings: {enabled: true}\ngenerate: {max_cost_usd: 5}\ndecontam: {judge: {model: m, base_url: 'https://api.example.com/v1'}}\n"));
    assertTrue(unpriced.getMessage().contains("decontam.judge.price_input"), unpriced.getMessage());
    ConfigException batch = assertThrows(ConfigException.class,
        () -> load("embeddings: {enabled: true}\ndecontam: {judge: {model: m, base_url: 'http://127.0.0.1:9/v1', mode: batch}}\n"));
    assertTrue(batch.getMessage().contains("decontam.judge.mode"), batch.getMessage());
  }
}
