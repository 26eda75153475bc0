package io.nodus.state.read;

import io.nodus.state.proto.Resource;
import java.util.List;

/**
 * One page of a listing.
 *
 * @param items the page's resources, in key order
 * @param continueToken where the next page starts (give it back unchanged); empty when this page
 *     ends the listing
 * @param revision the revision the page reflects
 */
public record ResourcePage(List<Resource> items, String continueToken, long revision) {
  public ResourcePage {
    items = List.copyOf(items);
  }
}
