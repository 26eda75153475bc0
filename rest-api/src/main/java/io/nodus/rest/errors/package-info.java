/**
 * Exception mappers, Jetty's error handler and request filters that keep every error a JSON
 * {@code ApiError} and every success JSON or empty.
 */
package io.nodus.rest.errors;
