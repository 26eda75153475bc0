/** Exception mappers and request filters that keep every error a JSON {@code ApiError}. */
package io.nodus.rest.errors;
