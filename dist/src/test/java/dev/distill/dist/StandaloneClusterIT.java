package dev.distill.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.cli.Main;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The application jar submitted to a real Spark standalone cluster: a Master and two Workers as
 * separate JVMs on 127.0.0.1, from the Spark jars Maven already has (a SPARK_HOME with jars/ and
 * RELEASE is built under target/ for the Workers to launch executors from). The cluster run
 * selects the same ids, in the same order, as a local run, also when one Worker is SIGKILLed mid-run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterIT {
  /**
   * The pool both runs select from: the built-in sample pool (6,000 rows, 1,000 selected), or the
   * config named by -Ddistill.cluster.config (e.g. conf/public-pool.yaml, relative to the
   * repository root) to measure a real pool; -Ddistill.cluster.executor.memory (default 768m) and
   * -Ddistill.cluster.driver.memory (default 2g) size the JVMs for it.
   */
  static final String CONFIG = System.getProperty("distill.cluster.config", "");
  static final String EXECUTOR_MEMORY = System.getProperty("distill.cluster.executor.memory", "768m");
  static final String DRIVER_MEMORY = System.getProperty("distill.cluster.driver.memory", "2g");
  static final Path REPOSITORY = repository();
  final List<Process> cluster = new ArrayList<>();
  Path out;
  Path sparkHome;
  String masterUrl;

  @BeforeAll
  void startCluster() throws Exception {
    out = Files.createTempDirectory("distill-cluster-it");
    sparkHome = sparkHome();
    int port = freePort();
    masterUrl = "spark://127.0.0.1:" + port;
    cluster.add(start("master", List.of("org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", String.valueOf(port),
        "--webui-port", String.valueOf(freePort()))));
    waitForLog("master", "I have been elected leader");
    for (int i = 1; i <= 2; i++) {
      cluster.add(start("worker" + i, List.of("org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "1",
          "--memory", (megabytes(EXECUTOR_MEMORY) + 256) + "m",
          "--webui-port", String.valueOf(freePort()), "--work-dir", out.resolve("work" + i).toString(), masterUrl)));
    }
    waitForLog("worker1", "Successfully registered with master");
    waitForLog("worker2", "Successfully registered with master");
  }

  @AfterAll
  void stopCluster() throws Exception {
    for (Process p : cluster) {
      p.destroy();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (out != null) {
      try (java.util.stream.Stream<Path> paths = Files.walk(out)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** jars/ holds Spark and its dependencies (links to the Maven jars), not distill: that comes with the application jar. */
  private static Path sparkHome() throws IOException {
    Path home = Path.of(System.getProperty("distill.spark.home"));
    Path jars = home.resolve("jars");
    Files.createDirectories(jars);
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path jar = Path.of(entry);
      String name = jar.getFileName().toString();
      if (name.endsWith(".jar") && !name.startsWith("distill-") && Files.isRegularFile(jar) && !Files.exists(jars.resolve(name))) {
        Files.createSymbolicLink(jars.resolve(name), jar.toAbsolutePath());
      }
    }
    Files.writeString(home.resolve("RELEASE"), "Spark 4.2.0 (links to the Maven jars, built by StandaloneClusterIT)\n");
    return home;
  }

  private Process start(String name, List<String> mainAndArgs) throws IOException {
    List<String> command = new ArrayList<>(List.of(java(), "-Xmx256m"));
    command.addAll(sparkFlags());
    command.addAll(List.of("-cp", sparkHome.resolve("jars") + File.separator + "*"));
    command.addAll(mainAndArgs);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.resolve(name + ".log").toFile());
    pb.environment().put("SPARK_HOME", sparkHome.toString());
    pb.environment().put("SPARK_SCALA_VERSION", "2.13");
    return pb.start();
  }

  private void waitForLog(String name, String text) throws Exception {
    Path log = out.resolve(name + ".log");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (Files.exists(log) && Files.readString(log).contains(text)) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(name + " did not log \"" + text + "\" within 120s:\n" + (Files.exists(log) ? Files.readString(log) : "(no log)"));
  }

  private static String java() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  private static List<String> sparkFlags() {
    List<String> flags = new ArrayList<>();
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-opens") || arg.startsWith("-XX:+IgnoreUnrecognizedVMOptions") || arg.startsWith("-Djdk.reflect")
          || arg.startsWith("-Dio.netty")) {
        flags.add(arg);
      }
    }
    return flags;
  }

  /** The repository root: the nearest directory up from here that holds the Maven wrapper. */
  private static Path repository() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("mvnw"))) {
        return dir;
      }
    }
    throw new IllegalStateException("no mvnw above " + Path.of("").toAbsolutePath());
  }

  private static long megabytes(String memory) {
    long n = Long.parseLong(memory.substring(0, memory.length() - 1));
    return Character.toLowerCase(memory.charAt(memory.length() - 1)) == 'g' ? n * 1024 : n;
  }

  /** spark-submit of the application jar, to the cluster or (master local[2]) as a local run, from the repository root. */
  private Process submit(String runId, String master) throws IOException {
    List<String> submit = new ArrayList<>(List.of(java(), "-Xmx" + DRIVER_MEMORY));
    submit.addAll(sparkFlags());
    submit.addAll(List.of("-cp", sparkHome.resolve("jars") + File.separator + "*", "org.apache.spark.deploy.SparkSubmit", "--master", master,
        "--conf", "spark.executor.memory=" + EXECUTOR_MEMORY, "--conf", "spark.ui.enabled=false", "--class", Main.class.getName(),
        System.getProperty("distill.app.jar"), "run", "--output", out.toString(), "--run-id", runId));
    if (!CONFIG.isBlank()) {
      submit.addAll(List.of("--config", REPOSITORY.resolve(CONFIG).toString()));
    }
    ProcessBuilder pb = new ProcessBuilder(submit).directory(REPOSITORY.toFile()).redirectErrorStream(true)
        .redirectOutput(out.resolve("submit-" + runId + ".log").toFile());
    pb.environment().put("SPARK_HOME", sparkHome.toString());
    return pb.start();
  }

  @Test
  @Order(1)
  void theClusterSelectsWhatALocalRunSelects() throws Exception {
    long start = System.nanoTime();
    Process driver = submit("cluster", masterUrl);
    assertTrue(driver.waitFor(900, TimeUnit.SECONDS), "the submitted run did not finish in 15 minutes");
    double clusterSeconds = (System.nanoTime() - start) / 1e9;
    String log = Files.readString(out.resolve("submit-cluster.log"));
    assertEquals(dev.distill.job.error.ExitCode.OK, driver.exitValue(), log);
    assertTrue(Files.readString(out.resolve("cluster/run.json")).contains(masterUrl), "run.json records the cluster's master");
    assertTrue(Files.list(out.resolve("work1")).findAny().isPresent() && Files.list(out.resolve("work2")).findAny().isPresent(),
        "both Workers ran executors");

    start = System.nanoTime();
    Process local = submit("local", "local[2]");
    assertTrue(local.waitFor(900, TimeUnit.SECONDS), "the local run did not finish in 15 minutes");
    assertEquals(dev.distill.job.error.ExitCode.OK, local.exitValue(), Files.readString(out.resolve("submit-local.log")));
    double localSeconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("[StandaloneClusterIT] %s: 2-worker standalone cluster %.1fs, local[2] %.1fs (both through spark-submit)%n",
        CONFIG.isBlank() ? "sample pool 6,000 rows" : CONFIG, clusterSeconds, localSeconds);

    SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
    List<String> clusterIds = ids(spark, out.resolve("cluster/selection"));
    assertEquals(1000, clusterIds.size());
    assertEquals(1000, new HashSet<>(clusterIds).size());
    assertEquals(ids(spark, out.resolve("local/selection")), clusterIds, "same ids in the same order");
  }

  @Test
  @Order(2)
  void aWorkerKilledMidRunLosesNothing() throws Exception {
    Process driver = submit("worker-killed", masterUrl);
    Path log = out.resolve("submit-worker-killed.log");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
    while (!(Files.exists(log) && Files.readString(log).contains("stage 2/8 quality")) && driver.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    assertTrue(driver.isAlive(), "the run ended before a Worker could be killed:\n" + Files.readString(log));
    cluster.get(2).destroyForcibly().waitFor(30, TimeUnit.SECONDS); // worker2, SIGKILL; its executor follows it
    assertTrue(driver.waitFor(900, TimeUnit.SECONDS), "the run did not finish with one Worker left");
    assertEquals(dev.distill.job.error.ExitCode.OK, driver.exitValue(), Files.readString(log));
    SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
    List<String> ids = ids(spark, out.resolve("worker-killed/selection"));
    assertEquals(1000, new HashSet<>(ids).size(), "1,000 distinct ids");
    assertEquals(ids(spark, out.resolve("local/selection")), ids, "same ids in the same order as the local run");
    assertEquals(funnel("local"), funnel("worker-killed"), "every stage kept and removed the same number of rows");
  }

  private com.fasterxml.jackson.databind.JsonNode funnel(String runId) throws IOException {
    return dev.distill.job.io.Json.MAPPER.readTree(Files.readString(out.resolve(runId + "/run.json"))).get("funnel");
  }

  private static List<String> ids(SparkSession spark, Path selection) {
    List<String> ids = new ArrayList<>();
    for (Row r : spark.read().parquet(selection.toString()).orderBy("rank").select("id").collectAsList()) {
      ids.add(r.getString(0));
    }
    return ids;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
