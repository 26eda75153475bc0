package io.nodus.ops.bench.controlplane;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Child processes of a benchmark: started with output to a log, all killed at the end. */
final class Processes implements AutoCloseable {
  private final Path logs;
  private final List<Process> started = new ArrayList<>();

  Processes(Path logs) throws IOException {
    this.logs = Files.createDirectories(logs);
    Runtime.getRuntime().addShutdownHook(new Thread(this::killAll));
  }

  Process start(String name, List<String> command) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(logs.resolve(name + ".log").toFile()).start();
    started.add(p);
    return p;
  }

  /** A `nodus` verb from this JVM's classpath. */
  Process nodus(String name, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.add("--sun-misc-unsafe-memory-access=allow");
    cmd.add("-Xmx1g");
    if (System.getenv("NODUS_BENCH_JVM_OPTS") != null) {
      // Experiments with the controllers' JVM (collector, compiler): extra options, space-separated.
      cmd.addAll(List.of(System.getenv("NODUS_BENCH_JVM_OPTS").trim().split("\\s+")));
    }
    if (System.getenv("NODUS_BENCH_JFR") != null) {
      // Profile the servers: one recording per process next to its log; any value other than 1 is
      // added to the recording's options (delay=60s profiles the steady state only).
      String extra = System.getenv("NODUS_BENCH_JFR").equals("1") ? "" : "," + System.getenv("NODUS_BENCH_JFR");
      cmd.add("-XX:StartFlightRecording=filename=" + logs.resolve(name + ".jfr") + ",settings=profile,dumponexit=true" + extra);
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("io.nodus.ops.Main");
    cmd.addAll(List.of(args));
    return start(name, cmd);
  }

  /** CPU time (user and system) the live child processes have used so far, in nanoseconds. */
  long cpuNanos() {
    long total = 0;
    for (Process p : started) {
      if (p.isAlive()) {
        total += cpuNanos(p.pid());
      }
    }
    return total;
  }

  /** CPU time (user and system) of process {@code pid} so far, from /proc at 100 ticks a second. */
  static long cpuNanos(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      // Fields after the parenthesised command: state is the first, utime the 12th, stime the 13th.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  Path logs() {
    return logs;
  }

  void killAll() {
    for (Process p : started) {
      p.destroyForcibly();
    }
    for (Process p : started) {
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    started.clear();
  }

  @Override
  public void close() {
    killAll();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (Files.exists(root)) {
      try (Stream<Path> w = Files.walk(root)) {
        for (Path p : w.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
