/** Wiring of the server processes: a controller with its REST API, an agent, or both (`up`). */
package io.nodus.ops.runtime;
