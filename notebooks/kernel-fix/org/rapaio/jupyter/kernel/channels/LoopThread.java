package org.rapaio.jupyter.kernel.channels;

/**
 * distill's stand-in for rapaio-jupyter-kernel 3.0.1's LoopThread (same name and public API),
 * put ahead of the kernel's jar on the kernel's classpath by notebooks/setup.sh.
 *
 * <p>The kernel runs its shell, control and heartbeat channels each in a LoopThread, and 3.0.1
 * can lose one of them at start-up in two ways, more often the busier the machine:
 * <ul>
 *   <li>{@code start()} started the thread first and only then set the flag that keeps the loop
 *       going: a thread that checked the flag before its starter set it ended at once;
 *   <li>the channels start polling before the kernel has registered its message handlers: a
 *       {@code kernel_info_request} that arrives in between throws a NullPointerException out of
 *       the loop body, which ended the thread.
 * </ul>
 * Without the shell loop the kernel never answers {@code kernel_info_request} and Jupyter reports
 * "Kernel didn't respond"; without the control loop a shutdown request goes unanswered until the
 * client kills the kernel. Here the flag is set before the thread starts, and a failing pass is
 * logged and the loop goes on (the message it was handling is lost; Jupyter asks again for
 * kernel_info until it gets a reply).
 */
public final class LoopThread extends Thread {
  private volatile boolean running;
  private final long sleepMillis;
  private final Runnable body;
  private int failures;

  public LoopThread(String name, long sleepMillis, Runnable body) {
    super(name);
    this.sleepMillis = sleepMillis;
    this.body = body;
  }

  @Override
  public void run() {
    while (running) {
      try {
        body.run();
      } catch (RuntimeException e) {
        failures++;
        System.err.println("[distill kernel fix] " + getName() + ": a loop pass failed (" + e + "); the loop goes on");
        if (failures == 1) {
          e.printStackTrace();
        }
      }
      try {
        Thread.sleep(sleepMillis);
      } catch (InterruptedException e) {
        running = false;
      }
    }
  }

  @Override
  public synchronized void start() {
    running = true;
    super.start();
  }

  /** Ends the loop after its current pass. */
  public void shutdown() {
    running = false;
  }
}
