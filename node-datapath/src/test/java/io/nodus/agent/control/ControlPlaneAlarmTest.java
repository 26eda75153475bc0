package io.nodus.agent.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nodus.agent.control.ControlPlaneState.Condition;
import io.nodus.bpf.maps.LogPosition;
import io.nodus.raft.client.ControlPlaneException;
import io.nodus.raft.client.FollowedStream;
import io.nodus.raft.client.StaleStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** What the agent reports while no controller continues the log its maps follow. */
class ControlPlaneAlarmTest {
  private static final String U1 = "6f1c2d3e-0000-3000-8000-000000000001";
  private static final String U2 = "6f1c2d3e-0000-3000-8000-000000000002";
  private static final String C1 = "10.0.0.1:9401";
  private static final String C2 = "10.0.0.2:9401";
  private static final LogPosition APPLIED = new LogPosition(U1, 5000, 1_000);
  private static final StaleStream WIPED = new StaleStream(C1, StaleStream.Kind.OTHER_CLUSTER, U2, 12, U1, 5000);
  private static final StaleStream RESTORED = new StaleStream(C1, StaleStream.Kind.BEHIND, U1, 4000, U1, 5000);
  private static final ControlPlaneException DISK_FULL = new ControlPlaneException(ControlPlaneException.Reason.UNAVAILABLE,
      "storage_unavailable", "disk full under /var/lib/nodus", null);

  private final TestClock clock = new TestClock();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ControlPlaneAlarm alarm = new ControlPlaneAlarm(clock, registry, () -> APPLIED);

  private double stale(String reason) {
    return registry.get("nodus.agent.control.plane.stale").tag("reason", reason).gauge().value();
  }

  private double refused(String kind) {
    return registry.get("nodus.agent.control.plane.refused").tag("kind", kind).counter().count();
  }

  @Test
  void aControllerOfAnotherClusterRaisesTheAlarmNamingBothClustersAndRevisions() {
    assertThat(alarm.state().condition()).isEqualTo(Condition.CONNECTING);
    assertThat(alarm.state().alarm()).isFalse();

    alarm.stale(WIPED);
    assertThat(alarm.state().alarm()).isTrue();
    assertThat(alarm.state().describe(APPLIED)).isEqualTo("stale — controller " + C1 + " serves cluster " + U2
        + " at revision 12, this node applied revision 5000 of cluster " + U1);
    assertThat(stale("other_cluster")).isEqualTo(1);
    assertThat(stale("behind")).isZero();
    assertThat(refused("other_cluster")).isEqualTo(1);
    assertThat(registry.get("nodus.agent.control.plane.unavailable").gauge().value()).isZero();
  }

  @Test
  void aControllerBehindTheMapsIsReportedAsBehind() {
    alarm.stale(RESTORED);
    assertThat(alarm.state().reason()).isEqualTo("behind");
    assertThat(alarm.state().describe(APPLIED)).isEqualTo("behind — controller " + C1 + " is at revision 4000 of cluster " + U1
        + ", this node applied revision 5000 of cluster " + U1);
    assertThat(stale("behind")).isEqualTo(1);
  }

  @Test
  void aStreamThatContinuesTheLogClearsTheAlarmAndKeepsTheCounts() {
    alarm.stale(WIPED);
    alarm.stale(WIPED);
    alarm.following(new FollowedStream(C2, U1, 5000));
    assertThat(alarm.state().condition()).isEqualTo(Condition.FOLLOWING);
    assertThat(alarm.state().describe(APPLIED)).isEqualTo("following — controller " + C2 + " continues the log of cluster " + U1);
    assertThat(stale("other_cluster")).isZero();
    assertThat(refused("other_cluster")).isEqualTo(2);
    assertThat(alarm.refusedStreams()).isEqualTo(2);
  }

  @Test
  void anUnavailableControlPlaneCarriesTheControllersCode() {
    alarm.following(new FollowedStream(C1, U1, 5000));
    alarm.unavailable(C1, DISK_FULL);
    ControlPlaneState s = alarm.state();
    assertThat(s.condition()).isEqualTo(Condition.UNAVAILABLE);
    assertThat(s.reason()).isEqualTo("storage_unavailable");
    assertThat(s.describe(APPLIED)).isEqualTo("unavailable (storage_unavailable) — controller " + C1
        + ": disk full under /var/lib/nodus; this node applied revision 5000 of cluster " + U1);
    assertThat(registry.get("nodus.agent.control.plane.unavailable").gauge().value()).isEqualTo(1);
    assertThat(registry.get("nodus.agent.control.plane.failures").tag("code", "storage_unavailable").counter().count()).isEqualTo(1);
  }

  @Test
  void aStaleFindingOutlastsTheNextControllerBeingUnreachable() {
    alarm.stale(WIPED);
    alarm.unavailable(C2, new ControlPlaneException(ControlPlaneException.Reason.UNAVAILABLE, "connection refused", null));
    assertThat(alarm.state().condition()).isEqualTo(Condition.STALE);
    assertThat(alarm.state().controller()).isEqualTo(C1);
    assertThat(alarm.failedStreams()).isEqualTo(1);
  }

  @Test
  void theAlarmKeepsTheTimeItBeganWhileItLasts() {
    alarm.stale(WIPED);
    long began = alarm.state().sinceMillis();
    clock.advance(Duration.ofSeconds(40));
    alarm.stale(WIPED);
    assertThat(alarm.state().sinceMillis()).isEqualTo(began);
    alarm.stale(RESTORED);
    assertThat(alarm.state().sinceMillis()).as("another reason").isEqualTo(clock.millis());
  }

  @Test
  void logsEachAlarmAtMostOnceEveryThirtySeconds() {
    for (int i = 0; i < 15; i++) {
      alarm.stale(WIPED); // The watch retries every 2 s at most.
      clock.advance(Duration.ofSeconds(2));
    }
    assertThat(alarm.warningsLogged()).isEqualTo(1);
    alarm.stale(WIPED);
    assertThat(alarm.warningsLogged()).isEqualTo(2);
    alarm.unavailable(C2, DISK_FULL);
    assertThat(alarm.warningsLogged()).as("another controller and condition").isEqualTo(3);
    alarm.following(new FollowedStream(C1, U1, 5000));
    alarm.stale(WIPED);
    assertThat(alarm.warningsLogged()).as("a new alarm after it cleared").isEqualTo(4);
  }

  /** A clock the test moves. */
  private static final class TestClock extends Clock {
    private Instant now = Instant.parse("2026-12-07T12:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
