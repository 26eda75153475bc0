package io.nodus.agent.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodus.bpf.DropReason;
import io.nodus.bpf.TrafficDirection;
import io.nodus.bpf.events.DatapathEvent;
import io.nodus.bpf.events.EventType;
import io.nodus.bpf.events.PolicyMatch;
import io.nodus.bpf.maps.Ipv4;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Datapath events to readable records, and the filters of a monitor session. */
class MonitorHubTest {
  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(1_000), ZoneOffset.UTC);

  private static DatapathEvent event(EventType type, int reason, PolicyMatch match) {
    return new DatapathEvent(type, type == EventType.DROP ? DropReason.of(reason) : DropReason.FORWARDED, reason,
        TrafficDirection.INGRESS, 6, 7, 1002, 1001, Ipv4.parse("10.0.0.2"), Ipv4.parse("10.0.0.1"), 40000, 8080, 3, 5L, 60,
        0, match);
  }

  @Test
  void aVerdictNamesTheRuleThatAllowedTheFlowWithLabels() {
    IdentityDirectory dir = IdentityDirectory.ofForTest(Map.of(1002, java.util.List.of("k8s:app=client")), Map.of(7, "server"));
    MonitorRecord r = MonitorHub.toRecord(event(EventType.POLICY_VERDICT, 0,
        new PolicyMatch(PolicyMatch.Type.L3_L4, 1002, 8000, 8100, 59)), dir, 1);
    assertThat(r.type()).isEqualTo("verdict");
    assertThat(r.endpoint()).isEqualTo("server");
    assertThat(r.match()).isEqualTo("L3-L4");
    assertThat(r.matchPorts()).isEqualTo("8000-8100");
    assertThat(r.sourceLabels()).containsExactly("k8s:app=client");
    assertThat(r.toHumanLine()).contains("POLICY-VERDICT allowed").contains("match L3-L4: identity 1002, tcp/8000-8100")
        .contains("[k8s:app=client]");
    MonitorRecord drop = MonitorHub.toRecord(event(EventType.DROP, 181, PolicyMatch.NONE), dir, 1);
    assertThat(drop.toHumanLine()).startsWith("DROP (Policy denied by denylist, 181) ingress endpoint server");
  }

  @Test
  void aSubscriptionSeesOnlyWhatItsFilterAccepts() throws Exception {
    MonitorHub hub = new MonitorHub(() -> IdentityDirectory.ofForTest(Map.of(), Map.of(7, "server")), CLOCK);
    try (MonitorHub.Subscription drops = hub.subscribe(new MonitorFilter(Set.of("drop"), "server", 0));
         MonitorHub.Subscription other = hub.subscribe(new MonitorFilter(Set.of(), "elsewhere", 0));
         MonitorHub.Subscription byIdentity = hub.subscribe(new MonitorFilter(Set.of(), null, 1002))) {
      hub.publish(event(EventType.POLICY_VERDICT, 0, PolicyMatch.NONE));
      hub.publish(event(EventType.DROP, 133, PolicyMatch.NONE));
      hub.notice(AgentNotice.of("endpoint-error", "server", "policy map overflow", 1));
      assertThat(((MonitorRecord) drops.poll(100)).type()).isEqualTo("drop");
      assertThat(drops.poll(10)).isNull();
      assertThat(other.poll(10)).isNull();
      assertThat(((MonitorRecord) byIdentity.poll(100)).type()).isEqualTo("verdict");
      assertThat(((MonitorRecord) byIdentity.poll(100)).type()).isEqualTo("drop");
      assertThat(byIdentity.poll(10)).as("notices carry no identity").isNull();
    }
  }

  @Test
  void aFilterNamesTheFieldItRejects() {
    assertThatThrownBy(() -> AgentHttpServer.filter(Map.of("type", "drops"))).hasMessageStartingWith("type:");
    assertThatThrownBy(() -> AgentHttpServer.filter(Map.of("identity", "x"))).hasMessageStartingWith("identity:");
    assertThat(AgentHttpServer.filter(Map.of("type", "drop,trace", "endpoint", "web")).wantsTraces()).isTrue();
  }
}
