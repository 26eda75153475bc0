/** JAX-RS resources under {@code /v1}: thin adapters from HTTP to commands and reads. */
package io.nodus.rest.resources;
