/**
 * How the agent follows the control plane, and what it does when no controller continues the
 * log its maps reflect: {@link io.nodus.agent.control.FollowedLog} remembers that log's cluster
 * and revision with the maps (so no snapshot older than the maps, or of another cluster, is ever
 * applied, across restarts too), and {@link io.nodus.agent.control.ControlPlaneAlarm} reports a
 * control plane that is stale, behind or unavailable (log, metrics, the agent's API) while the
 * maps stay as they are: the agent fails static.
 */
package io.nodus.agent.control;
