package dev.distill.job.cli;

import dev.distill.job.grade.GradeCommand;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bin/distill grade}: grades model responses on disk with the answer verifier. */
@Command(name = "grade", mixinStandardHelpOptions = true,
    description = {"Grade model responses on disk (.jsonl, .json, .csv, .zip, .parquet) with the answer verifier.",
        "One JSON line per response to --output (else stdout); the summary to stdout (stderr without --output)."})
final class GradeResponsesCommand implements Callable<Integer> {
  @Option(names = "--input", required = true, paramLabel = "FILE", description = "The records to grade.")
  Path input;

  @Option(names = "--response", required = true, paramLabel = "PATH",
      description = "Where a record's response is: dotted fields, [i] or [*] for list elements (e.g. response[*], 6b_finetuning.solution).")
  String response;

  @Option(names = "--reference", required = true, paramLabel = "PATH", description = "Where a record's reference answer is (same syntax).")
  String reference;

  @Option(names = "--output", paramLabel = "FILE", description = "Where the graded lines go. Default: standard output.")
  Path output;

  @Override
  public Integer call() {
    return GradeCommand.run(input, response, reference, output);
  }
}
