package io.nodus.state.proto;

import static io.nodus.state.Fixtures.allowIngress;
import static io.nodus.state.Fixtures.createEndpoint;
import static io.nodus.state.Fixtures.deleteEndpoint;
import static io.nodus.state.Fixtures.markReady;
import static io.nodus.state.Fixtures.registerNode;
import static io.nodus.state.Fixtures.upsertPolicy;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.nodus.state.CommandApplier.Applied;
import io.nodus.state.Fixtures.Driver;
import io.nodus.state.image.ClusterImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The answers' wire-compatible twins: a replica writes {@link EncodedResults}, {@link
 * EncodedResult} and {@link EncodedAccepted} around the events it already encoded, and every reader
 * parses those bytes as {@link CommandResults}, {@link CommandResult} and {@link Accepted}. A field
 * renumbered, retyped, added or dropped on one side only must fail here, not in a replayed log or a
 * client's answer.
 */
class ResultTwinsTest {
  /** Answers of a realistic run: accepted commands with one and several events, and a rejection. */
  private static List<Applied> answers() {
    Driver d = new Driver();
    List<Applied> out = new ArrayList<>();
    for (Command c : List.of(
        registerNode("node-1"),
        createEndpoint("web-1", "node-1", "app=web", "tier=front"),
        createEndpoint("db-1", "node-1", "app=db"),
        markReady("web-1", "10.200.0.7"),
        upsertPolicy(allowIngress("web-to-db", "app=db", "app=web", 5432)),
        deleteEndpoint("no-such-endpoint"))) {
      d.apply(c);
      out.add(d.last());
    }
    assertThat(out).filteredOn(a -> a.events().size() > 1).isNotEmpty();
    assertThat(out).filteredOn(a -> a.result().hasRejection()).isNotEmpty();
    return out;
  }

  /** What an answer says, built from the parsed events without any twin. */
  private static CommandResult expected(Applied a) {
    if (a.events().isEmpty() && a.result().hasRejection()) {
      return a.result();
    }
    return CommandResult.newBuilder()
        .setAccepted(Accepted.newBuilder().addAllEvents(a.events()).setRevision(a.image().revision()))
        .build();
  }

  @Test
  void encodedResultsReadAsCommandResults() throws Exception {
    List<Applied> answers = answers();
    EncodedResults.Builder written = EncodedResults.newBuilder();
    answers.forEach(a -> written.addResults(a.encodedResult()));

    CommandResults read = CommandResults.parseFrom(written.build().toByteString());

    assertThat(read.getResultsList()).containsExactlyElementsOf(answers.stream().map(ResultTwinsTest::expected).toList());
    assertNothingUnknown(read);
  }

  @Test
  void commandResultsReadAsEncodedResults() throws Exception {
    List<CommandResult> results = answers().stream().map(ResultTwinsTest::expected).toList();
    CommandResults written = CommandResults.newBuilder().addAllResults(results).build();

    EncodedResults read = EncodedResults.parseFrom(written.toByteString());

    assertThat(read.getResultsCount()).isEqualTo(results.size());
    for (int i = 0; i < results.size(); i++) {
      assertThat(CommandResult.parseFrom(read.getResults(i))).isEqualTo(results.get(i));
    }
    assertNothingUnknown(read);
  }

  @Test
  void anAcceptedEncodedResultReadsAsCommandResult() throws Exception {
    for (Applied a : answers()) {
      if (a.result().hasRejection()) {
        continue;
      }
      EncodedAccepted.Builder accepted = EncodedAccepted.newBuilder().setRevision(a.image().revision());
      a.events().forEach(e -> accepted.addEvents(e.toByteString()));
      EncodedResult written = EncodedResult.newBuilder().setAccepted(accepted.build().toByteString()).build();

      CommandResult read = CommandResult.parseFrom(written.toByteString());

      assertThat(read.getOutcomeCase()).isEqualTo(CommandResult.OutcomeCase.ACCEPTED);
      assertThat(read).isEqualTo(expected(a));
      assertNothingUnknown(read);
      // The applier's own bytes say the same.
      assertThat(CommandResult.parseFrom(a.encodedResult())).isEqualTo(read);
    }
  }

