/**
 * From cluster image to BPF maps: the desired datapath state computed from the image, and the
 * syncer that writes only the difference between it and what is pinned.
 */
package io.nodus.agent.datapath;
