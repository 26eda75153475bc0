package io.nodus.state.decide;

import static io.nodus.state.Fixtures.deleteService;
import static io.nodus.state.Fixtures.upsertService;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.state.Fixtures.Driver;
import io.nodus.state.proto.BackendState;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.proto.L4Protocol;
import io.nodus.state.proto.Service;
import io.nodus.state.proto.ServiceBackend;
import io.nodus.state.proto.ServiceFlags;
import io.nodus.state.proto.ServiceFrontend;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ServiceCommandsTest {
  private Driver d;

  @BeforeEach
  void setUp() {
    d = new Driver();
  }

  private static Service.Builder web() {
    return Service.newBuilder().setName("web")
        .setFrontend(ServiceFrontend.newBuilder().setIp("10.96.0.10").setPort(80))
        .addBackends(ServiceBackend.newBuilder().setIp("10.200.0.5").setPort(8080));
  }

  private String rejectedField(Service s) {
    CommandResult r = d.apply(upsertService(s));
    assertThat(r.hasRejection()).as("%s", r).isTrue();
    assertThat(d.image().revision()).isZero();
    return r.getRejection().getField();
  }

  @Test
  void upsertFillsDefaultsAndHandsOutAServiceId() {
    CommandResult r = d.apply(upsertService(web().setFlags(ServiceFlags.newBuilder().setSessionAffinity(true)).build()));

    Service s = d.image().services().get("default", "web").orElseThrow();
    assertThat(r.getAccepted().getEventsCount()).isEqualTo(1);
    assertThat(s.getId()).isEqualTo(1);
    assertThat(s.getFrontend().getProtocol()).isEqualTo(L4Protocol.L4_PROTOCOL_TCP);
    assertThat(s.getBackends(0).getWeight()).isEqualTo(100);
    assertThat(s.getBackends(0).getState()).isEqualTo(BackendState.BACKEND_STATE_ACTIVE);
    assertThat(s.getFlags().getSessionAffinityTimeoutSeconds()).isEqualTo(10_800);
    assertThat(s.getRevision()).isEqualTo(1);
  }

  @Test
  void replacingBackendsKeepsTheIdAndAnIdenticalUpsertChangesNothing() {
    d.apply(upsertService(web().build()));
    Service changed = web().setBackends(0, ServiceBackend.newBuilder().setIp("10.200.0.6").setPort(8080).setWeight(5)
        .setState(BackendState.BACKEND_STATE_TERMINATING)).build();

    assertThat(d.apply(upsertService(changed)).getAccepted().getEventsCount()).isEqualTo(1);
    assertThat(d.apply(upsertService(changed)).getAccepted().getEventsCount()).isZero();
    Service s = d.image().services().get("default", "web").orElseThrow();
    assertThat(s.getId()).isEqualTo(1);
    assertThat(s.getBackends(0).getState()).isEqualTo(BackendState.BACKEND_STATE_TERMINATING);
    assertThat(d.image().revision()).isEqualTo(2);
  }

  @Test
  void aFrontendHeldByAnotherServiceIsRejectedNamingTheFrontend() {
    d.apply(upsertService(web().build()));

    CommandResult r = d.apply(upsertService(web().setName("other").build()));

    assertThat(r.getRejection().getCode()).isEqualTo("already_exists");
    assertThat(r.getRejection().getField()).isEqualTo("frontend");
    assertThat(r.getRejection().getMessage()).contains("default/web");
    // The same VIP and port on UDP is another frontend.
    Service udp = web().setName("other").setFrontend(web().getFrontend().toBuilder().setProtocol(L4Protocol.L4_PROTOCOL_UDP)).build();
    assertThat(d.apply(upsertService(udp)).hasAccepted()).isTrue();
  }

  @Test
  void movingAServiceToANewFrontendFreesTheOldOne() {
    d.apply(upsertService(web().build()));
    d.apply(upsertService(web().setFrontend(ServiceFrontend.newBuilder().setIp("10.96.0.11").setPort(80)).build()));

    assertThat(d.apply(upsertService(web().setName("b").build())).hasAccepted()).isTrue();
    assertThat(d.image().services().get("default", "b").orElseThrow().getId()).isEqualTo(2);
  }

  @Test
  void rejectsBadAddressesPortsWeightsAndFlagsNamingTheField() {
    assertThat(rejectedField(web().setFrontend(ServiceFrontend.newBuilder().setIp("10.96.0.300").setPort(80)).build()))
        .isEqualTo("frontend.ip");
    assertThat(rejectedField(web().setFrontend(ServiceFrontend.newBuilder().setIp("224.0.0.5").setPort(80)).build()))
        .isEqualTo("frontend.ip");
    assertThat(rejectedField(web().setFrontend(ServiceFrontend.newBuilder().setIp("10.96.0.1").setPort(70000)).build()))
        .isEqualTo("frontend.port");
    assertThat(rejectedField(web().setFrontend(ServiceFrontend.newBuilder().setIp("10.96.0.1").setPort(80).setProtocolValue(50)).build()))
        .isEqualTo("frontend.protocol");
    assertThat(rejectedField(web().setBackends(0, ServiceBackend.newBuilder().setIp("10.0.0.1").setPort(0)).build()))
        .isEqualTo("backends[0].port");
    assertThat(rejectedField(web().addBackends(ServiceBackend.newBuilder().setIp("10.0.0.1").setPort(1).setWeight(65536)).build()))
        .isEqualTo("backends[1].weight");
    assertThat(rejectedField(web().addBackends(web().getBackends(0)).build())).isEqualTo("backends[1]");
    assertThat(rejectedField(web().setFlags(ServiceFlags.newBuilder().setSessionAffinityTimeoutSeconds(30)).build()))
        .isEqualTo("flags.sessionAffinityTimeoutSeconds");
    assertThat(rejectedField(web().setFlags(ServiceFlags.newBuilder().setUnshared(true)).build())).isEqualTo("flags.unshared");
    assertThat(rejectedField(web().setName("Web").build())).isEqualTo("name");
    assertThat(rejectedField(web().clearFrontend().build())).isEqualTo("frontend");
  }

  @Test
  void deletesAServiceAndRefusesAMissingOne() {
    d.apply(upsertService(web().build()));

    assertThat(d.apply(deleteService("web")).hasAccepted()).isTrue();
    assertThat(d.image().services().all()).isEmpty();
    assertThat(d.image().services().byFrontend().isEmpty()).isTrue();
    assertThat(d.apply(deleteService("web")).getRejection().getCode()).isEqualTo("not_found");
  }
}
