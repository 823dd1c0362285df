/*
 * cilium_ipcache_v2 on its own, so that the socket-LB object (tendril_sock.c) declares it without the
 * tc programs' other maps: libbpf creates every map an object declares.
 */
#ifndef TENDRIL_IPCACHE_MAP_H
#define TENDRIL_IPCACHE_MAP_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "types.h"

/* Written by the agent (NodeMapsReconciler): every known prefix to its security identity. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct ipcache_key);
	__type(value, struct remote_endpoint_info);
	__uint(max_entries, 512000);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} cilium_ipcache_v2 SEC(".maps");

#endif
