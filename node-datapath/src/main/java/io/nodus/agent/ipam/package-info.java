/** Host-scope IPAM: the node hands out endpoint addresses from its own pod CIDR, alone. */
package io.nodus.agent.ipam;
