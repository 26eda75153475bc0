package io.nodus.ops.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A `nodus` verb running as a separate JVM, started from the test classpath with the test's JVM.
 * Output goes to a log file (kept under target/e2e-logs for post-mortems) and is scanned for the
 * verb's ready line. Every process started is killed by a shutdown hook as a backstop, so a
 * crashed test run cannot leave one behind.
 */
final class NodusProcess implements AutoCloseable {
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly)));
  }

  private final Process process;
  private final Path log;
  private final CountDownLatch ready = new CountDownLatch(1);
  private final List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
  private final Thread pump;

  private NodusProcess(Process process, Path log, String readyPrefix) {
    this.process = process;
    this.log = log;
    LIVE.add(process);
    this.pump = Thread.ofPlatform().daemon().name("out-" + process.pid()).start(() -> pump(readyPrefix));
  }

  /** After the process exited: wait until its last output lines are read. */
  private void drained() throws InterruptedException {
    pump.join(10_000);
  }

  /** Starts {@code nodus ARGS...}; {@code readyPrefix} is the stdout line that says it serves. */
  static NodusProcess start(Path logDir, String name, String readyPrefix, String... args) throws IOException {
    Files.createDirectories(logDir);
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    String flags = System.getProperty("nodus.test.jvmFlags", "");
    for (String f : flags.split("\\s+")) {
      if (!f.isBlank()) {
        cmd.add(f);
      }
    }
    cmd.add("-Xmx512m");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("io.nodus.ops.Main");
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    return new NodusProcess(p, logDir.resolve(name + ".log"), readyPrefix);
  }

  private void pump(String readyPrefix) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
         PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8,
             java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND), true)) {
      String line;
      while ((line = in.readLine()) != null) {
        out.println(line);
        lines.add(line);
        if (readyPrefix != null && line.startsWith(readyPrefix)) {
          ready.countDown();
        }
      }
    } catch (IOException e) {
      // The process ended.
    }
  }

  /** Waits for the ready line; fails with the log's tail if the process dies or stays silent. */
  NodusProcess awaitReady(Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!ready.await(100, TimeUnit.MILLISECONDS)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException("process " + (process.isAlive() ? "not ready within " + timeout : "exited " + process.exitValue())
            + "; output:\n" + String.join("\n", tail(40)));
      }
    }
    return this;
  }

  /** Waits for the process to exit and returns its exit code. */
  int waitFor(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("process did not exit within " + timeout + "; output:\n" + String.join("\n", tail(40)));
    }
    LIVE.remove(process);
    drained();
    return process.exitValue();
  }

  List<String> output() {
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }

  List<String> tail(int n) {
    List<String> all = output();
    return all.subList(Math.max(0, all.size() - n), all.size());
  }

  /** SIGKILL: the process gets no chance to clean up. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
    LIVE.remove(process);
  }

  /** SIGTERM, as Ctrl-C or a service manager would stop it; waits for the clean exit. */
  void stop() throws InterruptedException {
    // Through the handle: Process.destroy() would also close our end of its output pipe, and the
    // lines it prints while stopping would be lost.
    process.toHandle().destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
    LIVE.remove(process);
    drained();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }
}
