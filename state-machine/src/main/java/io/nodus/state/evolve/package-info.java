/** {@code evolve}: folds one event into an image. The only code that changes state. */
package io.nodus.state.evolve;
