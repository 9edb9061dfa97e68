package dev.distill.job.select;

/** What selection needs to know of a scored row (a light projection collected to the driver). */
public record Candidate(String id, String source, String domain, int lengthTokens, String lengthBasis, Integer traceTokens,
    Boolean teacherCorrect, double difficulty, boolean hasAnswer, boolean hasSolution, boolean hasTrace) {

  /** Quality component of the composite score: how complete the row is for training. */
  public double completeness() {
    return ((hasTrace ? 2 : 0) + (hasAnswer ? 1 : 0) + (hasSolution ? 1 : 0)) / 4.0;
  }
}
