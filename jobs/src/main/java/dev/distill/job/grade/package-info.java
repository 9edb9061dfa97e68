/**
 * {@code bin/distill grade}: grades model responses already on disk (JSON Lines, JSON arrays,
 * zipped JSON, Parquet) with the project's answer verifier ({@code dev.distill.udf.answer}), one
 * JSON line per response, and a summary.
 */
package dev.distill.job.grade;
