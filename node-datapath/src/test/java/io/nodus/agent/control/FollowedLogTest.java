package io.nodus.agent.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodus.bpf.libbpf.BpfMap;
import io.nodus.bpf.libbpf.MapType;
import io.nodus.bpf.maps.LogPosition;
import io.nodus.bpf.maps.LogPositionMap;
import io.nodus.raft.client.WatchStart;
import io.nodus.state.proto.ClusterState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The remembered log position, over a real (unpinned) kernel map of nodus_log_pos's shape. */
class FollowedLogTest {
  private static final String U1 = "6f1c2d3e-0000-3000-8000-000000000001";
  private static final String U2 = "6f1c2d3e-0000-3000-8000-000000000002";

  private final LogPositionMap map = new LogPositionMap(BpfMap.create(MapType.ARRAY, 4, LogPositionMap.SHAPE.valueSize(), 1,
      LogPositionMap.SHAPE.mapName()));

  @AfterEach
  void close() {
    map.close();
  }

  private static ClusterState snapshot(String cluster, long revision) {
    return ClusterState.newBuilder().setClusterUuid(cluster).setRevision(revision).build();
  }

  @Test
  void aNewNodeWatchesFromNothingAndRemembersTheClusterOfWhatItApplied() {
    FollowedLog log = FollowedLog.open(map);
    assertThat(log.position()).isEqualTo(LogPosition.NONE);
    assertThat(log.watchStart()).isEqualTo(new WatchStart(0, 0, ""));
    assertThat(log.refusal(snapshot(U1, 3))).isEmpty();

    log.applied(U1, 3, 1_000);
    assertThat(map.read()).hasValue(new LogPosition(U1, 3, 1_000));
    assertThat(FollowedLog.open(map).watchStart()).as("after a restart").isEqualTo(new WatchStart(0, 3, U1));
  }

  @Test
  void refusesASnapshotOfAnotherClusterOrOlderThanTheMaps() {
    map.write(new LogPosition(U1, 5000, 1_000));
    FollowedLog log = FollowedLog.open(map);

    assertThat(log.refusal(snapshot(U2, 12))).hasValueSatisfying(r -> assertThat(r).contains(U2).contains(U1).contains("5000"));
    assertThat(log.refusal(snapshot(U2, 9000))).as("another cluster, whatever its revision").isPresent();
    assertThat(log.refusal(snapshot(U1, 4999))).hasValueSatisfying(r -> assertThat(r).contains("older than revision 5000"));
    assertThat(log.refusal(snapshot("", 12))).as("a cluster with no id yet, behind").isPresent();
    assertThat(log.refusal(snapshot(U1, 5000))).isEmpty();
    assertThat(log.refusal(snapshot(U1, 5001))).isEmpty();
  }

  @Test
  void writesOnlyWhenTheRevisionMoves() {
    FollowedLog log = FollowedLog.open(map);
    log.applied(U1, 7, 1_000);
    log.applied(U1, 7, 2_000);
    assertThat(map.read()).as("a resync pass at the same revision").hasValue(new LogPosition(U1, 7, 1_000));
    log.applied("", 8, 3_000);
    assertThat(map.read()).as("events name no cluster: the one followed").hasValue(new LogPosition(U1, 8, 3_000));
    log.applied(U1, 6, 4_000);
    assertThat(log.position().revision()).as("never backwards").isEqualTo(8);
  }

  @Test
  void aClusterWithoutAnIdWhenFirstSeenIsLearnedLater() {
    FollowedLog log = FollowedLog.open(map);
    log.applied("", 0, 1_000);
    log.applied("", 2, 2_000);
    assertThat(log.position()).isEqualTo(new LogPosition("", 2, 2_000));
    log.applied(U1, 2, 3_000);
    assertThat(map.read()).hasValue(new LogPosition(U1, 2, 3_000));
  }

  @Test
  void mapsWrittenForAnotherClusterAreABrokenInvariant() {
    map.write(new LogPosition(U1, 10, 1_000));
    FollowedLog log = FollowedLog.open(map);
    assertThatThrownBy(() -> log.applied(U2, 11, 2_000)).hasMessageContaining("while following cluster " + U1);
    assertThat(map.read()).hasValue(new LogPosition(U1, 10, 1_000));
  }

  @Test
  void adoptingAnotherClusterForgetsTheOldPositionAtOnce() {
    map.write(new LogPosition(U1, 5000, 1_000));
    FollowedLog log = FollowedLog.open(map);

    assertThat(log.adopt(U2)).hasValue(new LogPosition(U1, 5000, 1_000));
    assertThat(map.read()).as("remembered before the watch starts").hasValue(new LogPosition(U2, 0, 0));
    assertThat(log.watchStart()).isEqualTo(new WatchStart(0, 0, U2));
    assertThat(log.refusal(snapshot(U2, 12))).isEmpty();
    assertThat(log.refusal(snapshot(U1, 5001))).as("the old cluster is now the foreign one").isPresent();
  }

  @Test
  void adoptingTheClusterFollowedChangesNothing() {
    map.write(new LogPosition(U1, 5000, 1_000));
    FollowedLog log = FollowedLog.open(map);
    assertThat(log.adopt(U1)).isEmpty();
    assertThat(log.watchStart()).isEqualTo(new WatchStart(0, 5000, U1));
  }
}
