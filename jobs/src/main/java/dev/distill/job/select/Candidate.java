package dev.distill.job.select;

import java.io.Serializable;

/** What selection needs to know of a scored row (a light projection; strategies see it through {@link Candidates}). */
public record Candidate(String id, String source, String domain, int lengthTokens, String lengthBasis, Integer traceTokens,
    Boolean teacherCorrect, double difficulty, boolean hasAnswer, boolean hasSolution, boolean hasTrace) implements Serializable {

  /** Quality component of the composite score: how complete the row is for training. */
  public double completeness() {
    return ((hasTrace ? 2 : 0) + (hasAnswer ? 1 : 0) + (hasSolution ? 1 : 0)) / 4.0;
  }
}
