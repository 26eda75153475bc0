package io.nodus.state;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.LoggedCommand;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The commands of one log entry (a serialized {@link LoggedCommand}), each with the digest a retry
 * must match, taken from the command's bytes as they sit in the entry rather than from a second
 * serialization of the parsed command. A replica applies every command of every entry, so the
 * whole command is serialized once less per replica and per command.
 *
 * <p>The digest is the one {@link CommandApplier#digest} defines: SHA-256 of the command without
 * its request id. The controller writes commands in field order, so a request id comes first and
 * is cut off the front; a command laid out otherwise is digested by serializing it again.
 *
 * @param leaderTimeMillis the leader's wall-clock time, stamped on entry into the log
 * @param monotonicMillis the leader's monotonic clock, stamped with it (see {@link ClusterClock})
 * @param hasMonotonic whether the entry carries a monotonic stamp (entries of older builds do not)
 * @param commands the commands, in order
 * @param digests for each command, its digest, or null when it carries no request id
 * @param answeredInProcess whether the submitter takes the answers in the leader's process
 */
public record LoggedEntry(long leaderTimeMillis, long monotonicMillis, boolean hasMonotonic, List<Command> commands,
    List<byte[]> digests, boolean answeredInProcess) {
  private static final int SINGLE = LoggedCommand.COMMAND_FIELD_NUMBER;
  private static final int TIME = LoggedCommand.LEADER_TIME_MILLIS_FIELD_NUMBER;
  private static final int BATCH = LoggedCommand.COMMANDS_FIELD_NUMBER;
  private static final int IN_PROCESS = LoggedCommand.ANSWERED_IN_PROCESS_FIELD_NUMBER;
  private static final int MONOTONIC = LoggedCommand.LEADER_MONOTONIC_MILLIS_FIELD_NUMBER;

  public LoggedEntry {
    commands = List.copyOf(commands);
    digests = Collections.unmodifiableList(new ArrayList<>(digests));
    if (commands.size() != digests.size()) {
      throw new IllegalArgumentException(commands.size() + " commands but " + digests.size() + " digests");
    }
  }

  /** The entry of a parsed message: its batch, or its single command when the batch is empty. */
  public static LoggedEntry of(LoggedCommand logged) {
    List<Command> commands = logged.getCommandsCount() > 0 ? logged.getCommandsList() : List.of(logged.getCommand());
    List<byte[]> digests = new ArrayList<>(commands.size());
    commands.forEach(c -> digests.add(c.getRequestId().isEmpty() ? null : CommandApplier.digest(c)));
    return new LoggedEntry(logged.getLeaderTimeMillis(), logged.getLeaderMonotonicMillis(), logged.hasLeaderMonotonicMillis(),
        commands, digests, logged.getAnsweredInProcess());
  }

  /**
   * Reads a serialized {@link LoggedCommand} with the same meaning as {@link #of}({@code
   * LoggedCommand.parseFrom(data)}): a later scalar field wins (the leader appends its time, and
   * a controller its in-process flag), and the batch, when present, is what the entry carries.
   *
   * @throws InvalidProtocolBufferException when {@code data} is not a LoggedCommand
   */
  public static LoggedEntry parse(byte[] data) throws InvalidProtocolBufferException {
    CodedInputStream in = CodedInputStream.newInstance(data);
    long time = 0;
    long monotonic = 0;
    boolean hasMonotonic = false;
    boolean inProcess = false;
    int singles = 0;
    List<Command> batch = new ArrayList<>();
    List<byte[]> batchDigests = new ArrayList<>();
    Command single = null;
    byte[] singleDigest = null;
    try {
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        int field = WireFormat.getTagFieldNumber(tag);
        int wireType = WireFormat.getTagWireType(tag);
        if ((field == SINGLE || field == BATCH) && wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
          int length = in.readRawVarint32();
          int start = in.getTotalBytesRead();
          in.skipRawBytes(length);
          Command c = Command.parser().parseFrom(data, start, length);
          byte[] digest = c.getRequestId().isEmpty() ? null : digest(c, data, start, length);
          if (field == BATCH) {
            batch.add(c);
            batchDigests.add(digest);
          } else {
            single = c;
            singleDigest = digest;
            singles++;
          }
        } else if (field == TIME && wireType == WireFormat.WIRETYPE_VARINT) {
          time = in.readInt64();
        } else if (field == MONOTONIC && wireType == WireFormat.WIRETYPE_VARINT) {
          monotonic = in.readInt64();
          hasMonotonic = true;
        } else if (field == IN_PROCESS && wireType == WireFormat.WIRETYPE_VARINT) {
          inProcess = in.readBool();
        } else if (!in.skipField(tag)) {
          break;
        }
      }
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidProtocolBufferException(e);
    }
    if (!batch.isEmpty()) {
      return new LoggedEntry(time, monotonic, hasMonotonic, batch, batchDigests, inProcess);
    }
    if (singles > 1) {
      // Repeated occurrences of a message field merge: rare enough to leave to protobuf.
      return of(LoggedCommand.parseFrom(data));
    }
    Command c = single != null ? single : Command.getDefaultInstance();
    return new LoggedEntry(time, monotonic, hasMonotonic, List.of(c), Arrays.asList(singleDigest), inProcess);
  }

  /** The digest of command {@code c}, serialized at {@code data[start, start + length)}. */
  private static byte[] digest(Command c, byte[] data, int start, int length) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(data, start, length);
    int tag = in.readTag();
    if (WireFormat.getTagFieldNumber(tag) != Command.REQUEST_ID_FIELD_NUMBER
        || WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
      return CommandApplier.digest(c);
    }
    in.skipRawBytes(in.readRawVarint32());
    int rest = in.getTotalBytesRead();
    if (containsRequestId(data, start + rest, length - rest)) {
      // A second request id field would win on parsing: let the canonical serialization decide.
      return CommandApplier.digest(c);
    }
    return CommandApplier.sha256(data, start + rest, length - rest);
  }

  /** Whether the serialized fields in {@code data[start, start + length)} include a request id. */
  private static boolean containsRequestId(byte[] data, int start, int length) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(data, start, length);
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (WireFormat.getTagFieldNumber(tag) == Command.REQUEST_ID_FIELD_NUMBER || !in.skipField(tag)) {
        return true;
      }
    }
    return false;
  }
}
