/*
 * Cilium's load-balancing maps (bpf/lib/lb.h, byte for byte) and Tendril's tendril_lb_netns, as the
 * socket-LB programs (tendril_sock.c) read and write them. The agent writes services, backends and
 * reverse NAT with the codecs of libs/datapath dev.tendril.datapath.lb (LbServiceKey, LbServiceValue,
 * LbBackendKey, LbBackendValue, LbRevNatKey/Value, LbAffinityKey/Value, LbReverseSkKey/Value) into the
 * same pins. Integers are host order except addresses and ports (__be).
 */
#ifndef TENDRIL_LB_H
#define TENDRIL_LB_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "types.h"

/* cilium_lb4_services_v2 key, 12 B: backend_slot 0 is the frontend (master), 1..count its backends. */
struct lb4_key {
	__be32 address;
	__be16 dport;
	__u16 backend_slot;
	__u8 proto;
	__u8 scope;
	__u8 pad[2];
};

/* cilium_lb6_services_v2 key, 24 B. */
struct lb6_key {
	__u8 address[16];
	__be16 dport;
	__u16 backend_slot;
	__u8 proto;
	__u8 scope;
	__u8 pad[2];
};

/* Both families' services value, 12 B: in the master backend_id is the affinity timeout in seconds. */
struct lb_service {
	__u32 backend_id;
	__u16 count;
	__u16 rev_nat_index;
	__u8 flags;
	__u8 flags2;
	__u16 qcount;
};

/* cilium_lb4_backends_v3 value, 12 B (key: the backend id, u32). */
struct lb4_backend {
	__be32 address;
	__be16 port;
	__u8 proto;
	__u8 flags;		/* BE_STATE_*: 0 active */
	__u16 cluster_id;
	__u8 zone;
	__u8 pad;
};

/* cilium_lb6_backends_v3 value, 24 B. */
struct lb6_backend {
	__u8 address[16];
	__be16 port;
	__u8 proto;
	__u8 flags;
	__u16 cluster_id;
	__u8 zone;
	__u8 pad;
};

/* cilium_lb{4,6}_affinity key, 16 B / 24 B (packed, as Cilium's): the client is a netns cookie here. */
struct lb4_affinity_key {
	__u64 client_cookie;
	__u16 rev_nat_id;
	__u8 netns_cookie;	/* bit 0: the client id is a netns cookie (always, for socket-LB) */
	__u8 pad1;
	__u32 pad2;
} __attribute__((packed));

struct lb6_affinity_key {
	__u64 client_cookie;
	__u8 client_pad[8];	/* the rest of Cilium's union with a 16 B client address */
	__u16 rev_nat_id;
	__u8 netns_cookie;
	__u8 pad1;
	__u32 pad2;
} __attribute__((packed));

/* cilium_lb{4,6}_affinity value, 16 B: last_used in ns of CLOCK_MONOTONIC (bpf_ktime_get_ns). */
struct lb_affinity_val {
	__u64 last_used;
	__u32 backend_id;
	__u32 pad;
} __attribute__((packed));

/* cilium_lb4_reverse_sk key, 16 B: the socket and the backend it was connected to. */
struct ipv4_revnat_tuple {
	__u64 cookie;
	__be32 address;
	__be16 port;
	__u16 pad;
};

/* cilium_lb4_reverse_sk value, 8 B: the frontend the socket asked for. */
struct ipv4_revnat_entry {
	__be32 address;
	__be16 port;
	__u16 rev_nat_index;
};

/* cilium_lb6_reverse_sk key, 32 B (28 B of fields and the u64's alignment, as in Cilium). */
struct ipv6_revnat_tuple {
	__u64 cookie;
	__u8 address[16];
	__be16 port;
	__u16 pad;
};

/* cilium_lb6_reverse_sk value, 20 B. */
struct ipv6_revnat_entry {
	__u8 address[16];
	__be16 port;
	__u16 rev_nat_index;
};

/* Cilium's SVC_FLAG_* of the master's flags byte that socket-LB reads. */
#define SVC_FLAG_NODEPORT (1 << 1)
#define SVC_FLAG_AFFINITY (1 << 4)

#define BE_STATE_ACTIVE 0

/* Slots an affinity entry's backend is looked for in; a frontend with more accepts any live backend. */
#define LB_AFFINITY_MAX_SLOTS 256

_Static_assert(sizeof(struct lb4_key) == 12, "lb4 key is 12 B");
_Static_assert(sizeof(struct lb6_key) == 24, "lb6 key is 24 B");
_Static_assert(sizeof(struct lb_service) == 12, "services value is 12 B");
_Static_assert(sizeof(struct lb4_backend) == 12, "lb4 backend is 12 B");
_Static_assert(sizeof(struct lb6_backend) == 24, "lb6 backend is 24 B");
_Static_assert(sizeof(struct lb4_affinity_key) == 16, "lb4 affinity key is 16 B");
_Static_assert(sizeof(struct lb6_affinity_key) == 24, "lb6 affinity key is 24 B");
_Static_assert(sizeof(struct lb_affinity_val) == 16, "affinity value is 16 B");
_Static_assert(sizeof(struct ipv4_revnat_tuple) == 16, "lb4 reverse_sk key is 16 B");
_Static_assert(sizeof(struct ipv4_revnat_entry) == 8, "lb4 reverse_sk value is 8 B");
_Static_assert(sizeof(struct ipv6_revnat_tuple) == 32, "lb6 reverse_sk key is 32 B");
_Static_assert(sizeof(struct ipv6_revnat_entry) == 20, "lb6 reverse_sk value is 20 B");

/* Cilium's default sizes (CILIUM_LB_*_MAP_MAX_ENTRIES; reverse_sk sized like the non-TCP CT map). */
#define LB_MAP_ENTRIES 65536
#define LB_REVERSE_SK_ENTRIES 262144

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct lb4_key);
	__type(value, struct lb_service);
	__uint(max_entries, LB_MAP_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} cilium_lb4_services_v2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct lb6_key);
	__type(value, struct lb_service);
	__uint(max_entries, LB_MAP_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} cilium_lb6_services_v2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct lb4_backend);
	__uint(max_entries, LB_MAP_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} cilium_lb4_backends_v3 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct lb6_backend);
	__uint(max_entries, LB_MAP_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} cilium_lb6_backends_v3 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct lb4_affinity_key);
	__type(value, struct lb_affinity_val);
	__uint(max_entries, LB_MAP_ENTRIES);
} cilium_lb4_affinity SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct lb6_affinity_key);
	__type(value, struct lb_affinity_val);
	__uint(max_entries, LB_MAP_ENTRIES);
} cilium_lb6_affinity SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct ipv4_revnat_tuple);
	__type(value, struct ipv4_revnat_entry);
	__uint(max_entries, LB_REVERSE_SK_ENTRIES);
} cilium_lb4_reverse_sk SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct ipv6_revnat_tuple);
	__type(value, struct ipv6_revnat_entry);
	__uint(max_entries, LB_REVERSE_SK_ENTRIES);
} cilium_lb6_reverse_sk SEC(".maps");

/*
 * Tendril's gate: the network namespaces (cookie from SO_NETNS_COOKIE) whose sockets this node's
 * socket-LB translates, to the endpoint id of the pod living there (0 for the node's own namespace).
 * The programs are attached to the root of the cgroup hierarchy and so see every socket of the machine;
 * a socket of any other namespace (another stack, the machine's own processes) is left alone.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u64);
	__type(value, __u32);
	__uint(max_entries, 4096);
} tendril_lb_netns SEC(".maps");

#endif
