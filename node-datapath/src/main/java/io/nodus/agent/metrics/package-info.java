/**
 * What the agent measures about its datapath: the datapath's per-CPU counters (packets and bytes
 * by reason and direction, lost events) and the connection-tracking collector with its counts.
 */
package io.nodus.agent.metrics;
