package io.nodus.state.image;

import io.nodus.state.collect.PersistentSortedMap;
import io.nodus.state.proto.ControllerMember;
import java.util.Optional;

/**
 * Controllers recorded with their Raft and gRPC addresses when they joined at run time. The Raft
 * configuration says who votes; this record tells clients and status pages where to reach each
 * member, on every replica alike.
 *
 * @param byId members by id
 */
public record MembersImage(PersistentSortedMap<String, ControllerMember> byId) {

  public static final MembersImage EMPTY = new MembersImage(PersistentSortedMap.empty());

  public Optional<ControllerMember> get(String id) {
    return byId.get(id);
  }

  public MembersImage with(ControllerMember member) {
    return new MembersImage(byId.put(member.getId(), member));
  }

  public MembersImage without(String id) {
    return new MembersImage(byId.remove(id));
  }
}
