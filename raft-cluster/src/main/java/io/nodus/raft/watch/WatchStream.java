package io.nodus.raft.watch;

import io.nodus.raft.proto.WatchResponse;

/**
 * The transport side of one watch, as the watcher task sees it. Only the watcher task calls
 * {@link #send} and {@link #fail}, so the transport never sees concurrent writes.
 */
public interface WatchStream {
  /** Whether the transport can take another item now; false means the receiver is behind. */
  boolean isReady();

  /** Whether the receiver went away. */
  boolean isCancelled();

  /** Sends the next item. */
  void send(WatchResponse item);

  /** Ends the stream with an error. */
  void fail(WatchError error, String message);

  /** Registers what to run when {@link #isReady} or {@link #isCancelled} may have changed. */
  void onChange(Runnable wakeup);
}
