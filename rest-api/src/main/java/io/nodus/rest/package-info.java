/**
 * The management REST API: a Dropwizard application embedded in the controller process, thin
 * resources over the {@link io.nodus.rest.core.ControlPlane} port, CiliumNetworkPolicy documents in
 * YAML or JSON, JSON errors that name the offending field, Prometheus metrics.
 */
package io.nodus.rest;
