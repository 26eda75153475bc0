/** Running code inside named network namespaces on dedicated platform threads ({@link io.nodus.bpf.netns.NetNs}). */
package io.nodus.bpf.netns;
