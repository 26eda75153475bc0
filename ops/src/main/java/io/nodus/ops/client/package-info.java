/** The CLI's side of the REST API and of the agent's monitor stream, and output formatting. */
package io.nodus.ops.client;
