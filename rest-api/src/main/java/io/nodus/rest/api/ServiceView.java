package io.nodus.rest.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.nodus.state.model.InvalidFieldException;
import java.util.List;

/**
 * A service as POST /v1/services takes it and GET gives it back. On input, {@code id} and
 * {@code revision} must be absent; missing optional fields take the documented defaults
 * (namespace "default", protocol TCP, weight 100, state active, affinity timeout 10800 s).
 *
 * @param name service name (DNS label)
 * @param namespace namespace (DNS label)
 * @param frontend the VIP:port/protocol clients connect to
 * @param backends where connections go
 * @param flags balancing and visibility flags
 * @param id cluster-unique service number (output only)
 * @param revision revision of its last change (output only)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ServiceView(String name, String namespace, Frontend frontend, List<Backend> backends, Flags flags,
    Integer id, Long revision) {
  public ServiceView {
    if (backends != null) {
      for (int i = 0; i < backends.size(); i++) {
        if (backends.get(i) == null) {
          throw InvalidFieldException.invalid("backends[" + i + "]", "must be an object, not null");
        }
      }
    }
    backends = backends == null ? List.of() : List.copyOf(backends);
  }

  /**
   * @param ip virtual IPv4 address
   * @param port 1-65535
   * @param protocol TCP (default), UDP or SCTP
   */
  public record Frontend(String ip, Integer port, String protocol) {}

  /**
   * @param ip IPv4 address
   * @param port 1-65535
   * @param weight 1-65535 (default 100)
   * @param state active (default), terminating, quarantined or maintenance
   * @param node node hosting it, when known
   */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Backend(String ip, Integer port, Integer weight, String state, String node) {}

  /**
   * Absent flags are false.
   *
   * @param global shared with peer clusters
   * @param unshared with global: keep this cluster's backends out of the mesh
   * @param sessionAffinity client-IP affinity
   * @param sessionAffinityTimeoutSeconds 1-86400 (default 10800 with affinity)
   * @param dsr direct server return
   * @param externalTrafficLocal outside traffic only to backends on the receiving node
   * @param internalTrafficLocal inside traffic only to backends on the sending node
   */
  public record Flags(Boolean global, Boolean unshared, Boolean sessionAffinity, Integer sessionAffinityTimeoutSeconds,
      Boolean dsr, Boolean externalTrafficLocal, Boolean internalTrafficLocal) {}
}
