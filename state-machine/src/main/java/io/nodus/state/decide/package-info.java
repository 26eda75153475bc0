/**
 * {@code decide}: validates a command against an image and answers with the events it causes or
 * a rejection. Pure: no clock, no randomness, no I/O; everything time-like comes in the
 * {@link io.nodus.state.decide.ApplyContext}.
 */
package io.nodus.state.decide;
