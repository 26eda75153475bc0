package io.nodus.ops.demo;

import io.nodus.bpf.netns.NetNs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Real TCP inside endpoint namespaces, from this process: a socket created by a thread that has
 * entered a network namespace stays in that namespace, so servers and clients need no helper
 * processes.
 */
public final class NamespaceTraffic {
  private NamespaceTraffic() {}

  /** A TCP server inside a namespace that greets every connection with one line and closes it. */
  public static final class Server implements AutoCloseable {
    private final ServerSocket socket;
    private final Thread acceptor;

    private Server(ServerSocket socket, String greeting) {
      this.socket = socket;
      this.acceptor = Thread.ofPlatform().daemon().name("ns-server-" + socket.getLocalPort()).start(() -> serve(greeting));
    }

    /** Listens on {@code port} on every address of namespace {@code netns}. */
    public static Server start(String netns, int port, String greeting) throws Exception {
      ServerSocket s = NetNs.call(netns, () -> {
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(new InetSocketAddress(port));
        return ss;
      });
      return new Server(s, greeting);
    }

    private void serve(String greeting) {
      while (!socket.isClosed()) {
        try (Socket c = socket.accept(); OutputStream out = c.getOutputStream()) {
          out.write((greeting + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
          // Closed, or a client that went away: keep serving until closed.
        }
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
      acceptor.interrupt();
    }
  }

  /**
   * The outcome of one connection attempt.
   *
   * @param result what happened
   * @param greeting the server's greeting when connected, else empty
   */
  public record Probe(Result result, String greeting) {
    /** How a connection attempt ended. */
    public enum Result { CONNECTED, TIMED_OUT, REFUSED }

    public boolean connected() {
      return result == Result.CONNECTED;
    }
  }

  /**
   * Connects from namespace {@code netns} to {@code address:port} and reads the greeting. A SYN
   * the datapath drops shows up as {@link Probe.Result#TIMED_OUT}.
   */
  public static Probe connect(String netns, String address, int port, Duration timeout) throws Exception {
    return NetNs.call(netns, () -> {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getByName(address), port), (int) timeout.toMillis());
        s.setSoTimeout((int) timeout.toMillis());
        InputStream in = s.getInputStream();
        return new Probe(Probe.Result.CONNECTED, new String(in.readAllBytes(), StandardCharsets.UTF_8).strip());
      } catch (SocketTimeoutException e) {
        return new Probe(Probe.Result.TIMED_OUT, "");
      } catch (java.net.ConnectException e) {
        return new Probe(e.getMessage() != null && e.getMessage().contains("timed out") ? Probe.Result.TIMED_OUT : Probe.Result.REFUSED, "");
      }
    });
  }
}
