package io.nodus.raft.testing;

import io.nodus.raft.ControllerMain;
import io.nodus.raft.server.HostPort;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A controller in its own JVM ({@link ControllerMain}), started with the test's JVM binary and
 * class path. Its stderr goes to a log file next to its data directory.
 */
public final class ControllerProcess {
  private final String id;
  private final HostPort grpc;
  private final Process process;
  private final Path log;
  private final CountDownLatch ready = new CountDownLatch(1);

  private ControllerProcess(String id, HostPort grpc, Process process, Path log) {
    this.id = id;
    this.grpc = grpc;
    this.process = process;
    this.log = log;
  }

  /** Starts {@code ControllerMain --id id --peers peers --data-dir dataDir --grpc grpc}. */
  public static ControllerProcess start(String id, String peers, Path dataDir, HostPort grpc) throws IOException {
    return start(id, peers, dataDir, grpc, List.of());
  }

  /** Like {@link #start(String, String, Path, HostPort)}, with more {@code ControllerMain} flags. */
  public static ControllerProcess start(String id, String peers, Path dataDir, HostPort grpc, List<String> extra)
      throws IOException {
    return start(id, peers, dataDir, grpc, extra, java.util.Map.of());
  }

  /** Like {@link #start(String, String, Path, HostPort, List)}, with environment variables for the process. */
  public static ControllerProcess start(String id, String peers, Path dataDir, HostPort grpc, List<String> extra,
      java.util.Map<String, String> environment) throws IOException {
    Files.createDirectories(dataDir);
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    if (Runtime.version().feature() >= 24) {
      cmd.add("--enable-native-access=ALL-UNNAMED");
      cmd.add("--sun-misc-unsafe-memory-access=allow");
    }
    // Three controllers and the test share two cores: small heaps, quick-starting JIT.
    cmd.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ControllerMain.class.getName(),
        "--id", id, "--peers", peers, "--data-dir", dataDir.toString(), "--grpc", grpc.toString()));
    cmd.addAll(extra);
    // Logs live under target/, not in the temporary data directory, so that they survive the
    // test for a post-mortem; one folder per cluster (the data directories' parent).
    Path logDir = Path.of("target", "controller-logs", dataDir.getParent().getFileName().toString());
    try {
      java.nio.file.Files.createDirectories(logDir);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    Path log = logDir.resolve(id + ".log");
    ProcessBuilder builder = new ProcessBuilder(cmd);
    builder.environment().putAll(environment);
    Process p = builder
        // Appended, so that a restarted controller's log follows its previous life.
        .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.PIPE)
        .start();
    ControllerProcess cp = new ControllerProcess(id, grpc, p, log);
    Thread reader = new Thread(cp::readStdout, "stdout-" + id);
    reader.setDaemon(true);
    reader.start();
    return cp;
  }

  private void readStdout() {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        if (line.startsWith("controller ready id=" + id)) {
          ready.countDown();
        }
      }
    } catch (IOException e) {
      // The process died; awaitReady reports it.
    }
  }

  /** Waits for the "controller ready" line. */
  public void awaitReady(Duration timeout) throws InterruptedException {
    if (!ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("controller " + id + " not ready after " + timeout + " (alive=" + process.isAlive()
          + "); log " + log + ":\n" + tail());
    }
  }

  public String id() {
    return id;
  }

  public HostPort grpc() {
    return grpc;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL: no shutdown hook, no snapshot, sockets reset by the kernel. Also ends a paused process. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** SIGSTOP: the process freezes with its sockets open, as a long GC pause or a hung host would. */
  public void pause() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** SIGCONT: a paused process carries on where it stopped. */
  public void resume() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String name) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IOException("kill -" + name + " " + process.pid() + " failed");
    }
  }

  /** SIGTERM, then SIGKILL if it does not exit in time. */
  public void stop(Duration grace) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
      kill();
    }
  }

  public int exitValue() {
    return process.exitValue();
  }

  /** The last lines of its log, for failure messages. */
  public String tail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** Kills the process if the JVM exits before the test cleaned up. */
  public ProcessHandle handle() {
    return process.toHandle();
  }
}
