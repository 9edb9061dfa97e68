package dev.distill.job.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.job.error.RunHeldException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run lease on the local filesystem: acquire, refuse, expire, take over, renew, lose. */
class RunLeaseTest {
  static final RunLease.Settings TTL_60 = new RunLease.Settings(60, 0, false);
  static final RunLease.Settings TTL_60_FORCE = new RunLease.Settings(60, 0, true);

  @TempDir
  Path dir;

  /** A clock the test moves. */
  static final class TestClock extends Clock {
    Instant now = Instant.parse("2026-12-03T10:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  private RunDirectory run(String id) {
    return new RunDirectory(dir.resolve(id).toString(), new Configuration());
  }

  @Test
  void theLeaseNamesItsHolderAndASecondProcessIsRefusedNamingIt() throws Exception {
    TestClock clock = new TestClock();
    RunDirectory run = run("r1");
    try (RunLease first = RunLease.acquire(run, "r1", "run", TTL_60, clock)) {
      JsonNode doc = Json.MAPPER.readTree(Files.readString(Path.of(run.lease())));
      assertEquals(ProcessHandle.current().pid(), doc.get("pid").asLong());
      assertEquals("r1", doc.get("run_id").asText());
      assertEquals("run", doc.get("command").asText());
      assertEquals("2026-12-03T10:00:00Z", doc.get("started").asText());
      assertEquals("2026-12-03T10:01:00Z", doc.get("expires").asText());
      assertEquals(32, doc.get("token").asText().length());
      assertFalse(doc.get("host").asText().isBlank());

      clock.advance(Duration.ofSeconds(20));
      RunHeldException refused = assertThrows(RunHeldException.class, () -> RunLease.acquire(run, "r1", "select", TTL_60, clock));
      String m = refused.getMessage();
      assertTrue(m.startsWith("Cannot start run " + run.root() + ": it is held by another distill process (host " + doc.get("host").asText()
          + ", pid " + ProcessHandle.current().pid() + ", run started 2026-12-03T10:00:00Z, last renewal 2026-12-03T10:00:00Z (20 s ago)"), m);
      assertTrue(m.contains("its lease expires at 2026-12-03T10:01:00Z (run.lease_ttl_seconds=60 after its last renewal); then rerun with "
          + "--force-takeover"), m);
      assertEquals(doc, Json.MAPPER.readTree(Files.readString(Path.of(run.lease()))), "a refused process leaves the lease as it was");
    }
    assertFalse(Files.exists(Path.of(run.lease())), "released at the end");
    try (RunLease again = RunLease.acquire(run, "r1", "run", TTL_60, clock)) {
      assertTrue(again.tookOverFrom().isEmpty());
    }
  }

  @Test
  void anExpiredLeaseIsTakenOverOnlyWithForceTakeoverAndALiveOneNever() throws Exception {
    TestClock clock = new TestClock();
    RunDirectory run = run("r2");
    RunLease killed = RunLease.acquire(run, "r2", "run", TTL_60, clock); // never renewed, never closed: a SIGKILLed holder
    String killedToken = killed.holder().token();

    clock.advance(Duration.ofSeconds(59));
    RunHeldException live = assertThrows(RunHeldException.class, () -> RunLease.acquire(run, "r2", "run", TTL_60_FORCE, clock));
    assertTrue(live.getMessage().contains("--force-takeover takes over an expired lease only, and this one expires at 2026-12-03T10:01:00Z"),
        live.getMessage());

    clock.advance(Duration.ofSeconds(2));
    RunHeldException expired = assertThrows(RunHeldException.class, () -> RunLease.acquire(run, "r2", "run", TTL_60, clock));
    assertTrue(expired.getMessage().contains("stopped renewing its lease (host ") && expired.getMessage().contains("61 s ago")
        && expired.getMessage().contains("expired at 2026-12-03T10:01:00Z") && expired.getMessage().contains("rerun with --force-takeover"),
        expired.getMessage());

    try (RunLease taker = RunLease.acquire(run, "r2", "run", TTL_60_FORCE, clock)) {
      assertEquals(killedToken, taker.tookOverFrom().orElseThrow().token());
      assertEquals(Instant.parse("2026-12-03T10:00:00Z"), taker.tookOverFrom().get().renewed());
      assertNotEquals(killedToken, taker.holder().token());
      JsonNode doc = Json.MAPPER.readTree(Files.readString(Path.of(run.lease())));
      assertEquals(taker.holder().token(), doc.get("token").asText());
      assertEquals("2026-12-03T10:01:01Z", doc.get("started").asText());
    }
  }

