/** Immutable collections with structural sharing, the building blocks of cluster images. */
package io.nodus.state.collect;
