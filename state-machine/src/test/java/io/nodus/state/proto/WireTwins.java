package io.nodus.state.proto;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Checks that two messages are wire-compatible twins by their descriptors: the same field numbers
 * with the same names, cardinality and presence, and the same types, except that a {@code bytes}
 * field of the encoded twin may stand for a message field of the other (a length-delimited field
 * reads either way) when it is declared to hold that message.
 */
final class WireTwins {
  private WireTwins() {}

  /**
   * @param encoded the twin that keeps nested messages as bytes
   * @param parsed the twin that readers parse
   * @param holds for each bytes field of {@code encoded} that stands for a message, by name, the
   *     message type of the corresponding field of {@code parsed}
   * @param onlyInParsed fields of {@code parsed}, by name, that {@code encoded} leaves out on purpose
   */
  static void assertTwins(Descriptor encoded, Descriptor parsed, Map<String, Descriptor> holds, Set<String> onlyInParsed) {
    Map<Integer, String> encodedFields = shapes(encoded, holds);
    Map<Integer, String> parsedFields = shapes(parsed, Map.of());
    parsed.getFields().stream().filter(f -> onlyInParsed.contains(f.getName())).forEach(f -> parsedFields.remove(f.getNumber()));
    assertThat(encodedFields)
        .as("fields of %s against its twin %s (number -> name, cardinality, type)", encoded.getFullName(), parsed.getFullName())
        .isEqualTo(parsedFields);
    assertThat(holds.keySet()).as("bytes fields of %s said to hold a message", encoded.getFullName())
        .allSatisfy(name -> assertThat(encoded.findFieldByName(name).getType()).isEqualTo(FieldDescriptor.Type.BYTES));
  }

  /** Each field as "name cardinality type", by number; a declared bytes field as the message it holds. */
  private static Map<Integer, String> shapes(Descriptor message, Map<String, Descriptor> holds) {
    Map<Integer, String> out = new TreeMap<>();
    for (FieldDescriptor f : message.getFields()) {
      String type = switch (f.getJavaType()) {
        case MESSAGE -> "message " + f.getMessageType().getFullName();
        case ENUM -> "enum " + f.getEnumType().getFullName();
        default -> f.getType().name();
      };
      if (holds.containsKey(f.getName())) {
        type = "message " + holds.get(f.getName()).getFullName();
      }
      // Presence too: a bytes field without it drops an empty message that its twin would keep.
      String cardinality = f.isRepeated() ? "repeated" : f.hasPresence() ? "singular with presence" : "singular";
      out.put(f.getNumber(), f.getName() + " " + cardinality + " " + type);
    }
    return out;
  }
}
