/** The {@code nodus} command: server verbs (up, controller, agent), client verbs and the demo. */
package io.nodus.ops;
