/*
 * The maps the programs use. None is pinned by the object itself: the loader gives every map its pin
 * path in the node's bpffs directory before loading, so that libbpf reuses the maps the agent already
 * pinned (ipcache, lxc, the per-endpoint policy maps through tendril_policy_maps) and pins the others.
 * The sizes here are the defaults; the loader may set other sizes for the maps it creates.
 */
#ifndef TENDRIL_MAPS_H
#define TENDRIL_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "types.h"
#include "ipcache_map.h"
#include "ring.h"

/*
 * Tendril's addition, written by the agent with the ipcache (KernelIpcache): the ipcache's host entries
 * (/32 and /128) again, under the same 24 B key with its full prefix length. An exact-match hash costs the
 * same at any size, where the trie's lookup deepens as it fills; the trie still answers every other prefix
 * and every address this map lacks, so an entry missing here only costs time. Sized like the ipcache.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct ipcache_key);
	__type(value, struct remote_endpoint_info);
	__uint(max_entries, 512000);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} tendril_ipcache_hosts SEC(".maps");

/* Written by the agent: every address of a local endpoint to the endpoint's id and identity. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct lxc_key);
	__type(value, struct lxc_value);
	__uint(max_entries, 65535);
} cilium_lxc SEC(".maps");

/*
 * The shape of every cilium_policy_v2_<id>: the kernel compares type, key and value size and flags of
 * an inner map with this template, not its max_entries, so policy maps of any size fit. Sizes rather
 * than BTF types: the agent creates its policy maps without BTF, and clang emits an inner map's key
 * struct only as a forward declaration.
 */
struct policy_map {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(key_size, sizeof(struct policy_key));
	__uint(value_size, sizeof(struct policy_entry));
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
};

/* Endpoint id to that endpoint's cilium_policy_v2_<id>, written by the loader when it attaches. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__type(key, __u32);
	__uint(max_entries, 4096);
	__array(values, struct policy_map);
} tendril_policy_maps SEC(".maps");

/* Host-side veth ifindex to the endpoint behind it and its addresses, written by the loader when it attaches. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct endpoint_binding);
	__uint(max_entries, 4096);
} tendril_ep_ifindex SEC(".maps");

/* Connection tracking, Cilium's names, layouts and default sizes: TCP and non-TCP, per family. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct ipv4_ct_tuple);
	__type(value, struct ct_entry);
	__uint(max_entries, 524288);
} cilium_ct4_global SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct ipv4_ct_tuple);
	__type(value, struct ct_entry);
	__uint(max_entries, 262144);
} cilium_ct_any4_global SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct ipv6_ct_tuple);
	__type(value, struct ct_entry);
	__uint(max_entries, 524288);
} cilium_ct6_global SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct ipv6_ct_tuple);
	__type(value, struct ct_entry);
	__uint(max_entries, 262144);
} cilium_ct_any6_global SEC(".maps");

#endif
