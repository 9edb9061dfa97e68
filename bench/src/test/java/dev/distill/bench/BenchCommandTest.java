package dev.distill.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.SharedPaths;
import dev.distill.job.error.ConfigException;
import dev.distill.job.error.ExitCode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchCommandTest {

  @Test
  void sizesTakeSuffixesAndSeparators() {
    assertEquals(59_000, BenchMain.parseSize("59000"));
    assertEquals(59_000, BenchMain.parseSize("59k"));
    assertEquals(1_000_000, BenchMain.parseSize("1m"));
    assertEquals(1_000_000, BenchMain.parseSize("1,000,000"));
    assertEquals(10_000, BenchMain.parseSize("10_000"));
    CommandLine.TypeConversionException small = assertThrows(CommandLine.TypeConversionException.class, () -> BenchMain.parseSize("10"));
    assertTrue(small.getMessage().contains("at least 100"), small.getMessage());
    assertThrows(CommandLine.TypeConversionException.class, () -> BenchMain.parseSize("lots"));
  }

  @Test
  void optionsRejectBadValuesAndAMissingTokenizer() {
    CommandLine.ParameterException peers = assertThrows(CommandLine.ParameterException.class,
        () -> BenchMain.parse("--peers", "maybe", "--tokenizer", ""));
    assertTrue(peers.getMessage().contains("--peers") && peers.getMessage().contains("maybe"), peers.getMessage());
    CommandLine.ParameterException size = assertThrows(CommandLine.ParameterException.class, () -> BenchMain.parse("--size", "10"));
    assertTrue(size.getMessage().contains("--size") && size.getMessage().contains("at least 100"), size.getMessage());
    CommandLine.ParameterException seed = assertThrows(CommandLine.ParameterException.class, () -> BenchMain.parse("--seed", "x"));
    assertTrue(seed.getMessage().contains("--seed"), seed.getMessage());
    assertThrows(CommandLine.ParameterException.class, () -> BenchMain.parse("--sizes", "100"));
    ConfigException e = assertThrows(ConfigException.class, () -> BenchMain.parse("--tokenizer", "/nonexistent/tokenizer.json"));
    assertTrue(e.getMessage().contains("--tokenizer"), e.getMessage());
    BenchCommand.Options o = BenchMain.parse("--size", "2k", "--tokenizer", "", "--peers", "false");
    assertEquals(2000, o.size());
    assertEquals(false, o.peers());
    assertEquals(16L << 20, o.tokenSampleChars());
  }

  @Test
  void optionsDefaultAsBeforeAndTakeBothSpellingsAndRepeatedSets() {
    BenchCommand.Options d = BenchMain.parse("--tokenizer", "");
    assertEquals(new BenchCommand.Options(10_000, Path.of("out/bench"), 1, "", Path.of("out/bench/RESULTS.md"), true, 5, false, 16L << 20,
        List.of(), "python3"), d);
    BenchCommand.Options o = BenchMain.parse("--output=/tmp/b", "--tokenizer=", "--seed", " 7 ", "--mllib-tables", "3", "--keep", "TRUE",
        "--token-sample-mb", "2", "--results", "r.md", "--set", "a=1", "--set=b=2", "--size", "100", "--size", "1m", "--python", "");
    assertEquals(new BenchCommand.Options(1_000_000, Path.of("/tmp/b"), 7, "", Path.of("r.md"), true, 3, true, 2L << 20,
        List.of("a=1", "b=2"), ""), o);
  }

  @Test
  void helpExitsZeroListingEveryOptionWithItsDefaultAndABadValueExitsTwo() {
    StringWriter out = new StringWriter();
    CommandLine cli = BenchMain.commandLine();
    cli.setOut(new PrintWriter(out));
    assertEquals(0, cli.execute("--help"));
    String help = out.toString().replaceAll("\\s+", " ");
    for (String option : List.of("--pool", "--config", "--python", "--size", "--output", "--seed", "--tokenizer", "--results", "--peers",
        "--mllib-tables", "--keep", "--token-sample-mb", "--set")) {
      assertTrue(help.contains(option), option + " in\n" + help);
    }
    for (String defaults : List.of("Default: bench", "Default: python3", "Default: conf/public-pool.yaml", "Default: 10000",
        "Default: out/bench", "Default: 1.", "Default: <output>/RESULTS.md", "Default: true", "Default: 5", "Default: false", "Default: 16")) {
      assertTrue(help.contains(defaults), defaults + " in\n" + help);
    }
    StringWriter err = new StringWriter();
    CommandLine bad = BenchMain.commandLine();
    bad.setErr(new PrintWriter(err));
    assertEquals(ExitCode.BAD_CONFIG, bad.execute("--size", "nope"));
    assertTrue(err.toString().startsWith("distill: Invalid value for option '--size': 'nope' is not a whole number"), err.toString());
  }

  @Test
  void thePublicPoolTakesItsConfigAndRefusesTheGeneratedPoolsOptions() {
    CommandLine public1 = BenchMain.commandLine();
    public1.parseArgs("--pool", "PUBLIC", "--output", "/tmp/p", "--python", "/usr/bin/python3", "--set", "spark.master=local[2]");
    PublicPoolBench.Options p = public1.<BenchMain>getCommand().publicOptions();
    assertEquals(new PublicPoolBench.Options(SharedPaths.repoRoot().resolve("conf/public-pool.yaml"), Path.of("/tmp/p"),
        Path.of("/tmp/p/RESULTS.md"), "/usr/bin/python3", false, List.of("spark.master=local[2]")), p);
    CommandLine sized = BenchMain.commandLine();
    sized.parseArgs("--pool", "public", "--size", "59k");
    ConfigException e = assertThrows(ConfigException.class, () -> sized.<BenchMain>getCommand().publicOptions());
    assertTrue(e.getMessage().contains("--size applies to the generated pool"), e.getMessage());
    CommandLine missing = BenchMain.commandLine();
    missing.parseArgs("--pool", "public", "--config", "/nonexistent/pool.yaml");
    e = assertThrows(ConfigException.class, () -> missing.<BenchMain>getCommand().publicOptions());
    assertTrue(e.getMessage().contains("/nonexistent/pool.yaml does not exist"), e.getMessage());
    CommandLine.ParameterException pool = assertThrows(CommandLine.ParameterException.class, () -> BenchMain.parse("--pool", "mine"));
    assertTrue(pool.getMessage().contains("--pool") && pool.getMessage().contains("'mine'"), pool.getMessage());
  }

  @Test
  void summaryLineCarriesTheHeadlineFigures() {
    Map<String, Object> f = new java.util.LinkedHashMap<>();
    f.put("size", 59000);
    f.put("trace_tokens", 212_400_000L);
    f.put("pipeline_seconds", 171.25);
    f.put("peak_heap_used_bytes", 3L << 30);
    f.put("peak_heap_after_gc_bytes", 1L << 30);
    f.put("max_heap_bytes", 2L << 30);
    f.put("peak_rss_bytes", 5L << 30);
    f.put("near_duplicates", Map.of("speedup", 8.0, "distill", Map.of("seconds", 2.0, "recall", 0.99),
        "mllib", Map.of("seconds", 16.0, "recall", 0.98)));
    f.put("machine", Map.of("spark", "4.2.0 local[2]"));
    String s = BenchCommand.summary(f);
    assertTrue(s.contains("59,000 candidates, 212.4M trace tokens counted: pipeline 171.3s wall"), s);
    assertTrue(s.contains("peak driver heap 3.00 GiB used / 1.00 GiB after GC of 2.00 GiB max (local mode: the executors' too), peak RSS 5.00 GiB"), s);
    f.put("machine", Map.of("spark", "4.2.0 spark://127.0.0.1:7077"));
    assertTrue(BenchCommand.summary(f).contains("of 2.00 GiB max (the driver alone: executors run in their own JVMs)"), BenchCommand.summary(f));
    assertTrue(s.contains("near-dup 2.00s vs MLlib 16.00s (8.0x), recall 0.990 vs 0.980"), s);
  }
}
