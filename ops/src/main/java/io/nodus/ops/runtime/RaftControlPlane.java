package io.nodus.ops.runtime;

import io.nodus.raft.client.ControlPlaneClient;
import io.nodus.raft.client.ControlPlaneException;
import io.nodus.raft.proto.ClusterStatus;
import io.nodus.raft.proto.GetRequest;
import io.nodus.raft.proto.GetResponse;
import io.nodus.raft.proto.ListRequest;
import io.nodus.raft.proto.ListResponse;
import io.nodus.raft.proto.Member;
import io.nodus.raft.proto.MembershipResponse;
import io.nodus.raft.proto.ReplicaHealth;
import io.nodus.rest.core.RejectedException;
import io.nodus.rest.api.ClusterView;
import io.nodus.rest.core.ControlPlane;
import io.nodus.rest.core.PageRequest;
import io.nodus.rest.errors.ControlPlaneUnavailableException;
import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.model.RejectionCodes;
import io.nodus.state.proto.Rejection;
import io.nodus.state.proto.ResourceKind;
import io.nodus.state.read.ResourceAt;
import io.nodus.state.read.ResourcePage;
import java.util.Locale;
import java.util.function.Supplier;

/** The REST API's control plane port, served by the Raft cluster's client. Thread-safe. */
public final class RaftControlPlane implements ControlPlane {
  private final ControlPlaneClient client;

  public RaftControlPlane(ControlPlaneClient client) {
    this.client = client;
  }

  @Override
  public CommandResult submit(Command command) {
    return call(() -> client.submit(command));
  }

  @Override
  public ClusterState read(boolean stale) {
    return call(() -> client.read(stale));
  }

  @Override
  public ResourceAt get(ResourceKind kind, String key, boolean stale) {
    GetResponse r = call(() -> client.get(GetRequest.newBuilder().setKind(kind).setKey(key).setStale(stale).build()));
    if (r.hasRejection()) {
      throw refusal(r.getRejection());
    }
    return new ResourceAt(r.getResource(), r.getRevision());
  }

  @Override
  public ResourcePage list(PageRequest request) {
    ListRequest.Builder b = ListRequest.newBuilder().setKind(request.kind()).setLimit(request.limit()).setStale(request.stale());
    if (request.labelSelector() != null) {
      b.setLabelSelector(request.labelSelector());
    }
    if (request.continueToken() != null) {
      b.setContinue(request.continueToken());
    }
    if (request.namespace() != null) {
      b.setNamespace(request.namespace());
    }
    if (request.node() != null) {
      b.setNode(request.node());
    }
    ListResponse r = call(() -> client.list(b.build()));
    if (r.hasRejection()) {
      throw refusal(r.getRejection());
    }
    return new ResourcePage(r.getItemsList(), r.getContinue(), r.getRevision());
  }

  /**
   * A controller's refusal of a read as the REST layer reports it: bad input as the same error the
   * REST layer's own checks raise (no revision: nothing was read), anything else with its revision.
   */
  private static RuntimeException refusal(Rejection r) {
    return RejectionCodes.INVALID_ARGUMENT.equals(r.getCode())
        ? new InvalidFieldException(r.getCode(), r.getField(), r.getMessage()) : new RejectedException(r);
  }

  @Override
  public ClusterView cluster() {
    return view(call(client::status));
  }

  @Override
  public ClusterView addMember(String id, String raftAddress, String grpcAddress) {
    return view(call(() -> client.addMember(id, raftAddress, grpcAddress)));
  }

  @Override
  public ClusterView removeMember(String id) {
    return view(call(() -> client.removeMember(id)));
  }

  /** The group after a membership change, or the rejection as the REST layer reports it. */
  private static ClusterView view(MembershipResponse r) {
    if (r.hasRejection()) {
      throw new RejectedException(r.getRejection());
    }
    return view(r.getStatus());
  }

  private static ClusterView view(ClusterStatus s) {
    ReplicaHealth h = s.getHealth();
    ClusterView.Replica replica = new ClusterView.Replica(h.getCondition().name().toLowerCase(Locale.ROOT), h.getReason(),
        h.getSinceMillis(), h.getRecoveries());
    return new ClusterView(s.getMembersList().stream().map(RaftControlPlane::member).toList(),
        s.getLeaderId(), s.getRevision(), s.getStateHash(), s.getMemberId(), replica, s.getConfigurationNotesList(),
        s.getClusterUuid());
  }

  private static ClusterView.Member member(Member m) {
    String role = switch (m.getRole()) {
      case LEADER -> "leader";
      case FOLLOWER -> "follower";
      case CANDIDATE -> "candidate";
      case LISTENER -> "listener";
      default -> "unknown";
    };
    return new ClusterView.Member(m.getId(), m.getRaftAddress(), role, m.getGrpcAddress());
  }

  private static <T> T call(Supplier<T> c) {
    try {
      return c.get();
    } catch (ControlPlaneException e) {
      // The controller's own code (storage_unavailable, replica_not_ready) reaches the REST client.
      throw new ControlPlaneUnavailableException(e.reason() == ControlPlaneException.Reason.UNAVAILABLE ? e.code() : "unavailable",
          "control plane unavailable: " + e.getMessage(), e);
    }
  }
}
