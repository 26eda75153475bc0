package io.nodus.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.raft.client.ControlPlaneClient;
import io.nodus.raft.client.ReadConsistency;
import io.nodus.raft.client.WatchListener;
import io.nodus.raft.client.WatchStart;
import io.nodus.raft.client.WatchSubscription;
import io.nodus.raft.proto.ClusterStatus;
import io.nodus.raft.proto.GetRequest;
import io.nodus.raft.proto.GetResponse;
import io.nodus.raft.proto.ListRequest;
import io.nodus.raft.proto.ListResponse;
import io.nodus.raft.proto.MembershipResponse;
import io.nodus.state.Fixtures;
import io.nodus.state.codec.ImageCodec;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.Rejection;
import io.nodus.state.proto.ResourceKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A control plane inside the test: commands go through the real decide and evolve
 * ({@link Fixtures.Driver}); the events of accepted ones go, in log order, to the consumer given
 * to {@link #deliverTo}, as the agent's watch hands them over. What the agent submits is recorded
 * and can be refused. Only {@link #submit} of the client interface is served: it is all the
 * endpoint reconciler uses.
 *
 * <p>Threading: thread-safe; the test writes the log while the agent's thread marks endpoints ready.
 */
final class FakeControlPlane implements ControlPlaneClient {
  static final String CLUSTER = "6f1c2d3e-0000-3000-8000-000000000001";

  private final Fixtures.Driver driver = new Fixtures.Driver();
  private final List<Command> submitted = new ArrayList<>();
  private Consumer<Event> watcher = e -> { };
  private Consumer<Command> onSubmit = c -> { };
  private int refusals;

  /** Where the events of accepted commands go from now on (by default nowhere). */
  synchronized void deliverTo(Consumer<Event> watcher) {
    this.watcher = watcher;
  }

  /** Called with each command the agent submits, before it is answered (on the agent's thread). */
  synchronized void onSubmit(Consumer<Command> hook) {
    this.onSubmit = hook;
  }

  /** Applies an operator's command and delivers its events; the test fails if it is refused. */
  synchronized List<Event> apply(Command command) {
    List<Event> events = applyUndelivered(command);
    events.forEach(watcher);
    return events;
  }

  /** Applies a command whose events the watch then loses. */
  synchronized List<Event> applyUndelivered(Command command) {
    CommandResult result = driver.apply(command);
    assertThat(result.hasAccepted()).as("%s answered %s", command, result).isTrue();
    return driver.last().events();
  }

  synchronized ClusterImage image() {
    return driver.image();
  }

  synchronized long revision() {
    return driver.image().revision();
  }

  /** The whole state now, as the watch's snapshot of this cluster. */
  synchronized ClusterState snapshot() {
    return ImageCodec.toState(driver.image()).toBuilder().setClusterUuid(CLUSTER).build();
  }

  /** The next {@code n} commands the agent submits are refused (the address was taken meanwhile). */
  synchronized void refuseNext(int n) {
    refusals = n;
  }

  /** What the agent submitted, refused ones included, in order. */
  synchronized List<Command> submitted() {
    return List.copyOf(submitted);
  }

  @Override
  public synchronized CommandResult submit(Command command) {
    submitted.add(command);
    onSubmit.accept(command);
    if (refusals > 0) {
      refusals--;
      return CommandResult.newBuilder().setRejection(Rejection.newBuilder().setCode("already_exists").setField("ipv4")
          .setMessage(command.getMarkEndpointReady().getIpv4() + " belongs to another endpoint").setRevision(revision())).build();
    }
    CommandResult result = driver.apply(command);
    if (result.hasAccepted()) {
      driver.last().events().forEach(watcher);
    }
    return result;
  }

  @Override
  public ClusterState read(ReadConsistency consistency) {
    throw new UnsupportedOperationException("the reconciler does not read");
  }

  @Override
  public GetResponse get(GetRequest request) {
    throw new UnsupportedOperationException("the reconciler does not get");
  }

  @Override
  public ListResponse list(ListRequest request) {
    throw new UnsupportedOperationException("the reconciler does not list");
  }

  @Override
  public ClusterStatus status() {
    throw new UnsupportedOperationException("the reconciler does not ask for status");
  }

  @Override
  public WatchSubscription watch(WatchStart start, Set<ResourceKind> kinds, WatchListener listener) {
    throw new UnsupportedOperationException("the test delivers events itself");
  }

  @Override
  public MembershipResponse addMember(String id, String raftAddress, String grpcAddress) {
    throw new UnsupportedOperationException();
  }

  @Override
  public MembershipResponse removeMember(String id) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void close() {}
}
