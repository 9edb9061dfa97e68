package dev.distill.job.select;

/** One selected row: its id and why it was chosen (rank is its position in the selection). */
public record Pick(Candidate candidate, String why) {}
