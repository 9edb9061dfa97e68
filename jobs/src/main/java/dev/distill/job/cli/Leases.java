package dev.distill.job.cli;

import dev.distill.job.conf.PipelineConfig;
import dev.distill.job.error.RunHeldException;
import dev.distill.job.io.Console;
import dev.distill.job.io.RunDirectory;
import dev.distill.job.io.RunLease;
import java.util.concurrent.Callable;
import org.apache.spark.SparkContext;

/** What every command that writes a run does around its work: take the run's lease, renew it, release it at the end. */
final class Leases {

  /** Takes the lease of {@code run} with the config's lease settings and starts renewing it. */
  static RunLease take(RunDirectory run, String runId, String command, PipelineConfig config, Console console) {
    PipelineConfig.Run r = config.run();
    RunLease lease = RunLease.acquire(run, runId, command, new RunLease.Settings(r.leaseTtlSeconds(), r.leaseRenewSeconds(), r.forceTakeover()));
    lease.tookOverFrom().ifPresent(h -> console.info("took over the expired lease of " + run.root() + " (--force-takeover): host "
        + h.host() + ", pid " + h.pid() + ", " + h.command() + " started " + h.started() + ", last renewal " + h.renewed()));
    lease.keepRenewing(System.err);
    return lease;
  }

  /**
   * Runs {@code work} on {@code spark} under {@code lease}: a takeover cancels its Spark jobs, and
   * the command then ends with the takeover's error (exit 2) rather than whatever the cancelled job threw.
   */
  static Integer whileHeld(RunLease lease, SparkContext spark, Callable<Integer> work) throws Exception {
    return whileHeld(lease, spark::cancelAllJobs, work);
  }

  /** The same for work without Spark: {@code onLost} stops it when the lease is taken over. */
  static <T> T whileHeld(RunLease lease, Runnable onLost, Callable<T> work) throws Exception {
    lease.onLost(onLost);
    try {
      T result = work.call();
      lease.lostError().ifPresent(lost -> {
        throw lost;
      });
      return result;
    } catch (Exception e) {
      RunHeldException lost = lease.lostError().orElse(null);
      if (lost != null && lost != e) {
        lost.addSuppressed(e);
        throw lost;
      }
      throw e;
    }
  }

  private Leases() {}
}
