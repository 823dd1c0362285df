/**
 * Byte-exact records of Cilium's per-endpoint policy map ({@code cilium_policy_v2}) and a typed view
 * over any {@link dev.tendril.datapath.maps.BpfMap} holding them.
 */
package dev.tendril.datapath.policymap;
