/**
 * eBPF maps as byte-level key/value stores with the kernel's semantics, and complete in-memory
 * implementations of the hash and LPM-trie map types.
 */
package dev.tendril.datapath.maps;
