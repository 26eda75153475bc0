package io.nodus.raft.proto;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import io.nodus.state.CommandApplier;
import io.nodus.state.ReplicaState;
import io.nodus.state.model.Labels;
import io.nodus.state.proto.Accepted;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.proto.CreateEndpoint;
import io.nodus.state.proto.DeleteEndpoint;
import io.nodus.state.proto.LabelSet;
import io.nodus.state.proto.LoggedCommand;
import io.nodus.state.proto.RegisterNode;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Submit answers with {@link EncodedSubmitResponse} (the state machine's bytes passed on as they
 * are) and clients read {@link SubmitResponse}: the two must stay wire-compatible, so that a field
 * renumbered, retyped, added or dropped on one side fails here rather than in a client.
 */
class SubmitResponseTwinsTest {
  /** One entry of a realistic batch as the state machine answers it: accepted, with events, and rejected. */
  private static final List<CommandApplier.Applied> ANSWERS = CommandApplier.applyEntry(ReplicaState.EMPTY,
      LoggedCommand.newBuilder().setLeaderTimeMillis(1_700_000_000_000L)
          .addCommands(Command.newBuilder().setRequestId("register-node-1")
              .setRegisterNode(RegisterNode.newBuilder().setName("node-1")))
          .addCommands(Command.newBuilder().setRequestId("create-web-1")
              .setCreateEndpoint(CreateEndpoint.newBuilder().setName("web-1").setNode("node-1")
                  .setLabels(LabelSet.newBuilder().addLabels(Labels.parse("app=web", Labels.SOURCE_K8S)))))
          .addCommands(Command.newBuilder().setRequestId("delete-missing")
              .setDeleteEndpoint(DeleteEndpoint.newBuilder().setName("no-such-endpoint")))
          .build(), 1).commands();

  @Test
  void anEncodedSubmitResponseReadsAsSubmitResponse() throws Exception {
    assertThat(ANSWERS).anySatisfy(a -> assertThat(a.events()).hasSizeGreaterThan(1));
    assertThat(ANSWERS).anySatisfy(a -> assertThat(a.result().hasRejection()).isTrue());
    for (CommandApplier.Applied a : ANSWERS) {
      EncodedSubmitResponse written = EncodedSubmitResponse.newBuilder()
          .setResult(a.encodedResult()).setServedBy("controller-2").setLeaderId("controller-1").build();

      SubmitResponse read = SubmitResponse.parseFrom(written.toByteString());

      assertThat(read.getResult()).isEqualTo(expected(a));
      assertThat(read.getServedBy()).isEqualTo("controller-2");
      assertThat(read.getLeaderId()).isEqualTo("controller-1");
      assertThat(read.getUnknownFields().asMap()).isEmpty();
    }
  }

  @Test
  void aSubmitResponseReadsAsEncodedSubmitResponse() throws Exception {
    for (CommandApplier.Applied a : ANSWERS) {
      SubmitResponse written = SubmitResponse.newBuilder()
          .setResult(expected(a)).setServedBy("controller-3").setLeaderId("controller-1").build();

      EncodedSubmitResponse read = EncodedSubmitResponse.parseFrom(written.toByteString());

      assertThat(CommandResult.parseFrom(read.getResult())).isEqualTo(expected(a));
      assertThat(read.getServedBy()).isEqualTo("controller-3");
      assertThat(read.getLeaderId()).isEqualTo("controller-1");
      assertThat(read.getUnknownFields().asMap()).isEmpty();
    }
  }

  @Test
  void encodedSubmitResponseDeclaresTheFieldsOfSubmitResponse() {
    assertThat(shapes(EncodedSubmitResponse.getDescriptor(), Map.of("result", CommandResult.getDescriptor())))
        .isEqualTo(shapes(SubmitResponse.getDescriptor(), Map.of()));
  }

  /** What the answer says, built from the parsed events without any twin. */
  private static CommandResult expected(CommandApplier.Applied a) {
    if (a.result().hasRejection()) {
      return a.result();
    }
    return CommandResult.newBuilder()
        .setAccepted(Accepted.newBuilder().addAllEvents(a.events()).setRevision(a.image().revision())).build();
  }

  /**
   * Each field as "name cardinality type", by number; a bytes field named in {@code holds} as the
   * message it holds (a length-delimited field reads either way). Presence counts: a bytes field
   * without it drops an empty message that its twin would keep.
   */
  private static Map<Integer, String> shapes(Descriptor message, Map<String, Descriptor> holds) {
    Map<Integer, String> out = new TreeMap<>();
    for (FieldDescriptor f : message.getFields()) {
      String type = switch (f.getJavaType()) {
        case MESSAGE -> "message " + f.getMessageType().getFullName();
        case ENUM -> "enum " + f.getEnumType().getFullName();
        default -> f.getType().name();
      };
      if (holds.containsKey(f.getName())) {
        assertThat(f.getType()).as("%s holds a message as bytes", f.getFullName()).isEqualTo(FieldDescriptor.Type.BYTES);
        type = "message " + holds.get(f.getName()).getFullName();
      }
      String cardinality = f.isRepeated() ? "repeated" : f.hasPresence() ? "singular with presence" : "singular";
      out.put(f.getNumber(), f.getName() + " " + cardinality + " " + type);
    }
    return out;
  }
}
