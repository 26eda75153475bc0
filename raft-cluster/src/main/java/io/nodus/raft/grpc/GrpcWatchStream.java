package io.nodus.raft.grpc;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.nodus.raft.proto.WatchResponse;
import io.nodus.raft.watch.WatchError;
import io.nodus.raft.watch.WatchStream;

/**
 * A {@link WatchStream} over a gRPC server stream. Registers the ready and cancel handlers during
 * the initial call, as gRPC requires, and forwards both to whoever waits on the stream.
 */
final class GrpcWatchStream implements WatchStream {
  private final ServerCallStreamObserver<WatchResponse> observer;
  private volatile boolean cancelled;
  private volatile Runnable wakeup = () -> { };

  GrpcWatchStream(ServerCallStreamObserver<WatchResponse> observer) {
    this.observer = observer;
    observer.setOnReadyHandler(() -> wakeup.run());
    observer.setOnCancelHandler(() -> {
      cancelled = true;
      wakeup.run();
    });
  }

  @Override
  public boolean isReady() {
    return observer.isReady();
  }

  @Override
  public boolean isCancelled() {
    return cancelled || observer.isCancelled();
  }

  @Override
  public void send(WatchResponse item) {
    observer.onNext(item);
  }

  @Override
  public void fail(WatchError error, String message) {
    Status status = switch (error) {
      case OUT_OF_RANGE -> Status.OUT_OF_RANGE;
      case UNAVAILABLE -> Status.UNAVAILABLE;
      case INTERNAL -> Status.INTERNAL;
    };
    observer.onError(status.withDescription(message).asRuntimeException());
  }

  @Override
  public void onChange(Runnable wakeup) {
    this.wakeup = wakeup;
  }
}
