package io.nodus.state.decide;

import io.nodus.state.image.ClusterImage;
import io.nodus.state.image.ServicesImage;
import io.nodus.state.model.Addresses;
import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.model.Names;
import io.nodus.state.model.RejectionCodes;
import io.nodus.state.proto.BackendState;
import io.nodus.state.proto.DeleteService;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.L4Protocol;
import io.nodus.state.proto.Service;
import io.nodus.state.proto.ServiceBackend;
import io.nodus.state.proto.ServiceDeleted;
import io.nodus.state.proto.ServiceFlags;
import io.nodus.state.proto.ServiceFrontend;
import io.nodus.state.proto.ServiceUpserted;
import io.nodus.state.proto.UpsertService;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/** Decides service commands: validation, normalization, frontend uniqueness and service ids. */
final class ServiceCommands {
  /** Most backends one service may have; the datapath's per-service tables are sized by it. */
  static final int MAX_BACKENDS = 1024;
  /** Weight of a backend that does not give one (Cilium's default). */
  static final int DEFAULT_WEIGHT = 100;
  /** Session affinity timeout when affinity is on and none is given (Kubernetes' default, 3 h). */
  static final int DEFAULT_AFFINITY_SECONDS = 10_800;
  /** Longest session affinity timeout Kubernetes accepts. */
  static final int MAX_AFFINITY_SECONDS = 86_400;

  private ServiceCommands() {}

  static Decision upsert(ClusterImage image, UpsertService cmd) {
    Service service = normalize(cmd.getService());
    Optional<Service> existing = image.services().get(service.getNamespace(), service.getName());
    String key = ServicesImage.key(service.getNamespace(), service.getName());
    Optional<String> holder = image.services().ownerOf(service.getFrontend());
    if (holder.isPresent() && !holder.get().equals(key)) {
      return Decision.reject(RejectionCodes.ALREADY_EXISTS, "frontend", "frontend "
          + ServicesImage.frontendKey(service.getFrontend()) + " belongs to service " + holder.get());
    }
    if (existing.isPresent()) {
      Service same = service.toBuilder().setId(existing.get().getId()).build();
      if (existing.get().toBuilder().clearRevision().build().equals(same)) {
        return Decision.nothing();
      }
      return Decision.accept(Event.newBuilder().setServiceUpserted(ServiceUpserted.newBuilder().setService(same)));
    }
    Optional<Integer> id = image.services().nextFreeId();
    if (id.isEmpty()) {
      return Decision.reject(RejectionCodes.EXHAUSTED, "name", "all " + ServicesImage.MAX_ID + " service ids are in use");
    }
    return Decision.accept(Event.newBuilder().setServiceUpserted(ServiceUpserted.newBuilder()
        .setService(service.toBuilder().setId(id.get()))));
  }

  static Decision delete(ClusterImage image, DeleteService cmd) {
    String namespace = cmd.getNamespace().isEmpty() ? EndpointCommands.DEFAULT_NAMESPACE : cmd.getNamespace();
    Names.requireDnsLabel(namespace, "namespace");
    Names.requireDnsLabel(cmd.getName(), "name");
    if (image.services().get(namespace, cmd.getName()).isEmpty()) {
      return Decision.reject(RejectionCodes.NOT_FOUND, "name", "no service named " + cmd.getName() + " in namespace " + namespace);
    }
    return Decision.accept(Event.newBuilder().setServiceDeleted(ServiceDeleted.newBuilder()
        .setNamespace(namespace).setName(cmd.getName())));
  }

  /**
   * Validates a service and fills its defaults (namespace, protocol, weights, affinity timeout);
   * the id and revision are cleared. Throws naming the first bad field.
   */
  static Service normalize(Service in) {
    Service.Builder s = in.toBuilder().clearId().clearRevision();
    if (s.getNamespace().isEmpty()) {
      s.setNamespace(EndpointCommands.DEFAULT_NAMESPACE);
    }
    Names.requireDnsLabel(s.getNamespace(), "namespace");
    Names.requireDnsLabel(s.getName(), "name");
    if (!in.hasFrontend()) {
      throw InvalidFieldException.invalid("frontend", "is required");
    }
    ServiceFrontend.Builder f = s.getFrontendBuilder();
    Addresses.requireUnicast(f.getIp(), "frontend.ip");
    Addresses.requirePort(f.getPort(), "frontend.port");
    f.setProtocol(protocol(f.getProtocol(), f.getProtocolValue()));
    if (s.getBackendsCount() > MAX_BACKENDS) {
      throw InvalidFieldException.invalid("backends", s.getBackendsCount() + " backends; at most " + MAX_BACKENDS + " are allowed");
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < s.getBackendsCount(); i++) {
      String field = "backends[" + i + "]";
      ServiceBackend.Builder b = s.getBackendsBuilder(i);
      Addresses.requireUnicast(b.getIp(), field + ".ip");
      Addresses.requirePort(b.getPort(), field + ".port");
      if (b.getWeight() == 0) {
        b.setWeight(DEFAULT_WEIGHT);
      } else if (Integer.toUnsignedLong(b.getWeight()) > 65535) {
        throw InvalidFieldException.invalid(field + ".weight", "weight " + Integer.toUnsignedLong(b.getWeight()) + " is outside 1..65535");
      }
      if (b.getState() == BackendState.UNRECOGNIZED) {
        throw InvalidFieldException.invalid(field + ".state", "unknown backend state " + b.getStateValue());
      }
      if (!b.getNode().isEmpty()) {
        Names.requireDnsSubdomain(b.getNode(), field + ".node");
      }
      if (!seen.add(b.getIp() + ":" + b.getPort())) {
        throw InvalidFieldException.invalid(field, "backend " + b.getIp() + ":" + b.getPort() + " is listed twice");
      }
    }
    ServiceFlags.Builder flags = s.getFlagsBuilder();
    if (flags.getUnshared() && !flags.getGlobal()) {
      throw InvalidFieldException.invalid("flags.unshared", "only a global service can keep its backends unshared");
    }
    long timeout = Integer.toUnsignedLong(flags.getSessionAffinityTimeoutSeconds());
    if (!flags.getSessionAffinity() && timeout != 0) {
      throw InvalidFieldException.invalid("flags.sessionAffinityTimeoutSeconds", "a timeout needs session affinity on");
    }
    if (flags.getSessionAffinity()) {
      if (timeout == 0) {
        flags.setSessionAffinityTimeoutSeconds(DEFAULT_AFFINITY_SECONDS);
      } else if (timeout > MAX_AFFINITY_SECONDS) {
        throw InvalidFieldException.invalid("flags.sessionAffinityTimeoutSeconds",
            "timeout " + timeout + " s is outside 1.." + MAX_AFFINITY_SECONDS);
      }
    }
    return s.build();
  }

  private static L4Protocol protocol(L4Protocol p, int raw) {
    return switch (p) {
      case L4_PROTOCOL_UNSPECIFIED -> L4Protocol.L4_PROTOCOL_TCP;
      case L4_PROTOCOL_TCP, L4_PROTOCOL_UDP, L4_PROTOCOL_SCTP -> p;
      case UNRECOGNIZED -> throw InvalidFieldException.invalid("frontend.protocol", "unknown protocol " + raw + "; use TCP, UDP or SCTP");
    };
  }
}
