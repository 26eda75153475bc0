package io.nodus.rest.core;

import io.nodus.rest.api.ServiceView;
import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.proto.BackendState;
import io.nodus.state.proto.L4Protocol;
import io.nodus.state.proto.Service;
import io.nodus.state.proto.ServiceBackend;
import io.nodus.state.proto.ServiceFlags;
import io.nodus.state.proto.ServiceFrontend;
import java.util.Locale;

/**
 * Converts services between their JSON form and the schema. Only the shape is checked here (known
 * words, required objects, no output-only fields); the values are validated by decide, which
 * names the same field paths.
 */
public final class ServiceMapping {
  private ServiceMapping() {}

  public static Service toProto(ServiceView v) {
    if (v.id() != null) {
      throw InvalidFieldException.invalid("id", "is assigned by the control plane");
    }
    if (v.revision() != null) {
      throw InvalidFieldException.invalid("revision", "is assigned by the control plane");
    }
    if (v.name() == null) {
      throw InvalidFieldException.invalid("name", "is required");
    }
    if (v.frontend() == null) {
      throw InvalidFieldException.invalid("frontend", "is required");
    }
    Service.Builder s = Service.newBuilder().setName(v.name()).setNamespace(v.namespace() == null ? "" : v.namespace());
    ServiceView.Frontend f = v.frontend();
    s.setFrontend(ServiceFrontend.newBuilder()
        .setIp(required(f.ip(), "frontend.ip"))
        .setPort(requiredNumber(f.port(), "frontend.port"))
        .setProtocol(protocol(f.protocol())));
    for (int i = 0; i < v.backends().size(); i++) {
      ServiceView.Backend b = v.backends().get(i);
      String field = "backends[" + i + "]";
      if (b == null) {
        throw InvalidFieldException.invalid(field, "must be an object");
      }
      s.addBackends(ServiceBackend.newBuilder()
          .setIp(required(b.ip(), field + ".ip"))
          .setPort(requiredNumber(b.port(), field + ".port"))
          .setWeight(b.weight() == null ? 0 : nonZero(b.weight(), field + ".weight"))
          .setState(state(b.state(), field + ".state"))
          .setNode(b.node() == null ? "" : b.node()));
    }
    if (v.flags() != null) {
      ServiceView.Flags fl = v.flags();
      Integer timeout = fl.sessionAffinityTimeoutSeconds();
      if (timeout != null && timeout <= 0) {
        throw InvalidFieldException.invalid("flags.sessionAffinityTimeoutSeconds", "timeout " + timeout + " s is outside 1..86400");
      }
      s.setFlags(ServiceFlags.newBuilder()
          .setGlobal(on(fl.global())).setUnshared(on(fl.unshared()))
          .setSessionAffinity(on(fl.sessionAffinity())).setSessionAffinityTimeoutSeconds(timeout == null ? 0 : timeout)
          .setDsr(on(fl.dsr())).setExternalTrafficLocal(on(fl.externalTrafficLocal()))
          .setInternalTrafficLocal(on(fl.internalTrafficLocal())));
    }
    return s.build();
  }

  public static ServiceView toView(Service s) {
    ServiceFrontend f = s.getFrontend();
    ServiceFlags fl = s.getFlags();
    return new ServiceView(s.getName(), s.getNamespace(),
        new ServiceView.Frontend(f.getIp(), f.getPort(), f.getProtocol().name().replace("L4_PROTOCOL_", "")),
        s.getBackendsList().stream().map(b -> new ServiceView.Backend(b.getIp(), b.getPort(), b.getWeight(),
            b.getState().name().replace("BACKEND_STATE_", "").toLowerCase(Locale.ROOT), b.getNode())).toList(),
        new ServiceView.Flags(fl.getGlobal(), fl.getUnshared(), fl.getSessionAffinity(),
            fl.getSessionAffinity() ? fl.getSessionAffinityTimeoutSeconds() : null, fl.getDsr(),
            fl.getExternalTrafficLocal(), fl.getInternalTrafficLocal()),
        s.getId(), s.getRevision());
  }

  private static boolean on(Boolean flag) {
    return flag != null && flag;
  }

  private static String required(String value, String field) {
    if (value == null || value.isEmpty()) {
      throw InvalidFieldException.invalid(field, "is required");
    }
    return value;
  }

  private static int requiredNumber(Integer value, String field) {
    if (value == null) {
      throw InvalidFieldException.invalid(field, "is required");
    }
    if (value < 1 || value > 65535) {
      throw InvalidFieldException.invalid(field, "port " + value + " is outside 1..65535");
    }
    return value;
  }

  private static int nonZero(int weight, String field) {
    if (weight < 1 || weight > 65535) {
      throw InvalidFieldException.invalid(field, "weight " + weight + " is outside 1..65535");
    }
    return weight;
  }

  private static L4Protocol protocol(String p) {
    if (p == null) {
      return L4Protocol.L4_PROTOCOL_TCP;
    }
    return switch (p.toUpperCase(Locale.ROOT)) {
      case "TCP" -> L4Protocol.L4_PROTOCOL_TCP;
      case "UDP" -> L4Protocol.L4_PROTOCOL_UDP;
      case "SCTP" -> L4Protocol.L4_PROTOCOL_SCTP;
      default -> throw InvalidFieldException.invalid("frontend.protocol", "'" + p + "' is not TCP, UDP or SCTP");
    };
  }

  private static BackendState state(String s, String field) {
    if (s == null) {
      return BackendState.BACKEND_STATE_ACTIVE;
    }
    return switch (s.toLowerCase(Locale.ROOT)) {
      case "active" -> BackendState.BACKEND_STATE_ACTIVE;
      case "terminating" -> BackendState.BACKEND_STATE_TERMINATING;
      case "quarantined" -> BackendState.BACKEND_STATE_QUARANTINED;
      case "maintenance" -> BackendState.BACKEND_STATE_MAINTENANCE;
      default -> throw InvalidFieldException.invalid(field, "'" + s + "' is not active, terminating, quarantined or maintenance");
    };
  }
}
