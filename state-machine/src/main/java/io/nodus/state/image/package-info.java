/**
 * The immutable cluster image: a tree of sub-images (identities, nodes, endpoints, policies), each
 * built on persistent maps so that an event copies only the path it touches. Images are values:
 * equal state means equal images, which is what replay and snapshot tests compare.
 */
package io.nodus.state.image;
