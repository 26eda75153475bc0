/**
 * Datapath events: the ring-buffer reader ({@link io.nodus.bpf.events.EventReader}) and the
 * decoded record ({@link io.nodus.bpf.events.DatapathEvent}).
 */
package io.nodus.bpf.events;
