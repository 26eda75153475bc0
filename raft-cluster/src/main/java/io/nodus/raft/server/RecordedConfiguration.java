package io.nodus.raft.server;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.ratis.protocol.RaftPeer;

/**
 * Compares a controller's {@code --peers} with the group's configuration that Raft recorded in
 * its log, which is what counts once the group exists: membership changes at run time make
 * {@code --peers} stale, and Ratis ignores it on restart. The one contradiction that is refused
 * is this member's own address: the others dial the recorded one, so a member listening elsewhere
 * would never hear them (it used to win elections on its own with the new address). Every other
 * difference is reported (logged at start, and in the status), never silently ignored.
 */
final class RecordedConfiguration {
  private RecordedConfiguration() {}

  /**
   * The differences between {@code config} and the recorded peers, as notes for the operator.
   *
   * @throws ConfigurationException when this member's recorded address is not the one it was given
   */
  static List<String> check(ControllerConfig config, Collection<RaftPeer> recorded) {
    if (recorded.isEmpty()) {
      // A joining member that was not added yet: nothing recorded to compare with.
      return List.of();
    }
    String selfId = config.memberId();
    String given = config.peers().get(selfId).toString();
    Optional<RaftPeer> self = recorded.stream().filter(p -> p.getId().toString().equals(selfId)).findFirst();
    if (self.isPresent() && !self.get().getAddress().equals(given)) {
      throw new ConfigurationException("--peers gives this member (" + selfId + ") the address " + given
          + ", but the group's configuration records it at " + self.get().getAddress()
          + ": the other members dial that one. Start it with that address, or remove the member and add it again at "
          + "the new one (nodus cluster remove-member / add-member)");
    }
    List<String> notes = new ArrayList<>();
    if (self.isEmpty() && !config.join()) {
      notes.add("this member (" + selfId + ") is not in the group's configuration (it was removed): it neither votes nor "
          + "leads; to serve again, wipe its data directory, start it with --join and add it");
    }
    for (RaftPeer p : recorded) {
      String id = p.getId().toString();
      if (id.equals(selfId)) {
        continue;
      }
      Object flag = config.peers().get(id);
      if (flag == null) {
        notes.add("the group's configuration has member " + id + " at " + p.getAddress() + ", which --peers does not list");
      } else if (!flag.toString().equals(p.getAddress())) {
        notes.add("--peers gives member " + id + " the address " + flag + ", the group's configuration " + p.getAddress()
            + " (which counts)");
      }
    }
    for (Map.Entry<String, HostPort> e : config.peers().entrySet()) {
      boolean known = recorded.stream().anyMatch(p -> p.getId().toString().equals(e.getKey()));
      if (!known && !e.getKey().equals(selfId)) {
        notes.add("--peers lists " + e.getKey() + "=" + e.getValue() + ", which is not a member of the group (add it with "
            + "nodus cluster add-member); it is ignored");
      }
    }
    return List.copyOf(notes);
  }
}
