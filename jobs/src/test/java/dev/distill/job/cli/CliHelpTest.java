package dev.distill.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.conf.ConfigLoader;
import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.error.ExitCode;
import dev.distill.job.io.Version;
import dev.distill.job.run.Plan;
import dev.distill.job.select.Selector;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The command line as a user first meets it: help per command, defaults, version, usage errors, completion. */
class CliHelpTest {

  /** What one command line printed and returned. */
  record Ran(int code, String out, String err) {}

  static Ran run(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
    try {
      int code = Main.run(args);
      return new Ran(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  @Test
  void everyCommandPrintsItsOwnHelpWithEveryOptionAndExitsZero() {
    Map<String, CommandLine> commands = Main.commandLine().getSubcommands();
    assertTrue(commands.keySet().containsAll(java.util.List.of("run", "generate", "select", "report", "verify-handoff", "grade", "version")),
        commands.keySet().toString());
    for (Map.Entry<String, CommandLine> c : commands.entrySet()) {
      if (c.getKey().equals("help")) {
        continue; // picocli's own help command: "distill help select" is checked below
      }
      Ran r = run(c.getKey(), "--help");
      assertEquals(ExitCode.OK, r.code(), c.getKey() + ": " + r.err());
      assertTrue(r.out().startsWith("Usage: distill " + c.getKey()), c.getKey() + ":\n" + r.out());
      for (OptionSpec option : c.getValue().getCommandSpec().options()) {
        assertTrue(r.out().contains(option.longestName()), c.getKey() + " --help lacks " + option.longestName() + ":\n" + r.out());
      }
    }
  }

  @Test
  void helpShowsTheDefaults() {
    Ran run = run("run", "--help");
    assertTrue(run.out().contains("--dry-run") && run.out().contains("Default: false"), run.out());
    assertTrue(run.out().contains("Default: out."), "the output root's default: " + run.out());
    Ran select = run("select", "--help");
    assertTrue(select.out().replaceAll("\\s+", " ").contains(String.join(", ", Selector.names())), "every registered strategy: " + select.out());
    assertTrue(select.out().contains("Default: <strategy>-seed<seed>"), select.out());
  }

  @Test
  void runUsageNamesTheStepsOfThePlan() {
    String steps = Plan.of(PipelineConfig.from(ConfigLoader.defaults()), null).arrows();
    assertTrue(steps.startsWith("ingest -> quality"), steps);
    String usage = run("run", "--help").out().replaceAll("\\s+", " ");
    assertTrue(usage.contains(steps), usage);
  }

  @Test
  void versionAndTheBareCommand() {
    assertEquals("distill " + Version.VERSION, run("--version").out().strip());
    assertEquals("distill " + Version.VERSION, run("version").out().strip());
    Ran bare = run();
    assertEquals(ExitCode.OK, bare.code());
    assertTrue(bare.out().contains("Commands:") && bare.out().contains("verify-handoff"), bare.out());
    Ran help = run("help", "select");
    assertEquals(ExitCode.OK, help.code());
    assertTrue(help.out().startsWith("Usage: distill select"), help.out());
  }

  @Test
  void usageErrorsNameTheOptionAndExitTwo() {
    Ran unknown = run("run", "--frobnicate", "x");
    assertEquals(ExitCode.BAD_CONFIG, unknown.code());
    assertTrue(unknown.err().contains("--frobnicate") && unknown.err().contains("Usage: distill run"), unknown.err());
    Ran missing = run("select");
    assertEquals(ExitCode.BAD_CONFIG, missing.code());
    assertTrue(missing.err().contains("--run"), missing.err());
    Ran notANumber = run("select", "--run", "/nowhere", "--seed", "seven");
    assertEquals(ExitCode.BAD_CONFIG, notANumber.code());
    assertTrue(notANumber.err().contains("--seed") && notANumber.err().contains("seven"), notANumber.err());
    Ran noValue = run("run", "--config");
    assertEquals(ExitCode.BAD_CONFIG, noValue.code());
    assertTrue(noValue.err().contains("--config"), noValue.err());
    Ran both = run("generate", "--submit-only", "--collect");
    assertEquals(ExitCode.BAD_CONFIG, both.code());
    assertTrue(both.err().contains("Cannot use --submit-only and --collect together") && both.err().contains("--collect until it exits 0"),
        both.err());
  }

  @Test
  void aCompletionScriptForBash() {
    Ran completion = run("generate-completion");
    assertEquals(ExitCode.OK, completion.code());
    assertTrue(completion.out().contains("complete -F") && completion.out().contains("verify-handoff"), completion.out());
  }
}
