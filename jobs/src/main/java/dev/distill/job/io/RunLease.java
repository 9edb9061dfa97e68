package dev.distill.job.io;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.error.RunHeldException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One writer per run: {@code <run>/lease.json}, created if absent when a command that writes the
 * run starts, renewed by a daemon thread while it runs and deleted when it ends. A second process
 * finds the file and is refused, naming the holder; a holder that stopped renewing (killed, its
 * machine lost) leaves a lease that expires {@code ttl} after its last renewal, and only then may a
 * process take it over ({@code --force-takeover}). Every renewal checks that the lease still holds
 * this process's random token: a holder that was taken over stops writing (see {@link LostLeases}).
 */
public final class RunLease implements AutoCloseable {

  /** {@code run.lease_ttl_seconds}, {@code run.lease_renew_seconds} and {@code run.force_takeover}. */
  public record Settings(double ttlSeconds, double renewSeconds, boolean forceTakeover) {}

  /** What lease.json says: who holds the run, since when, its last renewal, and the token only it knows. */
  public record Holder(String host, long pid, Instant started, Instant renewed, String runId, String command, double ttlSeconds,
      String token, String atomicity) {

    public Instant expires() {
      return renewed.plusMillis(Math.round(ttlSeconds * 1000));
    }

    Holder renewedAt(Instant at) {
      return new Holder(host, pid, started, at, runId, command, ttlSeconds, token, atomicity);
    }

    /** "host h, pid 42, started ..., last renewal ..." as the messages show it. */
    String describe(Instant now) {
      long ago = Duration.between(renewed, now).toSeconds();
      return String.format("host %s, pid %d, %s started %s, last renewal %s (%d s ago)", host, pid, command, started, renewed, ago);
    }
  }

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int ATTEMPTS = 5;

  private final LeaseFile file;
  private final String root;
  private final Settings settings;
  private final Clock clock;
  private final Optional<Holder> tookOverFrom;
  private Holder mine;
  private String lost;
  private boolean closed;
  private ScheduledExecutorService renewer;
  private Runnable onLost = () -> {};

  private RunLease(LeaseFile file, String root, Settings settings, Clock clock, Holder mine, Optional<Holder> tookOverFrom) {
    this.file = file;
    this.root = root;
    this.settings = settings;
    this.clock = clock;
    this.mine = mine;
    this.tookOverFrom = tookOverFrom;
  }

  /**
   * Takes the lease of {@code run} for {@code command} (run, generate, select, report), before
   * anything is written there; renewal starts with {@link #keepRenewing}.
   *
   * @throws RunHeldException (exit 2) when another process holds it, naming it and how to take over
   */
  public static RunLease acquire(RunDirectory run, String runId, String command, Settings settings) {
    return acquire(run, runId, command, settings, Clock.systemUTC());
  }

