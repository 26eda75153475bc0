package io.nodus.ops.e2e;

import io.nodus.bpf.netns.NetNs;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Real UDP inside endpoint namespaces, from this process: sockets are created by a thread that
 * entered the namespace and keep it for life. An echo server and a probe for pass/drop checks,
 * and a paced stream of numbered datagrams with a receiver that counts which numbers arrived.
 */
final class NamespaceUdp {
  private NamespaceUdp() {}

  /** Echoes every datagram back to its sender. */
  static final class Echo implements AutoCloseable {
    private final DatagramSocket socket;

    /** {@code netns} null: the agent's (host) namespace. */
    Echo(String netns, int port) throws Exception {
      socket = inside(netns, () -> new DatagramSocket(new InetSocketAddress(port)));
      Thread.ofPlatform().daemon().name("udp-echo-" + port).start(() -> {
        byte[] buf = new byte[2048];
        while (!socket.isClosed()) {
          try {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            socket.receive(p);
            socket.send(new DatagramPacket(p.getData(), p.getLength(), p.getSocketAddress()));
          } catch (IOException e) {
            return;
          }
        }
      });
    }

    @Override
    public void close() {
      socket.close();
    }
  }

  /** Whether a datagram from {@code netns} to {@code ip:port} comes back within {@code timeoutMs}. */
  static boolean echoes(String netns, String ip, int port, int timeoutMs) throws Exception {
    return inside(netns, () -> {
      try (DatagramSocket s = new DatagramSocket()) {
        s.setSoTimeout(timeoutMs);
        s.send(new DatagramPacket(new byte[] {7}, 1, InetAddress.getByName(ip), port));
        s.receive(new DatagramPacket(new byte[16], 16));
        return true;
      } catch (SocketTimeoutException e) {
        return false;
      }
    });
  }

  private static <T> T inside(String netns, java.util.concurrent.Callable<T> task) throws Exception {
    return netns == null ? task.call() : NetNs.call(netns, task);
  }

  /** Receives numbered datagrams and remembers which numbers arrived. */
  static final class Counter implements AutoCloseable {
    private final DatagramSocket socket;
    private final BitSet seen = new BitSet();

    Counter(String netns, int port) throws Exception {
      socket = NetNs.call(netns, () -> {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress(port));
        s.setReceiveBufferSize(8 << 20);
        return s;
      });
      Thread.ofPlatform().daemon().name("udp-count-" + port).start(() -> {
        byte[] buf = new byte[64];
        while (!socket.isClosed()) {
          try {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            socket.receive(p);
            int n = ByteBuffer.wrap(p.getData(), 0, 4).getInt();
            synchronized (seen) {
              seen.set(n);
            }
          } catch (IOException e) {
            return;
          }
        }
      });
    }

    int received() {
      synchronized (seen) {
        return seen.cardinality();
      }
    }

    @Override
    public void close() {
      socket.close();
    }
  }

  /** Sends datagrams numbered 0, 1, 2, ... at a fixed rate until stopped. */
  static final class Stream implements AutoCloseable {
    private final DatagramSocket socket;
    private final AtomicInteger sent = new AtomicInteger();
    private final Thread sender;
    private volatile boolean running = true;

    Stream(String netns, String ip, int port, int perSecond) throws Exception {
      socket = NetNs.call(netns, DatagramSocket::new);
      InetSocketAddress to = new InetSocketAddress(InetAddress.getByName(ip), port);
      long gapNanos = 1_000_000_000L / perSecond;
      sender = Thread.ofPlatform().daemon().name("udp-stream").start(() -> {
        long next = System.nanoTime();
        while (running) {
          byte[] b = ByteBuffer.allocate(16).putInt(sent.get()).array();
          try {
            socket.send(new DatagramPacket(b, b.length, to));
            sent.incrementAndGet();
          } catch (IOException e) {
            return; // a send error would be a loss the test must see: stop counting here
          }
          next += gapNanos;
          LockSupport.parkNanos(Math.max(0, next - System.nanoTime()));
        }
      });
    }

    int sent() {
      return sent.get();
    }

    /** Stops sending and returns how many datagrams went out. */
    int stop() throws InterruptedException {
      running = false;
      sender.join(5000);
      return sent.get();
    }

    @Override
    public void close() throws InterruptedException {
      stop();
      socket.close();
    }
  }
}
