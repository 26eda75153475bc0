package io.nodus.state;

import io.nodus.state.decide.ApplyContext;
import io.nodus.state.decide.Decider;
import io.nodus.state.decide.Decision;
import io.nodus.state.evolve.Evolver;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.proto.Accepted;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.LoggedCommand;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies one logged command: decide, stamp each event with the next revision, the leader's time
 * and the request id, then evolve. The same image and entry give the same result on every replica.
 */
public final class CommandApplier {
  private CommandApplier() {}

  /**
   * The outcome of applying one command.
   *
   * @param image the image after the command (the same instance when it was rejected or changed nothing)
   * @param result what the caller is told
   * @param events the events that were folded in, stamped
   */
  public record Applied(ClusterImage image, CommandResult result, List<Event> events) {
    public Applied {
      events = List.copyOf(events);
    }
  }

  public static Applied apply(ClusterImage image, LoggedCommand logged, long logIndex) {
    ApplyContext ctx = new ApplyContext(logIndex, logged.getLeaderTimeMillis());
    Decision decision = Decider.decide(image, logged.getCommand(), ctx);
    return switch (decision) {
      case Decision.Rejected r -> new Applied(image,
          CommandResult.newBuilder().setRejection(r.rejection().toBuilder().setRevision(image.revision())).build(),
          List.of());
      case Decision.Accepted a -> {
        List<Event> stamped = new ArrayList<>(a.events().size());
        ClusterImage next = image;
        for (Event body : a.events()) {
          Event e = body.toBuilder()
              .setRevision(next.revision() + 1)
              .setTimeMillis(ctx.leaderTimeMillis())
              .setRequestId(logged.getCommand().getRequestId())
              .build();
          next = Evolver.evolve(next, e);
          stamped.add(e);
        }
        yield new Applied(next,
            CommandResult.newBuilder().setAccepted(Accepted.newBuilder().addAllEvents(stamped).setRevision(next.revision())).build(),
            stamped);
      }
    };
  }
}
