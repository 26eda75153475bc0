/**
 * Value types and validation shared by decide, evolve and policy resolution: labels, IPv4
 * addresses and CIDRs, names, reserved identities and the rejection codes users see.
 */
package io.nodus.state.model;
