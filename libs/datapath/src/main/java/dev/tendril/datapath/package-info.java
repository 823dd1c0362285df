/**
 * The datapath's policy decision, evaluated over the same maps and in the same lookup order as Cilium's
 * kernel program, so that a verdict computed here is the verdict the node enforces.
 */
package dev.tendril.datapath;
