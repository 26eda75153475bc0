/**
 * The immutable cluster image: a tree of sub-images (identities, nodes, endpoints, policies,
 * services, IPAM, members), each built on persistent maps so that an event copies only the path it
 * touches, and the request window that deduplicates retried commands. Images are values: equal
 * state means equal images, which is what replay and snapshot tests compare.
 */
package io.nodus.state.image;
