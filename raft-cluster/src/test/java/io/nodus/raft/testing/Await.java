package io.nodus.raft.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polling with a deadline: the only way tests wait for a condition. */
public final class Await {
  private Await() {}

  /** Polls {@code condition} every 20 ms until it holds; fails with {@code what} after {@code timeout}. */
  public static void until(Duration timeout, String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    RuntimeException last = null;
    while (System.nanoTime() < deadline) {
      try {
        if (condition.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException e) {
        last = e;
      }
      pause();
    }
    throw new AssertionError("timed out after " + timeout + " waiting for " + what, last);
  }

  /** Polls {@code supplier} until it returns without throwing; returns its value. */
  public static <T> T value(Duration timeout, String what, Supplier<T> supplier) {
    long deadline = System.nanoTime() + timeout.toNanos();
    RuntimeException last = null;
    while (System.nanoTime() < deadline) {
      try {
        return supplier.get();
      } catch (RuntimeException e) {
        last = e;
      }
      pause();
    }
    throw new AssertionError("timed out after " + timeout + " waiting for " + what, last);
  }

  private static void pause() {
    try {
      Thread.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
