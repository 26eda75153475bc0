package io.nodus.ops.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * What an end-to-end test needs from the host: unique names, free ports, and a teardown that
 * removes every namespace, veth and pin a node of the test may have created, even when the test
 * failed half-way or its agent was killed.
 */
final class TestHost {
  private TestHost() {}

  /** A short random suffix, so that leftovers of a crashed run can never collide with this one. */
  static String uniqueId() {
    return HexFormat.of().formatHex(new byte[] {(byte) ThreadLocalRandom.current().nextInt(),
        (byte) ThreadLocalRandom.current().nextInt(), (byte) ThreadLocalRandom.current().nextInt()});
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Removes the network namespaces, host veths (found by their alias) and pins of {@code node}. */
  static void cleanNode(String node, List<String> namespaces) {
    for (String ns : namespaces) {
      run("ip", "netns", "del", ns);
    }
    try (Stream<Path> links = Files.list(Path.of("/sys/class/net"))) {
      for (Path link : links.toList()) {
        String alias = read(link.resolve("ifalias"));
        if (alias.startsWith("nodus:" + node + ":")) {
          run("ip", "link", "del", link.getFileName().toString());
          run("ip", "netns", "del", alias.substring(("nodus:" + node + ":").length()));
        }
      }
    } catch (IOException e) {
      // Nothing to list: nothing to remove.
    }
    deleteTree(Path.of("/sys/fs/bpf/nodus", node));
  }

  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot remove " + root + ": " + e.getMessage(), e);
    }
  }

  static void run(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      p.waitFor();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String read(Path p) {
    try {
      return Files.readString(p).strip();
    } catch (IOException e) {
      return "";
    }
  }
}