  @Test
  void aRenewalMovesTheExpiryAndAHolderTakenOverStopsWriting() throws Exception {
    TestClock clock = new TestClock();
    RunDirectory run = run("r3");
    RunLease old = RunLease.acquire(run, "r3", "run", TTL_60, clock);
    AtomicInteger cancelled = new AtomicInteger();
    old.onLost(cancelled::incrementAndGet);

    clock.advance(Duration.ofSeconds(50));
    assertTrue(old.renew());
    assertEquals("2026-12-03T10:01:50Z", Json.MAPPER.readTree(Files.readString(Path.of(run.lease()))).get("expires").asText());
    clock.advance(Duration.ofSeconds(30));
    assertThrows(RunHeldException.class, () -> RunLease.acquire(run, "r3", "run", TTL_60_FORCE, clock), "renewed 30 s ago: still live");
    run.writeString(run.root() + "/note.txt", "the holder writes");

    // The holder stalls past its TTL; another process takes the run over.
    clock.advance(Duration.ofSeconds(31));
    RunLease taker = RunLease.acquire(run, "r3", "run", TTL_60_FORCE, clock);
    assertTrue(old.lostError().isEmpty(), "the old holder learns it at its next renewal");
    assertFalse(old.renew());
    assertEquals(1, cancelled.get(), "its Spark jobs are cancelled");
    RunHeldException lost = old.lostError().orElseThrow();
    assertTrue(lost.getMessage().startsWith("Cannot continue run " + run.root() + ": its lease " + run.lease()
        + " is no longer this process's (taken over by host "), lost.getMessage());
    assertTrue(lost.getMessage().contains("last renewal was at 2026-12-03T10:00:50Z") && lost.getMessage().contains("stopped writing"),
        lost.getMessage());
    RunHeldException refusedWrite = assertThrows(RunHeldException.class, () -> run.writeString(run.runJson(), "{}"));
    assertEquals(lost.getMessage(), refusedWrite.getMessage());
    assertThrows(RunHeldException.class, () -> run.delete(run.stage("dedup")));
    assertFalse(old.renew(), "lost for good");

    old.close();
    assertEquals(taker.holder().token(), Json.MAPPER.readTree(Files.readString(Path.of(run.lease()))).get("token").asText(),
        "the old holder's end leaves the new holder's lease alone");
    taker.close();
    assertFalse(Files.exists(Path.of(run.lease())));
    run.writeString(run.root() + "/note.txt", "writable again once no lease of this JVM is lost");
  }

  @Test
  void theRenewalThreadKeepsTheLeaseAliveAndADeletedLeaseIsLost() throws Exception {
    RunDirectory run = run("r4");
    RunLease.Settings fast = new RunLease.Settings(0.8, 0.1, false);
    ByteArrayOutputStream warnings = new ByteArrayOutputStream();
    try (RunLease lease = RunLease.acquire(run, "r4", "generate", fast)) {
      lease.keepRenewing(new PrintStream(warnings, true, StandardCharsets.UTF_8));
      Instant started = lease.holder().started();
      Thread.sleep(1500);
      Instant renewed = Instant.parse(Json.MAPPER.readTree(Files.readString(Path.of(run.lease()))).get("renewed").asText());
      assertTrue(renewed.isAfter(started.plusMillis(1000)), "renewed at " + renewed + ", started " + started);
      assertThrows(RunHeldException.class, () -> RunLease.acquire(run, "r4", "run", new RunLease.Settings(0.8, 0, true)),
          "past its first TTL, the renewed lease is live");

      CountDownLatch lost = new CountDownLatch(1);
      lease.onLost(lost::countDown);
      Files.delete(Path.of(run.lease()));
      assertTrue(lost.await(5, TimeUnit.SECONDS), "a deleted lease is found lost at the next renewal");
      assertTrue(lease.lostError().orElseThrow().getMessage().contains("deleted by another process"));
    }
    assertEquals("", warnings.toString(StandardCharsets.UTF_8));
  }

  @Test
  void ofProcessesRacingForOneRunExactlyOneGetsIt() throws Exception {
    RunDirectory run = run("r5");
    int racers = 8;
    ExecutorService pool = Executors.newFixedThreadPool(racers);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<RunLease>> results = new ArrayList<>();
    for (int i = 0; i < racers; i++) {
      Callable<RunLease> race = () -> {
        go.await();
        try {
          return RunLease.acquire(run, "r5", "run", TTL_60);
        } catch (RunHeldException e) {
          return null;
        }
      };
      results.add(pool.submit(race));
    }
    go.countDown();
    List<RunLease> winners = new ArrayList<>();
    for (Future<RunLease> f : results) {
      if (f.get() != null) {
        winners.add(f.get());
      }
    }
    pool.shutdown();
    assertEquals(1, winners.size());
    assertEquals(winners.get(0).holder().token(), Json.MAPPER.readTree(Files.readString(Path.of(run.lease()))).get("token").asText());
    winners.get(0).close();
  }

  @Test
  void onAHadoopFilesystemCreateIsIfAbsentAndReplaceAndDeleteCompareTheVersion() throws Exception {
    FileSystem fs = FileSystem.getLocal(new Configuration()).getRawFileSystem();
    org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(dir.resolve("h/lease.json").toUri());
    HadoopLeaseFile lease = new HadoopLeaseFile(fs, file, file.toString());
    assertTrue(lease.createIfAbsent("a".getBytes(StandardCharsets.UTF_8)));
    assertFalse(lease.createIfAbsent("b".getBytes(StandardCharsets.UTF_8)));
    LeaseFile.Stored a = lease.read().orElseThrow();
    assertEquals("a", new String(a.content(), StandardCharsets.UTF_8));
    assertTrue(lease.replace(a.version(), "c".getBytes(StandardCharsets.UTF_8)));
    assertFalse(lease.replace(a.version(), "d".getBytes(StandardCharsets.UTF_8)), "a version that changed is not replaced");
    lease.delete(a.version());
    assertEquals("c", new String(lease.read().orElseThrow().content(), StandardCharsets.UTF_8), "nor deleted");
    lease.delete(lease.read().orElseThrow().version());
    assertTrue(lease.read().isEmpty());
    assertEquals("file: create(overwrite=false)", lease.atomicity());
  }
}