  @Test
  void anAcceptedCommandResultReadsAsEncodedResult() throws Exception {
    for (Applied a : answers()) {
      if (a.result().hasRejection()) {
        continue;
      }
      CommandResult written = expected(a);

      EncodedResult read = EncodedResult.parseFrom(written.toByteString());

      assertThat(Accepted.parseFrom(read.getAccepted())).isEqualTo(written.getAccepted());
      assertNothingUnknown(read);
    }
  }

  @Test
  void anAcceptedCommandThatChangedNothingAtRevisionZeroReadsAsAccepted() {
    Driver d = new Driver();
    d.apply(Command.newBuilder().setRequestId("configure-defaults")
        .setConfigureCluster(ConfigureCluster.newBuilder().setConfig(ClusterImage.DEFAULT_CONFIG)).build());
    assertThat(d.last().events()).isEmpty();
    assertThat(d.image().revision()).isZero();

    // Its EncodedAccepted is empty bytes, which a bytes field without presence did not write.
    assertThat(d.last().result().getOutcomeCase()).isEqualTo(CommandResult.OutcomeCase.ACCEPTED);
    assertThat(d.last().result()).isEqualTo(expected(d.last()));
  }

  @Test
  void encodedAcceptedReadsAsAccepted() throws Exception {
    Applied a = answers().stream().filter(x -> x.events().size() > 1).findFirst().orElseThrow();
    EncodedAccepted.Builder written = EncodedAccepted.newBuilder().setRevision(a.image().revision());
    a.encodedEvents().forEach(e -> written.addEvents(ByteString.copyFrom(e)));

    Accepted read = Accepted.parseFrom(written.build().toByteString());

    assertThat(read.getRevision()).isEqualTo(a.image().revision());
    assertThat(read.getEventsList()).containsExactlyElementsOf(a.events());
    assertNothingUnknown(read);
  }

  @Test
  void acceptedReadsAsEncodedAccepted() throws Exception {
    Applied a = answers().stream().filter(x -> x.events().size() > 1).findFirst().orElseThrow();
    Accepted written = Accepted.newBuilder().addAllEvents(a.events()).setRevision(a.image().revision()).build();

    EncodedAccepted read = EncodedAccepted.parseFrom(written.toByteString());

    assertThat(read.getRevision()).isEqualTo(a.image().revision());
    List<Event> events = new ArrayList<>();
    for (ByteString e : read.getEventsList()) {
      events.add(Event.parseFrom(e));
    }
    assertThat(events).containsExactlyElementsOf(a.events());
    assertNothingUnknown(read);
  }

  @Test
  void encodedResultsDeclaresTheFieldsOfCommandResults() {
    WireTwins.assertTwins(EncodedResults.getDescriptor(), CommandResults.getDescriptor(),
        Map.of("results", CommandResult.getDescriptor()), Set.of());
  }

  @Test
  void encodedAcceptedDeclaresTheFieldsOfAccepted() {
    WireTwins.assertTwins(EncodedAccepted.getDescriptor(), Accepted.getDescriptor(),
        Map.of("events", Event.getDescriptor()), Set.of());
  }

  @Test
  void encodedResultDeclaresTheAcceptedOutcomeOfCommandResult() {
    // Rejections are encoded as CommandResult itself; the twin only carries accepted outcomes.
    WireTwins.assertTwins(EncodedResult.getDescriptor(), CommandResult.getDescriptor(),
        Map.of("accepted", Accepted.getDescriptor()), Set.of("rejection"));
  }

  /** A field the reader did not know (renumbered or added on the writer's side only) lands here. */
  private static void assertNothingUnknown(Message read) {
    assertThat(read.getUnknownFields().asMap()).as("unknown fields of %s", read.getDescriptorForType().getFullName()).isEmpty();
  }
}
