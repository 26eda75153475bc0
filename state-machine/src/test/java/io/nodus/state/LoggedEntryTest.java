package io.nodus.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.LoggedCommand;
import java.io.ByteArrayOutputStream;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class LoggedEntryTest {

  @Property(tries = 300)
  void readingTheBytesMeansWhatParsingThemMeans(@ForAll("entries") LoggedCommand logged, @ForAll long appendedTime)
      throws Exception {
    // The leader appends its time to the client's bytes: a later field wins.
    byte[] data = ByteString.copyFrom(logged.toByteArray())
        .concat(ByteString.copyFrom(LoggedCommand.newBuilder().setLeaderTimeMillis(appendedTime).build().toByteArray()))
        .toByteArray();
    LoggedEntry read = LoggedEntry.parse(data);
    LoggedEntry expected = LoggedEntry.of(LoggedCommand.parseFrom(data));
    assertThat(read.leaderTimeMillis()).isEqualTo(expected.leaderTimeMillis());
    assertThat(read.answeredInProcess()).isEqualTo(expected.answeredInProcess()).isEqualTo(logged.getAnsweredInProcess());
    assertThat(read.commands()).isEqualTo(expected.commands());
    assertThat(read.digests()).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(expected.digests());
    for (int i = 0; i < read.commands().size(); i++) {
      Command c = read.commands().get(i);
      assertThat(read.digests().get(i)).isEqualTo(c.getRequestId().isEmpty() ? null : CommandApplier.digest(c));
    }
  }

  @Provide
  Arbitrary<LoggedCommand> entries() {
    Arbitrary<Command> command = ModelCommands.body().flatMap(c -> Arbitraries.of("", "r-1", "ü-" + "x".repeat(200))
        .map(id -> c.toBuilder().setRequestId(id).build()));
    Arbitrary<LoggedCommand> single = command.map(c -> LoggedCommand.newBuilder().setCommand(c).build());
    Arbitrary<LoggedCommand> batch = command.list().ofMinSize(1).ofMaxSize(5)
        .map(cs -> LoggedCommand.newBuilder().addAllCommands(cs).build());
    Arbitrary<LoggedCommand> both = command.list().ofMinSize(1).ofMaxSize(3).flatMap(cs -> command
        .map(one -> LoggedCommand.newBuilder().setCommand(one).addAllCommands(cs).setLeaderTimeMillis(5).build()));
    return Arbitraries.oneOf(single, batch, both, Arbitraries.just(LoggedCommand.getDefaultInstance()))
        .flatMap(e -> Arbitraries.of(false, true).map(flag -> e.toBuilder().setAnsweredInProcess(flag).build()));
  }

  @Test
  void aCommandWithItsRequestIdLaterOrTwiceIsDigestedByItsCanonicalForm() throws Exception {
    Command body = Fixtures.upsertPolicy(Fixtures.allowIngress("web", "app=web", "app=client", 80));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.writeString(Command.REQUEST_ID_FIELD_NUMBER, "first");
    body.writeTo(out);
    out.writeString(Command.REQUEST_ID_FIELD_NUMBER, "second");
    out.flush();
    Command twice = Command.parseFrom(bytes.toByteArray());
    byte[] entry = ByteString.copyFrom(new byte[] {(LoggedCommand.COMMANDS_FIELD_NUMBER << 3) | 2, (byte) bytes.size()})
        .concat(ByteString.copyFrom(bytes.toByteArray())).toByteArray();
    assertThat(bytes.size()).isLessThan(128);
    LoggedEntry read = LoggedEntry.parse(entry);
    assertThat(read.commands()).containsExactly(twice);
    assertThat(twice.getRequestId()).isEqualTo("second");
    assertThat(read.digests().getFirst()).isEqualTo(CommandApplier.digest(twice));
  }

  @Test
  void repeatedSingleCommandsMergeAsProtobufMergesThem() throws Exception {
    Command a = Command.newBuilder().setRequestId("a").build();
    Command b = Fixtures.upsertPolicy(Fixtures.allowIngress("web", "app=web", "app=client", 80));
    byte[] data = ByteString.copyFrom(LoggedCommand.newBuilder().setCommand(a).build().toByteArray())
        .concat(ByteString.copyFrom(LoggedCommand.newBuilder().setCommand(b).build().toByteArray())).toByteArray();
    LoggedEntry read = LoggedEntry.parse(data);
    assertThat(read.commands()).containsExactly(a.toBuilder().mergeFrom(b).build());
    assertThat(read.digests()).hasSize(1);
  }

  @Test
  void garbageIsRefused() {
    for (byte[] garbage : List.of(new byte[] {(byte) 0xff}, new byte[] {0x1a, 0x10, 1}, new byte[] {0x0a, 0x05, 0x0a})) {
      assertThatThrownBy(() -> LoggedEntry.parse(garbage)).isInstanceOf(InvalidProtocolBufferException.class);
    }
  }
}
