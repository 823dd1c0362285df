/**
 * Byte-exact records of Cilium's ipcache ({@code cilium_ipcache_v2}, prefix to security identity) and a
 * typed view over any {@link dev.tendril.datapath.maps.BpfMap} holding them.
 */
package dev.tendril.datapath.ipcache;