  static RunLease acquire(RunDirectory run, String runId, String command, Settings settings, Clock clock) {
    try {
      LeaseFile file = LeaseFile.at(run.lease(), run.hadoop());
      Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
      Holder mine = new Holder(hostName(), ProcessHandle.current().pid(), now, now, runId, command, settings.ttlSeconds(), newToken(),
          file.atomicity());
      for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        if (file.createIfAbsent(toJson(mine))) {
          return new RunLease(file, run.root(), settings, clock, mine, Optional.empty());
        }
        Optional<LeaseFile.Stored> current = file.read();
        if (current.isEmpty()) {
          continue; // released between the two calls
        }
        Holder holder = parse(current.get().content(), file.path());
        Instant at = clock.instant();
        if (at.isBefore(holder.expires())) {
          throw new RunHeldException(heldMessage(run.root(), file.path(), holder, at, settings.forceTakeover()));
        }
        if (!settings.forceTakeover()) {
          throw new RunHeldException(expiredMessage(run.root(), file.path(), holder, at));
        }
        if (file.replace(current.get().version(), toJson(mine))) {
          return new RunLease(file, run.root(), settings, clock, mine, Optional.of(holder));
        }
      }
      throw new RunHeldException("Cannot start run " + run.root() + ": its lease " + file.path() + " changed " + ATTEMPTS
          + " times while this process tried to take it; another process is starting on this run: wait for it, then rerun");
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot take the lease of run " + run.root() + " (" + run.lease() + "): " + e.getMessage(), e);
    }
  }

  private static String heldMessage(String root, String path, Holder holder, Instant now, boolean forced) {
    String takeOver = forced
        ? "--force-takeover takes over an expired lease only, and this one expires at " + holder.expires() + " unless its holder renews it"
        : "if it is gone (killed, its machine lost), its lease expires at " + holder.expires() + " (" + ttl(holder)
            + " after its last renewal); then rerun with --force-takeover to take the run over and resume it";
    return "Cannot start run " + root + ": it is held by another distill process (" + holder.describe(now) + "; lease " + path
        + "); two processes writing one run corrupt it. Wait for that process to end; " + takeOver;
  }

  private static String expiredMessage(String root, String path, Holder holder, Instant now) {
    return "Cannot start run " + root + ": it is held by a distill process that stopped renewing its lease (" + holder.describe(now)
        + "; lease " + path + ", expired at " + holder.expires() + "): it was killed or lost its machine. If no process runs on "
        + root + " any more, rerun with --force-takeover to take the run over and resume it from its last committed stage";
  }

  private static String ttl(Holder holder) {
    return String.format("run.lease_ttl_seconds=%s", holder.ttlSeconds() == Math.rint(holder.ttlSeconds())
        ? String.valueOf((long) holder.ttlSeconds()) : String.valueOf(holder.ttlSeconds()));
  }

  /** The expired lease this one replaced ({@code --force-takeover}), if any. */
  public Optional<Holder> tookOverFrom() {
    return tookOverFrom;
  }

  public Holder holder() {
    return mine;
  }

  /** Where the lease is. */
  public String path() {
    return file.path();
  }

  /** What to do once when a renewal finds the lease taken over (cancel the Spark jobs); at once if it already was. */
  public synchronized void onLost(Runnable action) {
    this.onLost = action;
    if (lost != null) {
      action.run();
    }
  }

  /**
   * Renews the lease every {@code run.lease_renew_seconds} (0: a quarter of the TTL) on a daemon
   * thread. A renewal that cannot reach the store is retried at the next interval.
   */
  public synchronized void keepRenewing(PrintStream warnings) {
    long every = Math.max(1, Math.round(renewSeconds(settings) * 1000));
    renewer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "distill-lease-renewal");
      t.setDaemon(true);
      return t;
    });
    renewer.scheduleWithFixedDelay(() -> {
      try {
        renew();
      } catch (IOException | RuntimeException e) {
        warnings.println("distill: warning: could not renew the lease " + file.path() + " (" + e.getMessage() + "); retrying in "
            + every + " ms, it expires at " + mine.expires());
      }
    }, every, every, TimeUnit.MILLISECONDS);
  }

  static double renewSeconds(Settings settings) {
    return settings.renewSeconds() > 0 ? settings.renewSeconds() : settings.ttlSeconds() / 4;
  }

  /** One renewal: true while the lease is this process's; false, once and for good, when another took it over. */
  synchronized boolean renew() throws IOException {
    if (lost != null || closed) {
      return lost == null;
    }
    Optional<LeaseFile.Stored> current = file.read();
    Optional<Holder> now = current.map(s -> parse(s.content(), file.path()));
    if (now.isPresent() && now.get().token().equals(mine.token())) {
      Holder renewed = mine.renewedAt(clock.instant().truncatedTo(ChronoUnit.MILLIS));
      if (file.replace(current.get().version(), toJson(renewed))) {
        mine = renewed;
        return true;
      }
      current = file.read();
      now = current.map(s -> parse(s.content(), file.path()));
    }
    lose(now);
    return false;
  }

  private void lose(Optional<Holder> taker) {
    Instant at = clock.instant();
    lost = "Cannot continue run " + root + ": its lease " + file.path() + " is no longer this process's ("
        + taker.map(h -> "taken over by " + h.describe(at)).orElse("deleted by another process")
        + "); this process's last renewal was at " + mine.renewed() + ". It stopped writing so that two processes do not corrupt "
        + "the run; the new holder continues it";
    LostLeases.lost(root, lost);
    onLost.run();
  }

  /** The error this process ends with once its lease was taken over; empty while it holds it. */
  public synchronized Optional<RunHeldException> lostError() {
    return Optional.ofNullable(lost).map(RunHeldException::new);
  }

  /** Stops renewing and deletes the lease if it is still this process's (a failed delete leaves it to expire). */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (renewer != null) {
      renewer.shutdownNow();
    }
    LostLeases.forget(root);
    if (lost != null) {
      return;
    }
    try {
      Optional<LeaseFile.Stored> current = file.read();
      if (current.isPresent() && parse(current.get().content(), file.path()).token().equals(mine.token())) {
        file.delete(current.get().version());
      }
    } catch (IOException | RuntimeException e) {
      System.err.println("distill: warning: could not release the lease " + file.path() + " (" + e.getMessage() + "); it expires at "
          + mine.expires() + ", after which --force-takeover takes the run over");
    }
  }

  static byte[] toJson(Holder h) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("host", h.host());
    doc.put("pid", h.pid());
    doc.put("started", h.started().toString());
    doc.put("renewed", h.renewed().toString());
    doc.put("expires", h.expires().toString());
    doc.put("run_id", h.runId());
    doc.put("command", h.command());
    doc.put("ttl_seconds", h.ttlSeconds());
    doc.put("token", h.token());
    doc.put("atomicity", h.atomicity());
    try {
      return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(doc).getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Holder parse(byte[] content, String path) {
    try {
      JsonNode n = Json.MAPPER.readTree(content);
      return new Holder(n.get("host").asText(), n.get("pid").asLong(), Instant.parse(n.get("started").asText()),
          Instant.parse(n.get("renewed").asText()), n.get("run_id").asText(), n.get("command").asText(), n.get("ttl_seconds").asDouble(),
          n.get("token").asText(), n.path("atomicity").asText());
    } catch (IOException | RuntimeException e) {
      throw new RunHeldException("Cannot read the lease " + path + " (" + e.getMessage() + "): it is not a distill lease. If no distill "
          + "process runs on this run, delete that file and rerun");
    }
  }

  private static String newToken() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return Optional.ofNullable(System.getenv("HOSTNAME")).orElse("unknown");
    }
  }
}
