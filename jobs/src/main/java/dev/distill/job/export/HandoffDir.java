package dev.distill.job.export;

import dev.distill.job.io.Json;
import dev.distill.job.io.RunDirectory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * A run's handoff/ directory, its files named as manifest.json names them ({@code train.jsonl},
 * {@code arrow/state.json}), so that every bundle part writes and reads back the same names.
 */
final class HandoffDir {
  private final RunDirectory run;
  private final String root;

  HandoffDir(RunDirectory run) {
    this.run = run;
    this.root = run.handoff();
  }

  RunDirectory run() {
    return run;
  }

  String path(String name) {
    return root + "/" + name;
  }

  /** Removes what an earlier export left, so the bundle holds only this run's files. */
  void clear() {
    run.delete(root);
  }

  void writeString(String name, String content) {
    run.writeString(path(name), content);
  }

  void writeBytes(String name, byte[] content) {
    run.writeBytes(path(name), content);
  }

  /** {@code name}.tmp, for a file written as a stream: {@link #moveTemp} puts it in place once it is complete. */
  OutputStream createTemp(String name) {
    return run.create(path(name) + ".tmp");
  }

  void moveTemp(String name) {
    run.move(path(name) + ".tmp", path(name));
  }

  long size(String name) {
    return run.size(path(name));
  }

  /** The hex sha256 of the file as it lies on the filesystem. */
  String sha256(String name) {
    String path = path(name);
    try (InputStream in = run.open(path)) {
      return Json.sha256(in);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + path + ": " + e.getMessage(), e);
    }
  }
}
