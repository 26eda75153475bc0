package io.nodus.state.decide;

import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.Rejection;
import java.util.List;

/** The outcome of deciding one command. */
public sealed interface Decision {

  /** The command is valid; {@code events} (bodies only, without revision or time) describe its effect. */
  record Accepted(List<Event> events) implements Decision {
    public Accepted {
      events = List.copyOf(events);
    }
  }

  /** The command is refused; nothing changes. */
  record Rejected(Rejection rejection) implements Decision {}

  static Decision accept(Event.Builder... events) {
    return new Accepted(java.util.Arrays.stream(events).map(Event.Builder::build).toList());
  }

  static Decision nothing() {
    return new Accepted(List.of());
  }

  static Decision reject(String code, String field, String message) {
    return new Rejected(Rejection.newBuilder().setCode(code).setField(field).setMessage(message).build());
  }

  static Decision reject(InvalidFieldException e) {
    return reject(e.code(), e.field() == null ? "" : e.field(), e.getMessage());
  }
}
