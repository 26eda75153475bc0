package io.nodus.rest.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The body of every error answer.
 *
 * @param code stable machine-readable code, e.g. "invalid_argument"
 * @param message what went wrong, for people
 * @param field path of the offending field, when one is at fault
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ApiError(String code, String message, String field) {}
