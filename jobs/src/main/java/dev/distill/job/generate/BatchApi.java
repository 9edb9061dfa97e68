package dev.distill.job.generate;

import java.io.IOException;
import java.time.Instant;
import java.util.List;

/**
 * One provider's batch API: how a request goes into a batch, how a batch is submitted, polled and
 * read back. Request bodies are the chat-completions bodies the ledger keys (a shape that is not
 * chat completions translates them on the wire), and every result comes back as a chat-completions
 * reply, so replies are parsed, graded and recorded exactly as online ones.
 */
interface BatchApi {

  /** The most requests one batch may hold. */
  int maxRequests();

  /** The most bytes of requests one batch may hold. */
  long maxBytes();

  /** One request as the batch holds it, keyed by {@code customId}; its size counts against {@link #maxBytes}. */
  String request(String customId, String chatBody);

  /**
   * Submits {@code requests} (from {@link #request}) as one batch and returns its id; tagged with
   * {@code intent} where the shape can ({@link #tagsIntent}). The create request is sent once: when
   * it fails after reaching the provider, the batch may exist, and that is an I/O failure, not a retry.
   */
  String submit(List<String> requests, String intent) throws IOException, InterruptedException;

  /** Whether {@link #submit} tags a batch with its intent (openai: metadata), so {@link #list} finds a batch whose id was never recorded. */
  boolean tagsIntent();

  /** One page of the batches the key sees, newest first: the first with {@code after} null, then each after the last id of the one before. */
  Page list(String after) throws IOException, InterruptedException;

  /** Where a batch is now. */
  State poll(String batchId) throws IOException, InterruptedException;

  /** The results of an ended batch, in any order; requests it never answered (expired, cancelled) have none. */
  List<Result> results(State state) throws IOException, InterruptedException;

  /**
   * A batch as the provider reports it.
   *
   * @param status the provider's own word (validating, in_progress, finalizing, completed, failed, expired, cancelled; ended)
   * @param ended no request of it will be answered any more: its results can be read
   * @param outputRef where its results are (an output file id, a results URL), null until it ends
   * @param errorRef where its failed requests are, if apart (the openai shape's error file)
   */
  record State(String id, String status, boolean ended, long total, long succeeded, long failed, String outputRef, String errorRef,
      String message) {}

  /** A page of {@link #list}. */
  record Page(List<Listed> batches, boolean hasMore) {
    String lastId() {
      return batches.isEmpty() ? null : batches.get(batches.size() - 1).id();
    }
  }

  /** A batch as a list shows it: its intent tag, null where the shape has none. */
  record Listed(String id, Instant createdAt, String intent) {}

  /**
   * One request's result.
   *
   * @param httpStatus the status the request got (200 with a reply)
   * @param reply a chat-completions reply body when it succeeded, else null
   * @param error why it failed, when it did
   */
  record Result(String customId, int httpStatus, String reply, String error) {}
}
