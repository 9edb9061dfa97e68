package dev.distill.job.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.job.conf.Endpoints;
import dev.distill.job.io.Json;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Calls a chat-completions endpoint with the JDK's HTTP client, streamed (SSE, an idle timeout
 * between chunks) or as one JSON body (a total timeout). Retries what is transient (429 as asked
 * by its headers, 408, 409, 5xx, timeouts, broken connections and streams, bodies that are not
 * JSON), never what is final (400, 404, 413, 422, context overflow) or fatal (key, billing,
 * quota). Never throws for a failed call: the outcome says what happened, so failures become
 * ledger data. An attempt the client gave up on after the server may have started generating is
 * counted as {@code abandoned}: the caller bills it at its worst case.
 */
public final class ChatClient {
  /** One client per JVM (executor): it pools connections across tasks. */
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(30))
      .build();
  private static final Object END = new Object();

  private final RetryPolicy retry;
  private final Duration timeout;
  private final Duration idleTimeout;

  public ChatClient(RetryPolicy retry, Duration timeout, Duration idleTimeout) {
    this.retry = retry;
    this.timeout = timeout;
    this.idleTimeout = idleTimeout;
  }

  /** What the caller lets a call do between attempts. */
  public interface Guard {
    Guard NONE = new Guard() {};

    /** The stage is stopping: make no further attempt. */
    default boolean stopped() {
      return false;
    }

    /** Another attempt after an abandoned (possibly billed) one: true when the budget still has room for it. */
    default boolean mayRetryAbandoned() {
      return true;
    }
  }

  /**
   * What one logical call came to, after retries.
   *
   * @param errorKind null when the reply came; else why the call failed
   * @param abandoned attempts the client gave up on after sending them (billed at their worst case)
   */
  public record Outcome(ChatReply reply, int httpStatus, int attempts, long latencyMs, String error, ProviderError.Kind errorKind,
      int abandoned) {
    public boolean ok() {
      return reply != null;
    }
  }

  /** One attempt's result. */
  private record Attempt(ChatReply reply, int status, String error, ProviderError.Kind kind, boolean abandoned, Long askedMs) {
    static Attempt reply(ChatReply reply) {
      return new Attempt(reply, 200, null, null, false, null);
    }

    static Attempt transientFailure(int status, String error, boolean abandoned) {
      return new Attempt(null, status, error, ProviderError.Kind.TRANSIENT, abandoned, null);
    }
  }

  public Outcome call(String baseUrl, String body, ApiKey key) throws InterruptedException {
    return call(baseUrl, body, false, key, Guard.NONE);
  }

  /**
   * @param body the request as the ledger keys it; streaming adds {@code stream} and
   *     {@code stream_options} to what is sent, not to the key
   */
  public Outcome call(String baseUrl, String body, boolean stream, ApiKey key, Guard guard) throws InterruptedException {
    long start = System.nanoTime();
    String sent = stream ? streaming(body) : body;
    int abandoned = 0;
    for (int attempt = 1; ; attempt++) {
      Attempt a;
      try {
        a = stream ? streamOnce(baseUrl, sent, key) : wholeOnce(baseUrl, sent, key);
      } catch (RuntimeException e) {
        a = Attempt.transientFailure(0, "client error: " + e, false);
      }
      if (a.abandoned()) {
        abandoned++;
      }
      if (a.reply() != null) {
        return new Outcome(a.reply(), a.status(), attempt, elapsedMs(start), null, null, abandoned);
      }
      String error = key.scrub(a.error());
      if (a.kind() != ProviderError.Kind.TRANSIENT) {
        return new Outcome(null, a.status(), attempt, elapsedMs(start), error, a.kind(), abandoned);
      }
      if (attempt > retry.maxRetries()) {
        return new Outcome(null, a.status(), attempt, elapsedMs(start), error + " (gave up after " + attempt + " attempts)", a.kind(), abandoned);
      }
      if (guard.stopped()) {
        return new Outcome(null, a.status(), attempt, elapsedMs(start), error + " (the stage is stopping: not retried)", a.kind(), abandoned);
      }
      if (a.abandoned() && !guard.mayRetryAbandoned()) {
        return new Outcome(null, a.status(), attempt, elapsedMs(start), error + " (not retried: another attempt would pass generate.max_cost_usd)",
            a.kind(), abandoned);
      }
      Thread.sleep(retry.delayMs(attempt, a.askedMs()));
    }
  }

  private HttpRequest request(String baseUrl, String body, ApiKey key, boolean stream) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(Endpoints.chatCompletions(baseUrl)))
        .timeout(timeout)
        .header("Content-Type", "application/json")
        .header("Accept", stream ? "text/event-stream" : "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (key.present()) {
      request.header("Authorization", key.bearer());
    }
    return request.build();
  }

  private Attempt wholeOnce(String baseUrl, String body, ApiKey key) throws InterruptedException {
    CompletableFuture<HttpResponse<String>> future = HTTP.sendAsync(request(baseUrl, body, key, false), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    HttpResponse<String> response;
    try {
      response = future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      return Attempt.transientFailure(0, "timed out after " + timeout.toSeconds() + "s", true);
    } catch (ExecutionException e) {
      return failed(e.getCause());
    }
    return fromBody(response.statusCode(), response.headers(), response.body());
  }

  /** A whole (not streamed) body: a reply, an error in a 200 (OpenRouter), an HTTP error, or not a reply at all. */
  private static Attempt fromBody(int status, HttpHeaders headers, String body) {
    if (status != 200) {
      return httpError(status, headers, body);
    }
    JsonNode root;
    try {
      root = ChatReply.parseJson(body);
    } catch (ChatReply.MalformedReplyException e) {
      // The server generated it (and may bill it) but the usage cannot be read: the worst case counts.
      return Attempt.transientFailure(status, e.getMessage(), true);
    }
    if (ProviderError.isErrorBody(root)) {
      return httpError(200, headers, body);
    }
    try {
      return Attempt.reply(ChatReply.parse(body));
    } catch (ChatReply.MalformedReplyException e) {
      return Attempt.transientFailure(status, e.getMessage(), false);
    }
  }

  private static Attempt httpError(int status, HttpHeaders headers, String body) {
    ProviderError e = ProviderError.classify(status, body);
    String where = status == 200 ? "HTTP 200 with an error (code " + e.status() + ")" : "HTTP " + status;
    Long asked = RetryPolicy.askedMs(headers.map(), Instant.now());
    return new Attempt(null, status == 200 ? e.status() : status, where + ": " + e.message(), e.kind(), false,
        asked != null ? asked : RetryPolicy.retryDelayInBody(body));
  }

  private static Attempt failed(Throwable cause) {
    if (cause instanceof HttpTimeoutException) {
      return Attempt.transientFailure(0, "timed out waiting for the response", true);
    }
    // Refused before anything was sent: nothing can be billed. Anything later may have been.
    boolean sent = !(cause instanceof ConnectException);
    return Attempt.transientFailure(0, "connection failed: " + cause, sent && cause instanceof IOException);
  }

  private Attempt streamOnce(String baseUrl, String body, ApiKey key) throws InterruptedException {
    StreamSink sink = new StreamSink();
    CompletableFuture<HttpResponse<String>> future = HTTP.sendAsync(request(baseUrl, body, key, true), sink);
    try {
      if (!awaitHeaders(sink.headers, future)) {
        future.cancel(true);
        return Attempt.transientFailure(0, "timed out after " + timeout.toSeconds() + "s waiting for the response to start", true);
      }
      if (sink.info.get() == null) {
        return failed(cause(future));
      }
      if (!sink.eventStream.get()) {
        return notStreamed(future);
      }
      return readEvents(sink, future);
    } catch (ExecutionException e) {
      return failed(e.getCause());
    }
  }

  /** A response to a streamed request that is not an event stream: an error, or a server that ignores stream and answers whole. */
  private Attempt notStreamed(CompletableFuture<HttpResponse<String>> future) throws InterruptedException, ExecutionException {
    HttpResponse<String> whole = wholeBody(future);
    if (whole == null) {
      return Attempt.transientFailure(0, "timed out after " + timeout.toSeconds() + "s reading the response", true);
    }
    return fromBody(whole.statusCode(), whole.headers(), whole.body());
  }

  /**
   * Takes a streamed response: says as soon as its headers come whether it is an event stream,
   * then queues its lines, its error or its end for the caller to read with its own timeouts. A
   * response that is not an event stream is read whole.
   */
  private static final class StreamSink implements HttpResponse.BodyHandler<String>, Flow.Subscriber<String> {
    final BlockingQueue<Object> lines = new LinkedBlockingQueue<>();
    final AtomicReference<Flow.Subscription> subscription = new AtomicReference<>();
    final AtomicReference<HttpResponse.ResponseInfo> info = new AtomicReference<>();
    final AtomicBoolean eventStream = new AtomicBoolean();
    final CountDownLatch headers = new CountDownLatch(1);

    @Override
    public HttpResponse.BodySubscriber<String> apply(HttpResponse.ResponseInfo response) {
      boolean events = response.statusCode() == 200
          && response.headers().firstValue("Content-Type").orElse("").toLowerCase(Locale.ROOT).contains("text/event-stream");
      eventStream.set(events);
      info.set(response);
      headers.countDown();
      return events ? HttpResponse.BodySubscribers.fromLineSubscriber(this, s -> "", StandardCharsets.UTF_8, null)
          : HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8);
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription.set(s);
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
      lines.add(line);
    }

    @Override
    public void onError(Throwable t) {
      lines.add(t);
    }

    @Override
    public void onComplete() {
      lines.add(END);
    }

    /** Stops a body the reader is done with (or gave up on) before it ended. */
    void cancelUnlessDone(CompletableFuture<?> future) {
      Flow.Subscription s = subscription.get();
      if (s != null && !future.isDone()) {
        s.cancel();
      }
    }
  }

  private boolean awaitHeaders(CountDownLatch headers, CompletableFuture<?> future) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (headers.await(100, TimeUnit.MILLISECONDS) || future.isDone()) {
        return true;
      }
    }
    return false;
  }

  private HttpResponse<String> wholeBody(CompletableFuture<HttpResponse<String>> future) throws InterruptedException, ExecutionException {
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      return null;
    }
  }

  private Attempt readEvents(StreamSink sink, CompletableFuture<?> future) throws InterruptedException {
    EventReader reader = new EventReader();
    try {
      return reader.read(sink.lines);
    } catch (ChatReply.MalformedReplyException e) {
      return Attempt.transientFailure(200, e.getMessage(), true);
    } finally {
      sink.cancelUnlessDone(future);
    }
  }

  /**
   * Reads one event stream until [DONE] (then waits a second for its end, ignoring what else
   * comes). The idle clock restarts with every data event; comment lines (DeepSeek's and
   * OpenRouter's keep-alives) count as life only until the first data arrives, and then within
   * timeout_seconds, so a server that keeps a stream open on keep-alives alone is given up on.
   */
  private final class EventReader {
    private final StreamAssembler stream = new StreamAssembler();
    private boolean done;
    private long deadline = System.nanoTime() + Math.max(idleTimeout.toNanos(), timeout.toNanos());

    Attempt read(BlockingQueue<Object> lines) throws InterruptedException, ChatReply.MalformedReplyException {
      while (true) {
        Object item = next(lines);
        if (item == null) {
          if (done) {
            break;
          }
          return silent();
        }
        if (item == END) {
          if (!done && stream.finish() == StreamAssembler.Step.ERROR) {
            return streamError(stream);
          }
          break;
        }
        if (item instanceof Throwable t) {
          if (done) {
            break;
          }
          return Attempt.transientFailure(200, "the stream broke after " + stream.chunks() + " chunks: " + t, true);
        }
        if (!done && accept((String) item) == StreamAssembler.Step.ERROR) {
          return streamError(stream);
        }
      }
      return ended();
    }

    /** The next line, error or end of the stream; null when none came in time. */
    private Object next(BlockingQueue<Object> lines) throws InterruptedException {
      long waitNanos = done ? TimeUnit.SECONDS.toNanos(1) : deadline - System.nanoTime();
      return waitNanos <= 0 ? null : lines.poll(waitNanos, TimeUnit.NANOSECONDS);
    }

    /** Feeds one line; a data event restarts the idle clock. */
    private StreamAssembler.Step accept(String line) throws ChatReply.MalformedReplyException {
      int before = stream.chunks();
      StreamAssembler.Step step = stream.accept(line);
      if (step == StreamAssembler.Step.ERROR) {
        return step;
      }
      if (stream.chunks() > before) {
        deadline = System.nanoTime() + idleTimeout.toNanos();
      }
      done = step == StreamAssembler.Step.DONE;
      return step;
    }

    private Attempt silent() {
      return Attempt.transientFailure(200, stream.chunks() == 0
          ? "the stream sent no data within " + Math.max(idleTimeout.toSeconds(), timeout.toSeconds()) + "s (keep-alives only)"
          : "the stream went silent for " + idleTimeout.toSeconds() + "s (generate.idle_timeout_seconds) after " + stream.chunks() + " chunks", true);
    }

    private Attempt ended() throws ChatReply.MalformedReplyException {
      if (!done && !stream.finished()) {
        return Attempt.transientFailure(200, "the stream ended after " + stream.chunks() + " chunks without finishing the reply", true);
      }
      return Attempt.reply(stream.reply());
    }
  }

  private static Attempt streamError(StreamAssembler stream) {
    ProviderError e = ProviderError.classify(200, stream.error());
    return new Attempt(null, e.status(), "error inside the stream (code " + e.status() + "): " + e.message(), e.kind(), false, null);
  }

  private static Throwable cause(CompletableFuture<?> future) {
    try {
      future.getNow(null);
      return new IOException("no response");
    } catch (CancellationException e) {
      return e;
    } catch (CompletionException e) {
      return e.getCause() == null ? e : e.getCause();
    }
  }

  /** The body as it goes on the wire: as keyed, plus the stream switches when streaming. */
  static String wireBody(String body, boolean stream) {
    return stream ? streaming(body) : body;
  }

  /** The body as sent when streaming: the keyed body plus the stream switches. */
  static String streaming(String body) {
    try {
      ObjectNode node = (ObjectNode) Json.MAPPER.readTree(body);
      node.put("stream", true);
      node.putObject("stream_options").put("include_usage", true);
      return Json.MAPPER.writeValueAsString(node);
    } catch (IOException | ClassCastException e) {
      throw new IllegalArgumentException("Cannot stream a request body that is not a JSON object: " + e.getMessage(), e);
    }
  }

  private static long elapsedMs(long start) {
    return (System.nanoTime() - start) / 1_000_000;
  }
}
