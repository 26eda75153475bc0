package io.nodus.bpf.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

import io.nodus.bpf.netns.NetNs;

/**
 * Real traffic between endpoint namespaces: sockets are created inside a namespace through
 * {@link NetNs} and stay there. Servers echo what they receive; every socket is closed by
 * {@link #close()}. Bounded: each attempt has a short timeout and tests send a handful of packets.
 */
public final class Traffic implements AutoCloseable {
    public static final int CONNECT_TIMEOUT_MS = 1000;

    private final List<AutoCloseable> open = new ArrayList<>();

    /** Starts a TCP echo server on {@code port} inside {@code ns}. */
    public void tcpEchoServer(String ns, int port) throws Exception {
        ServerSocket server = NetNs.call(ns, () -> new ServerSocket(port, 50, InetAddress.getByName("0.0.0.0")));
        track(server);
        Thread.ofPlatform().daemon().name("tcp-echo-" + port).start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    track(s);
                    Thread.ofPlatform().daemon().start(() -> echo(s));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    /** Starts a UDP echo server on {@code port} inside {@code ns}. */
    public void udpEchoServer(String ns, int port) throws Exception {
        DatagramSocket socket = NetNs.call(ns, () -> new DatagramSocket(port, InetAddress.getByName("0.0.0.0")));
        track(socket);
        Thread.ofPlatform().daemon().name("udp-echo-" + port).start(() -> {
            byte[] buf = new byte[65535];
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

    /** Whether a TCP connection from {@code ns} to {@code ip:port} is established and echoes a byte. */
    public boolean tcpWorks(String ns, InetAddress ip, int port) throws Exception {
        try (Socket s = connect(ns, ip, port)) {
            return roundTrip(s, (byte) 42);
        } catch (IOException e) {
            return false;
        }
    }

    /** Opens a TCP connection from {@code ns} (throws when it cannot be established in time). */
    public Socket connect(String ns, InetAddress ip, int port) throws Exception {
        Socket s = NetNs.call(ns, () -> {
            Socket socket = new Socket();
            try {
                socket.connect(new InetSocketAddress(ip, port), CONNECT_TIMEOUT_MS);
                socket.setSoTimeout(CONNECT_TIMEOUT_MS);
                return socket;
            } catch (IOException e) {
                socket.close();
                throw e;
            }
        });
        track(s);
        return s;
    }

    /** Sends one byte and expects it back. */
    public static boolean roundTrip(Socket s, byte b) {
        try {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(b);
            out.flush();
            return in.read() == (b & 0xff);
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether a UDP datagram from {@code ns} to {@code ip:port} comes back from the echo server. */
    public boolean udpWorks(String ns, InetAddress ip, int port) throws Exception {
        return udpWorks(ns, ip, port, 3);
    }

    /** As {@link #udpWorks(String, InetAddress, int)} with a datagram of {@code size} bytes. */
    public boolean udpWorks(String ns, InetAddress ip, int port, int size) throws Exception {
        return NetNs.call(ns, () -> {
            try (DatagramSocket socket = new DatagramSocket()) {
                socket.setSoTimeout(CONNECT_TIMEOUT_MS);
                byte[] msg = new byte[size];
                socket.send(new DatagramPacket(msg, msg.length, ip, port));
                DatagramPacket reply = new DatagramPacket(new byte[65535], 65535);
                socket.receive(reply);
                return reply.getLength() == msg.length;
            } catch (SocketTimeoutException e) {
                return false;
            }
        });
    }

    /** ICMP echo from {@code ns}: as root the JDK sends a real echo request over a raw socket. */
    public boolean pingWorks(String ns, InetAddress ip) throws Exception {
        return NetNs.call(ns, () -> ip.isReachable(CONNECT_TIMEOUT_MS));
    }

    private static void echo(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                out.write(b);
                out.flush();
            }
        } catch (IOException e) {
            // peer went away
        }
    }

    private synchronized void track(AutoCloseable c) {
        open.add(c);
    }

    @Override
    public synchronized void close() {
        for (AutoCloseable c : open) {
            try {
                c.close();
            } catch (Exception e) {
                // best effort
            }
        }
        open.clear();
    }
}
