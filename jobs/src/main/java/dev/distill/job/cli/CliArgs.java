package dev.distill.job.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parsed command line: a subcommand, --flag value options, repeated --set key=value overrides and,
 * for commands whose flags include {@link #ARGUMENTS}, plain arguments (e.g. a directory).
 */
public record CliArgs(String command, Map<String, String> options, List<String> sets, List<String> arguments) {
  /** Put in a command's flag set when it takes plain arguments. */
  public static final String ARGUMENTS = "<arguments>";
  /** Options that take no value: present means "true". */
  static final Set<String> SWITCHES = Set.of("dry-run");

  /** Thrown for a usage mistake; the CLI prints it with the usage and exits 2. */
  public static final class UsageException extends RuntimeException {
    public UsageException(String message) {
      super(message);
    }
  }

  public static CliArgs parse(String[] args, Map<String, Set<String>> flagsByCommand) {
    if (args.length == 0) {
      return new CliArgs("help", Map.of(), List.of(), List.of());
    }
    String command = args[0];
    if (command.equals("--help") || command.equals("-h")) {
      command = "help";
    }
    if (command.equals("--version")) {
      command = "version";
    }
    Set<String> allowed = flagsByCommand.get(command);
    if (allowed == null) {
      throw new UsageException("unknown command '" + command + "'; commands are " + flagsByCommand.keySet());
    }
    Map<String, String> options = new LinkedHashMap<>();
    List<String> sets = new ArrayList<>();
    List<String> arguments = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      String name;
      String value;
      if (a.startsWith("--") && a.contains("=") && !a.startsWith("--set=")) {
        name = a.substring(2, a.indexOf('='));
        value = a.substring(a.indexOf('=') + 1);
      } else if (a.startsWith("--")) {
        name = a.substring(2);
        if (name.startsWith("set=")) {
          sets.add(name.substring(4));
          continue;
        }
        if (SWITCHES.contains(name)) {
          value = "true";
        } else if (i + 1 >= args.length) {
          throw new UsageException("option --" + name + " needs a value");
        } else {
          value = args[++i];
        }
      } else if (allowed.contains(ARGUMENTS)) {
        arguments.add(a);
        continue;
      } else {
        throw new UsageException("unexpected argument '" + a + "'; options start with --");
      }
      if (name.equals("set")) {
        sets.add(value);
      } else if (!allowed.contains(name)) {
        throw new UsageException("unknown option --" + name + " for '" + command + "'; options are " + allowed + " and --set key=value");
      } else {
        options.put(name, value);
      }
    }
    return new CliArgs(command, options, sets, arguments);
  }
}
