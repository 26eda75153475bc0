package io.nodus.state.decide;

import static io.nodus.state.Fixtures.createEndpoint;
import static io.nodus.state.Fixtures.registerNode;
import static io.nodus.state.Fixtures.removeNode;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.state.Fixtures.Driver;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.proto.Event;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NodeRemovalTest {
  private Driver d;

  @BeforeEach
  void setUp() {
    d = new Driver();
    d.apply(registerNode("n1"));
    d.apply(registerNode("n2"));
  }

  @Test
  void refusesToRemoveANodeThatStillHostsEndpoints() {
    d.apply(createEndpoint("a", "n1", "app=a"));
    long revision = d.image().revision();

    CommandResult r = d.apply(removeNode("n1", false));

    assertThat(r.getRejection().getCode()).isEqualTo("failed_precondition");
    assertThat(r.getRejection().getField()).isEqualTo("name");
    assertThat(r.getRejection().getMessage()).contains("[a]").contains("cascade");
    assertThat(d.image().revision()).isEqualTo(revision);
    assertThat(d.image().nodes().get("n1")).isPresent();
  }

  @Test
  void cascadeDeletesTheEndpointsAndReleasesIdentitiesNobodyElseCarries() {
    d.apply(createEndpoint("a", "n1", "app=shared"));
    d.apply(createEndpoint("b", "n1", "app=shared"));
    d.apply(createEndpoint("c", "n1", "app=only-here"));
    d.apply(createEndpoint("x", "n2", "app=everywhere"));
    d.apply(createEndpoint("y", "n1", "app=everywhere"));

    CommandResult r = d.apply(removeNode("n1", true));

    assertThat(r.getAccepted().getEventsList()).extracting(Event::getBodyCase).containsExactly(
        Event.BodyCase.ENDPOINT_DELETED, Event.BodyCase.ENDPOINT_DELETED, Event.BodyCase.IDENTITY_RELEASED,
        Event.BodyCase.ENDPOINT_DELETED, Event.BodyCase.IDENTITY_RELEASED,
        Event.BodyCase.ENDPOINT_DELETED, Event.BodyCase.NODE_REMOVED);
    assertThat(d.image().endpoints().byName().keys()).containsExactly("x");
    assertThat(d.image().identities().idOf(d.image().endpoints().get("x").orElseThrow().getLabels())).isPresent();
    assertThat(d.image().nodes().get("n1")).isEmpty();
    assertThat(d.image().ipam().allocationsOf("default").size()).isEqualTo(1);
  }

  @Test
  void removingAnUnknownNodeIsNotFound() {
    assertThat(d.apply(removeNode("n9", false)).getRejection().getCode()).isEqualTo("not_found");
    assertThat(d.apply(removeNode("Bad_Name", false)).getRejection().getCode()).isEqualTo("invalid_argument");
  }
}
