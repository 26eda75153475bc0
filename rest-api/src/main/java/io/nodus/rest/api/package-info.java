/** Wire types of the REST API (JSON), kept apart from the domain model. */
package io.nodus.rest.api;
