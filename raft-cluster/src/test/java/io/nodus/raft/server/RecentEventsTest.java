package io.nodus.raft.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodus.state.proto.Event;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecentEventsTest {
  private static List<Event> events(long from, long to) {
    List<Event> out = new ArrayList<>();
    for (long r = from; r <= to; r++) {
      out.add(Event.newBuilder().setRevision(r).build());
    }
    return out;
  }

  private static void append(RecentEvents recent, List<Event> events) {
    recent.append(events, events.stream().map(Event::toByteArray).toList());
  }

  @Test
  void servesRecentRevisionsAndFallsBackForOverwrittenOnes() {
    RecentEvents recent = new RecentEvents(8);
    append(recent, events(1, 5));
    assertThat(recent.get(2, 4, 100)).extracting(Event::getRevision).containsExactly(2L, 3L, 4L);
    assertThat(recent.get(4, 100, 100)).extracting(Event::getRevision).containsExactly(4L, 5L);
    assertThat(recent.get(1, 5, 2)).extracting(Event::getRevision).containsExactly(1L, 2L);
    append(recent, events(6, 12));
    // Revisions 1-4 were overwritten by 9-12: the caller must read the store.
    assertThat(recent.get(3, 12, 100)).isNull();
    assertThat(recent.get(5, 12, 100)).extracting(Event::getRevision).containsExactly(5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L);
    assertThat(recent.get(13, 20, 100)).isNull();
    recent.clear();
    assertThat(recent.get(12, 12, 1)).isNull();
  }

  @Test
  void keepsEventsEncodedAndGivesBackEqualOnesParsedOnce() {
    RecentEvents recent = new RecentEvents(8);
    List<Event> written = new ArrayList<>();
    for (long r = 1; r <= 3; r++) {
      written.add(Event.newBuilder().setRevision(r).setTimeMillis(1000 + r).setRequestId("req-" + r).build());
    }
    append(recent, written);
    List<Event> first = recent.get(1, 3, 10);
    assertThat(first).isEqualTo(written);
    // A second reader gets the same parsed objects, not another parse.
    List<Event> second = recent.get(1, 3, 10);
    for (int i = 0; i < first.size(); i++) {
      assertThat(second.get(i)).isSameAs(first.get(i));
    }
  }

  @Test
  void refusesEventsWithoutTheirEncoding() {
    RecentEvents recent = new RecentEvents(8);
    assertThatThrownBy(() -> recent.append(events(1, 2), List.of(new byte[0])))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
