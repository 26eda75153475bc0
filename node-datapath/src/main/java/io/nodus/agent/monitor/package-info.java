/**
 * Datapath visibility: ring-buffer events turned into readable records (both identities with
 * their labels), fanned out to monitor subscribers, and the agent's local HTTP API.
 */
package io.nodus.agent.monitor;
