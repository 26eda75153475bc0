package io.nodus.state.read;

import io.nodus.state.proto.Resource;
import java.util.Objects;

/**
 * One resource as a keyed read found it.
 *
 * @param resource the resource
 * @param revision the revision the answer reflects (the state's, not the resource's own)
 */
public record ResourceAt(Resource resource, long revision) {
  public ResourceAt {
    Objects.requireNonNull(resource, "resource");
  }
}
