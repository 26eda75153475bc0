package io.nodus.ops.runtime;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a server process alive until SIGINT/SIGTERM, then closes what it started in reverse
 * order from a shutdown hook. Closing a component twice is avoided.
 */
public final class Lifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(Lifecycle.class);

  private final List<AutoCloseable> started = new ArrayList<>();
  private boolean closed;

  /** Registers something to close on shutdown (closed in reverse order of registration). */
  public synchronized <T extends AutoCloseable> T manage(T component) {
    started.add(component);
    return component;
  }

  /** Closes everything registered, newest first. */
  public synchronized void closeAll() {
    if (closed) {
      return;
    }
    closed = true;
    for (int i = started.size() - 1; i >= 0; i--) {
      try {
        started.get(i).close();
      } catch (Exception e) {
        LOG.warn("component did not stop cleanly component={} error={}", started.get(i).getClass().getSimpleName(), e.toString());
      }
    }
  }

  /** Installs the shutdown hook and blocks forever; the JVM exits once the hook has closed everything. */
  public void awaitShutdown(String what) throws InterruptedException {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.err.println("stopping " + what + "...");
      closeAll();
      System.err.println(what + " stopped");
    }, "shutdown"));
    Thread.currentThread().join();
  }
}
