/** picocli commands of {@code nodus}. */
package io.nodus.ops.cli;
