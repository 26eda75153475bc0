package io.nodus.rest.api;

import io.nodus.state.model.Labels;
import io.nodus.state.model.ReservedIdentity;
import io.nodus.state.proto.Identity;
import java.util.List;

/**
 * An identity as the API shows it.
 *
 * @param id numeric identity
 * @param labels formatted labels ({@code source:key=value})
 * @param references endpoints carrying it
 * @param reserved whether it is one of Nodus' fixed identities
 */
public record IdentityView(int id, List<String> labels, int references, boolean reserved) {
  public static IdentityView of(Identity i) {
    return new IdentityView(i.getId(), i.getLabels().getLabelsList().stream().map(Labels::format).toList(),
        i.getReferences(), ReservedIdentity.byId(i.getId()).isPresent());
  }
}
