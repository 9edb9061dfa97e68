package dev.distill.job.s3;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Adobe S3Mock's executable jar (copied to target/s3mock/ by Maven) as a separate process on free
 * 127.0.0.1 ports, path-style, plain HTTP, its files kept in {@code root} so that it can be killed
 * and started again on the same port with the same objects.
 */
final class S3Mock implements AutoCloseable {
  static final String BUCKET = "distill";
  static final String ACCESS_KEY = "distill-it-access";
  static final String SECRET_KEY = "distill-it-secret-0f9c2e";

  final String bucket;
  private final Path jar;
  private final Path root;
  private final Path log;
  final int httpPort;
  private final int httpsPort;
  private Process process;

  S3Mock(Path root) throws IOException {
    this(root, BUCKET);
  }

  /**
   * {@code bucket}: its own name per test class, since Hadoop caches one s3a filesystem per bucket
   * in a JVM, bound to the endpoint it was first created with.
   */
  S3Mock(Path root, String bucket) throws IOException {
    this.bucket = bucket;
    this.jar = Path.of(System.getProperty("distill.repo.root", ".."), "jobs", "target", "s3mock", "s3mock.jar");
    if (!Files.exists(jar)) {
      throw new IllegalStateException("Cannot start S3Mock: " + jar + " is missing; run the ITs through Maven (`./mvnw verify`), "
          + "which copies it in the pre-integration-test phase");
    }
    this.root = root;
    this.log = root.resolveSibling(root.getFileName() + ".log");
    this.httpPort = freePort();
    this.httpsPort = freePort();
  }

  String endpoint() {
    return "http://127.0.0.1:" + httpPort;
  }

  /** The s3a settings a client needs, as Hadoop keys. */
  Map<String, String> hadoopConf() {
    Map<String, String> conf = new TreeMap<>();
    conf.put("fs.s3a.endpoint", endpoint());
    conf.put("fs.s3a.endpoint.region", "us-east-1");
    conf.put("fs.s3a.path.style.access", "true");
    conf.put("fs.s3a.connection.ssl.enabled", "false");
    conf.put("fs.s3a.access.key", ACCESS_KEY);
    conf.put("fs.s3a.secret.key", SECRET_KEY);
    // Fail fast when the endpoint is gone (the fault test kills it).
    conf.put("fs.s3a.attempts.maximum", "1");
    conf.put("fs.s3a.retry.limit", "1");
    conf.put("fs.s3a.retry.interval", "100ms");
    conf.put("fs.s3a.connection.establish.timeout", "2s");
    conf.put("fs.s3a.connection.timeout", "20s");
    return conf;
  }

  void start() throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx512m", "-jar", jar.toString(),
        "--server.address=127.0.0.1", "--server.port=" + httpsPort, "--com.adobe.testing.s3mock.httpPort=" + httpPort,
        "--com.adobe.testing.s3mock.store.root=" + root, "--com.adobe.testing.s3mock.store.initialBuckets=" + bucket,
        "--com.adobe.testing.s3mock.store.retainFilesOnExit=true", "--spring.main.banner-mode=off"));
    process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("S3Mock exited with " + process.exitValue() + "; see " + log + ":\n" + Files.readString(log));
      }
      if (ready()) {
        return;
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException("S3Mock did not answer on " + endpoint() + " within 180s; see " + log);
  }

  private boolean ready() {
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create(endpoint() + "/").toURL().openConnection();
      c.setConnectTimeout(500);
      c.setReadTimeout(2000);
      boolean ok = c.getResponseCode() == 200;
      c.disconnect();
      return ok;
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether an object whose key contains {@code fragment} is stored (S3Mock keeps each object's key in a JSON file). */
  boolean holdsKeyContaining(String fragment) throws IOException {
    if (!Files.isDirectory(root)) {
      return false;
    }
    try (java.util.stream.Stream<Path> files = Files.walk(root)) {
      return files.filter(p -> p.toString().endsWith(".json") && Files.isRegularFile(p)).anyMatch(p -> {
        try {
          return Files.size(p) < 65536 && Files.readString(p).contains(fragment);
        } catch (IOException e) {
          return false; // being written
        }
      });
    }
  }

  /** SIGKILL: an object store that vanishes in the middle of a write. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
