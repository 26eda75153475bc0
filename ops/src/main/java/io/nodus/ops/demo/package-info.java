/** The guided demo and the namespace traffic helpers it shares with the end-to-end tests. */
package io.nodus.ops.demo;
