package io.nodus.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.state.image.ClusterImage;
import io.nodus.state.proto.AllocateIpam;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.ConfigureCluster;
import io.nodus.state.proto.CreateIpamPool;
import io.nodus.state.proto.IpamPool;
import io.nodus.state.proto.LoggedCommand;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The cluster clock against leaders whose wall clocks are skewed, step forward and back, while
 * their monotonic clocks measure real time: the cluster time never goes back, never gains more
 * than 1.1 times the real time that passed, and so a retried request id is applied once whenever
 * the retry comes within the window divided by 1.1 of real time, whatever the leaders' clocks say.
 */
class ClusterClockTest {
  private static final long HOUR = 3_600_000;
  /** The deduplication window of the exactly-once property. */
  private static final long WINDOW_MILLIS = 60_000;

  /**
   * One leader's term in the model: its wall clock's skew, the origin of its monotonic clock, and
   * the entries it stamps (the real time before each, and a wall-clock step it takes before it).
   */
  record Term(long skew, long monotonicOrigin, List<Stamp> stamps) {}

  /** One entry: {@code gap} ms of real time after the previous entry; the wall clock then steps by {@code step}. */
  record Stamp(long gap, long step) {}

  @Provide
  Arbitrary<List<Term>> terms() {
    Arbitrary<Stamp> stamp = Combinators.combine(
        Arbitraries.longs().between(0, 20_000),
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(8, Arbitraries.just(0L)),
            net.jqwik.api.Tuple.of(1, Arbitraries.longs().between(-2 * HOUR, 2 * HOUR))))
        .as(Stamp::new);
    Arbitrary<Term> term = Combinators.combine(
        Arbitraries.longs().between(-2 * HOUR, 2 * HOUR),
        Arbitraries.longs().between(-1_000_000_000_000L, 1_000_000_000_000L),
        stamp.list().ofMinSize(1).ofMaxSize(12))
        .as(Term::new);
    return term.list().ofMinSize(1).ofMaxSize(8);
  }

  /** An entry as the model stamped it, with the real time it was stamped at. */
  record Stamped(long term, long realMillis, long wallMillis, long monotonicMillis) {}

  static List<Stamped> stamps(List<Term> terms) {
    List<Stamped> out = new ArrayList<>();
    long real = 1_700_000_000_000L;
    for (int t = 0; t < terms.size(); t++) {
      Term term = terms.get(t);
      long skew = term.skew();
      for (Stamp s : term.stamps()) {
        real += s.gap();
        skew += s.step();
        out.add(new Stamped(t + 1, real, real + skew, real + term.monotonicOrigin()));
      }
    }
    return out;
  }

  @Property(tries = 500)
  void neverGoesBackNorRunsFasterThanRealTime(@ForAll("terms") List<Term> terms) {
    List<Stamped> stamps = stamps(terms);
    List<ClusterClock> clocks = new ArrayList<>();
    ClusterClock clock = ClusterClock.UNSET;
    for (Stamped s : stamps) {
      clock = clock.advance(s.term(), s.wallMillis(), s.monotonicMillis(), true);
      clocks.add(clock);
    }
    for (int i = 1; i < clocks.size(); i++) {
      assertThat(clocks.get(i).nowMillis()).isGreaterThanOrEqualTo(clocks.get(i - 1).nowMillis());
    }
    for (int i = 0; i < clocks.size(); i++) {
      for (int j = i + 1; j < clocks.size(); j++) {
        long real = stamps.get(j).realMillis() - stamps.get(i).realMillis();
        long gained = clocks.get(j).nowMillis() - clocks.get(i).nowMillis();
        assertThat(gained).as("cluster time gained between entries %d and %d", i, j)
            .isLessThanOrEqualTo(real + real / ClusterClock.CATCH_UP_DIVISOR);
      }
    }
  }

  /**
   * Every entry allocates an IPAM block under a fresh request id, and retries the request of an
   * earlier entry, chosen among those at most the window / 1.1 of real time back: each retry gets
   * the original answer and allocates nothing.
   */
  @Property(tries = 300)
  void aRetryWithinTheWindowIsAppliedOnceWhateverTheLeadersClocks(@ForAll("terms") List<Term> terms) {
    List<Stamped> stamps = stamps(terms);
    ReplicaState state = ReplicaState.EMPTY;
    state = apply(state, stamps.getFirst(), 1, List.of(configure(), pool()));
    List<Long> requestedAt = new ArrayList<>();
    long index = 2;
    for (int i = 0; i < stamps.size(); i++) {
      Stamped s = stamps.get(i);
      List<Command> commands = new ArrayList<>();
      commands.add(allocate("r" + i));
      int retried = earliestWithin(stamps, requestedAt, s.realMillis());
      if (retried >= 0) {
        commands.add(allocate("r" + retried));
      }
      int allocationsBefore = state.image().ipam().allAllocations().size();
      CommandApplier.EntryApplied applied = CommandApplier.applyEntry(state,
          LoggedEntry.of(LoggedCommand.newBuilder().setLeaderTimeMillis(s.wallMillis()).setLeaderMonotonicMillis(s.monotonicMillis())
              .addAllCommands(commands).build()), index++, s.term());
      state = applied.state();
      requestedAt.add(s.realMillis());
      if (retried >= 0) {
        assertThat(applied.commands().get(1).duplicate()).as("retry of r%d at entry %d", retried, i).isTrue();
        assertThat(state.image().ipam().allAllocations()).hasSize(allocationsBefore + 1);
      }
    }
  }

  /** The first request whose real time is at most the window / 1.1 before {@code now}, or -1. */
  private static int earliestWithin(List<Stamped> stamps, List<Long> requestedAt, long now) {
    long bound = WINDOW_MILLIS * ClusterClock.CATCH_UP_DIVISOR / (ClusterClock.CATCH_UP_DIVISOR + 1);
    for (int i = 0; i < requestedAt.size(); i++) {
      if (now - requestedAt.get(i) < bound) {
        return i;
      }
    }
    return -1;
  }

  @Test
  void aLeaderAnHourAheadDoesNotExpireTheWindow() {
    // The scenario found under faketime: a correct leader answers r1; a leader an hour ahead
    // stamps one entry; the correct leader comes back and r1 is retried.
    long now = 1_700_000_000_000L;
    ReplicaState state = apply(ReplicaState.EMPTY, new Stamped(1, now, now, 5_000), 1, List.of(configure(), pool(), allocate("r1")));
    state = apply(state, new Stamped(2, now + 1_000, now + 1_000 + HOUR, 77_000), 2, List.of(allocate("r2")));
    CommandApplier.EntryApplied retry = CommandApplier.applyEntry(state, entry(new Stamped(3, now + 2_000, now + 2_000, 9_000),
        List.of(allocate("r1"))), 3, 3);
    assertThat(retry.commands().getFirst().duplicate()).isTrue();
    assertThat(retry.state().image().ipam().allAllocations()).hasSize(2);
    assertThat(retry.state().clock().nowMillis()).isEqualTo(now);
  }

  @Test
  void catchesUpWithTheLeadersWallClockAtATenthOfTheMeasuredTime() {
    ClusterClock c = ClusterClock.UNSET.advance(1, 1_000_000, 0, true);
    c = c.advance(2, 5_000_000, 0, true);
    assertThat(c.nowMillis()).as("a new term only anchors the leader's monotonic clock").isEqualTo(1_000_000);
    c = c.advance(2, 5_010_000, 10_000, true);
    assertThat(c.nowMillis()).isEqualTo(1_000_000 + 10_000 + 1_000);
  }

  @Test
  void readingsOutOfOrderInOneTermNeverMoveItBack() {
    ClusterClock c = ClusterClock.UNSET.advance(1, 1_000, 500, true).advance(1, 1_010, 510, true);
    ClusterClock late = c.advance(1, 1_005, 505, true);
    assertThat(late.nowMillis()).isEqualTo(c.nowMillis());
    assertThat(late.monotonicMillis()).isEqualTo(510);
  }

  @Test
  void entriesWithoutAMonotonicStampFollowTheWallClockForwardOnly() {
    ClusterClock c = ClusterClock.UNSET.advance(0, 5_000, 0, false).advance(0, 4_000, 0, false);
    assertThat(c.nowMillis()).isEqualTo(5_000);
    assertThat(c.advance(3, 9_000, 100, true).nowMillis()).as("a stamped entry after them anchors afresh").isEqualTo(5_000);
  }

  private static ReplicaState apply(ReplicaState state, Stamped s, long index, List<Command> commands) {
    return CommandApplier.applyEntry(state, entry(s, commands), index, s.term()).state();
  }

  private static LoggedEntry entry(Stamped s, List<Command> commands) {
    return LoggedEntry.of(LoggedCommand.newBuilder().setLeaderTimeMillis(s.wallMillis()).setLeaderMonotonicMillis(s.monotonicMillis())
        .addAllCommands(commands).build());
  }

  private static Command configure() {
    return Command.newBuilder().setRequestId("configure").setConfigureCluster(ConfigureCluster.newBuilder().setConfig(
        ClusterImage.DEFAULT_CONFIG.toBuilder().setRequestWindowSeconds((int) (WINDOW_MILLIS / 1000))
            .setRequestWindowEntries(100_000))).build();
  }

  private static Command pool() {
    return Command.newBuilder().setRequestId("pool").setCreateIpamPool(CreateIpamPool.newBuilder()
        .setPool(IpamPool.newBuilder().setName("p").setCidr("10.64.0.0/12").setBlockPrefix(28))).build();
  }

  private static Command allocate(String requestId) {
    return Command.newBuilder().setRequestId(requestId).setAllocateIpam(AllocateIpam.newBuilder()
        .setPool("p").setOwner("o-" + requestId.toLowerCase())).build();
  }
}
