package io.nodus.raft.client;

/** A running watch. Closing it stops delivery and calls {@link WatchListener#onClosed()}. */
public interface WatchSubscription extends AutoCloseable {
  /** Revision of the last snapshot or event delivered, or -1 before the first. */
  long lastRevision();

  @Override
  void close();
}
