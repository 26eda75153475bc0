/**
 * Reads of one resource by kind and key, and listings of one kind in key order with a label
 * selector, a limit and a continue token (Kubernetes' {@code limit}/{@code continue}), served from
 * an image without copying it: a page costs a seek in a sorted index and the page itself. Pure
 * functions of an image, shared by the controller's gRPC service and the REST layer's test double.
 */
package io.nodus.state.read;
