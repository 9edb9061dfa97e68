package dev.distill.job.generate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.io.Json;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One provider's batch API: how a request goes into a batch, how a batch is submitted, polled and
 * read back. Request bodies are the chat-completions bodies the ledger keys (a shape that is not
 * chat completions translates them on the wire), and every result comes back as a chat-completions
 * reply, so replies are parsed, graded and recorded exactly as online ones.
 */
interface BatchApi {

  /** A role's online request body, for the shapes that translate it on the wire. */
  static JsonNode chatBody(String body) {
    try {
      return Json.MAPPER.readTree(body);
    } catch (IOException e) {
      throw new IllegalArgumentException("not a JSON request body: " + e.getMessage(), e);
    }
  }

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

  /**
   * Whether {@link #submit} tags a batch with its intent (openai: metadata, gemini: its display name), so {@link #list} finds a
   * batch whose id was never recorded.
   */
  boolean tagsIntent();

  /** One page of the batches the key sees: the first with {@code after} null, then each with the {@link Page#next} of the one before. */
  Page list(String after) throws IOException, InterruptedException;

  /** Whether {@link #list} gives the newest batches first, so a lookup may stop at the first page older than what it looks for. */
  default boolean listsNewestFirst() {
    return true;
  }

  /** Where a batch is now. */
  State poll(String batchId) throws IOException, InterruptedException;

  /**
   * The results in one of an ended batch's result files ({@link State#resultRefs}), in any order;
   * requests it never answered (expired, cancelled) have none. A file the provider does not know
   * is {@link BatchHttp.NotFoundException}.
   */
  List<Result> results(String ref) throws IOException, InterruptedException;

  /**
   * A batch as the provider reports it.
   *
   * @param status the provider's own word (validating, in_progress, finalizing, completed, failed, expired, cancelled; ended;
   *     pending, running, succeeded)
   * @param ended no request of it will be answered any more: its results can be read
   * @param outputRef where its results are (an output file id, a results URL), null until it ends
   * @param errorRef where its failed requests are, if apart (the openai shape's error file)
   * @param message why the batch itself failed, where the provider says
   * @param errorStatus the HTTP status of that failure where the provider gives one (gemini: its code), else 0
   */
  record State(String id, String status, boolean ended, long total, long succeeded, long failed, String outputRef, String errorRef,
      String message, int errorStatus) {

    State(String id, String status, boolean ended, long total, long succeeded, long failed, String outputRef, String errorRef,
        String message) {
      this(id, status, ended, total, succeeded, failed, outputRef, errorRef, message, 0);
    }

    /** Where its results are: the output and error refs it has. */
    List<String> resultRefs() {
      List<String> refs = new ArrayList<>();
      for (String ref : new String[] {outputRef, errorRef}) {
        if (ref != null && !ref.isBlank()) {
          refs.add(ref);
        }
      }
      return refs;
    }
  }

  /** A page of {@link #list}: {@code next} is what {@link #list} takes for the page after it, null on the last page. */
  record Page(List<Listed> batches, String next) {
    /** The page of a list paged by the last id it holds (openai {@code after}, anthropic {@code after_id}). */
    static Page afterLastId(List<Listed> batches, boolean hasMore) {
      return new Page(batches, hasMore && !batches.isEmpty() ? batches.get(batches.size() - 1).id() : null);
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
