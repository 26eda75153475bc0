package io.nodus.raft.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.grpc.server.GrpcLogAppender;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.rpc.RpcFactory;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;
import org.apache.ratis.server.raftlog.RaftLogIOException;

/**
 * Ratis' gRPC transport, plus a way for the leader to tell followers about a commit at once.
 *
 * <p>Ratis' leader advances its commit index without waking its log appenders, so a follower
 * learns that an entry committed only with the next entry or the next heartbeat (half the minimum
 * election timeout, 250 ms here): with a quiet log, watchers served by followers would see each
 * change up to 250 ms after the leader. This transport is Ratis' own, but its log appenders send
 * a heartbeat (which carries the leader's commit index) when they have no entry to send and their
 * follower could commit more than it knows of, and they are recorded in the {@link
 * CommitNotifier} passed in the server's parameters: the state machine wakes them when it applies
 * an entry.
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
      if (notifier == null) {
        return super.newLogAppender(server, state, follower);
      }
      LogAppender appender = new CommitSendingAppender(server, state, follower);
      notifier.register(appender);
      return appender;
    }
  }

  /**
   * Ratis' gRPC log appender that, when it has no entries to send but its follower could commit
   * more than it knows of, sends a heartbeat: the heartbeat carries the leader's commit index.
   * Ratis' own appender sends nothing in that case, so a woken appender would stay silent until
   * the next entry or heartbeat period.
   *
   * <p>The follower can commit up to the leader's commit index, but not past what it has written
   * (its match index); each such index is sent once, so a follower that already heard of it is
   * not sent it again while its answer is on the way.
   */
  private static final class CommitSendingAppender extends GrpcLogAppender {
    /** Highest commit index sent in a heartbeat of this appender; appender thread only. */
    private long commitSent = -1;

    CommitSendingAppender(RaftServer.Division server, LeaderState state, FollowerInfo follower) {
      super(server, state, follower);
    }

    @Override
    public AppendEntriesRequestProto newAppendEntriesRequest(long callId, boolean heartbeat) throws RaftLogIOException {
      AppendEntriesRequestProto request = super.newAppendEntriesRequest(callId, heartbeat);
      if (request != null || heartbeat) {
        return request;
      }
      long reachable = Math.min(getRaftLog().getLastCommittedIndex(), getFollower().getMatchIndex());
      if (reachable <= getFollower().getCommitIndex() || reachable <= commitSent) {
        return null;
      }
      commitSent = reachable;
      return super.newAppendEntriesRequest(callId, true);
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
