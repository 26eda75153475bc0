/**
 * Watch streams: each watcher is served by its own task that reads the event history
 * sequentially from storage and then waits for the applied revision to advance, so a slow
 * watcher never blocks apply and never skips an event.
 */
package io.nodus.raft.watch;
