package io.nodus.raft.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.rpc.RpcFactory;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;

/**
 * Ratis' gRPC transport, plus a way for the leader to tell followers about a commit at once.
 *
 * <p>Ratis' leader advances its commit index without waking its log appenders, so a follower
 * learns that an entry committed only with the next entry or the next heartbeat (half the minimum
 * election timeout, 250 ms here): with a quiet log, watchers served by followers would see each
 * change up to 250 ms after the leader. This transport is Ratis' own, but it records the log
 * appenders it creates in the {@link CommitNotifier} passed in the server's parameters; the state
 * machine wakes them when it applies an entry, and an appender that finds its follower's commit
 * index behind the leader's sends it at once.
 *
 * <p>Ratis instantiates this class by name from the server properties ({@link #name()}).
 */
public final class PromptCommitRpc implements RpcType {
  /** Key of the {@link CommitNotifier} in the server's {@link Parameters}. */
  static final String NOTIFIER = "nodus.commit-notifier";

  @Override
  public String name() {
    return PromptCommitRpc.class.getName();
  }

  @Override
  public RpcFactory newFactory(Parameters parameters) {
    return new Factory(parameters);
  }

  private static final class Factory extends GrpcFactory {
    private final CommitNotifier notifier;

    Factory(Parameters parameters) {
      super(parameters);
      this.notifier = parameters.get(NOTIFIER, CommitNotifier.class);
    }

    @Override
    public LogAppender newLogAppender(RaftServer.Division server, LeaderState state, FollowerInfo follower) {
      LogAppender appender = super.newLogAppender(server, state, follower);
      if (notifier != null) {
        notifier.register(appender);
      }
      return appender;
    }
  }

  /**
   * The leader's log appenders, woken after each applied entry. Appenders of a past leadership
   * drop out once they have stopped.
   *
   * <p>Thread-safe: Ratis registers appenders from its leader threads; the state-machine updater
   * thread calls {@link #committed}.
   */
  static final class CommitNotifier {
    /** Appender to whether it was ever seen running (a new one is registered before it starts). */
    private final Map<LogAppender, Boolean> appenders = new ConcurrentHashMap<>();
    /** Commit index the appenders were last woken for; updater thread only. */
    private long notified = -1;

    void register(LogAppender appender) {
      appenders.put(appender, false);
    }

    /**
     * An entry was applied: if the leader's commit index moved since the last call, every running
     * appender checks whether its follower needs it. Entries committed together wake them once.
     */
    void committed() {
      List<LogAppender> running = new ArrayList<>(2);
      appenders.forEach((appender, seenRunning) -> {
        if (appender.isRunning()) {
          running.add(appender);
          if (!seenRunning) {
            appenders.put(appender, true);
          }
        } else if (seenRunning) {
          appenders.remove(appender);
        }
      });
      if (running.isEmpty()) {
        return;
      }
      long commit = running.get(0).getRaftLog().getLastCommittedIndex();
      if (commit > notified) {
        notified = commit;
        running.forEach(LogAppender::notifyLogAppender);
      }
    }
  }
}
