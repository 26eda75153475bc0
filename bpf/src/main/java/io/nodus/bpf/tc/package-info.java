/** Attaching programs to tc hooks ({@link io.nodus.bpf.tc.TcAttachment}). */
package io.nodus.bpf.tc;
