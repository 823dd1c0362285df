/*
 * Byte layouts shared with the agent. Every struct here has a Java twin that encodes the same bytes
 * (libs/datapath IpcacheKey/IpcacheValue/PolicyMapKey/PolicyMapValue, agent EndpointsMap, agent
 * datapath.kernel CtTuple/CtEntry/VerdictEvent); docs/datapath.md lists them field by field.
 * Multi-byte fields are host order (little-endian) unless named __be.
 */
#ifndef TENDRIL_TYPES_H
#define TENDRIL_TYPES_H

#include <linux/types.h>

#define FAMILY_IPV4 1
#define FAMILY_IPV6 2

/* cilium_ipcache_v2 key, 24 B: prefixlen = 32 + IP prefix bits. */
struct ipcache_key {
	__u32 prefixlen;
	__u16 cluster_id;
	__u8 pad;
	__u8 family;
	__u8 ip[16];
};

#define IPCACHE_STATIC_PREFIX 32

/* cilium_ipcache_v2 value, 24 B (Cilium's remote_endpoint_info, 1.17/1.18 layout). */
struct remote_endpoint_info {
	__u32 sec_identity;
	__u8 tunnel_endpoint[16];
	__u16 pad;
	__u8 key;
	__u8 flags;
};

/* cilium_lxc key, 20 B: an address of a local endpoint. */
struct lxc_key {
	__u8 ip[16];
	__u8 family;
	__u8 pad;
	__u16 cluster_id;
};

/* cilium_lxc value, 8 B: Tendril's reduction of Cilium's endpoint_info. */
struct lxc_value {
	__u32 endpoint_id;
	__u32 sec_identity;
};

/*
 * tendril_ep_ifindex value, 24 B: the endpoint bound to a host-side veth and the pod's addresses (zero where the pod
 * has none of a family), so that every packet's address check is a compare rather than a cilium_lxc lookup.
 */
struct endpoint_binding {
	__u32 endpoint_id;
	__u8 ipv4[4];
	__u8 ipv6[16];
};

/* cilium_policy_v2_<id> key, 12 B: prefixlen = 40 + L4 prefix bits (0, 8..24). */
struct policy_key {
	__u32 prefixlen;
	__u32 sec_label;
	__u8 egress;
	__u8 protocol;
	__be16 dport;
};

#define POLICY_STATIC_PREFIX 40
#define POLICY_FULL_PREFIX 64
#define POLICY_PROTO_PREFIX 8

/* cilium_policy_v2_<id> value, 12 B (Cilium 1.17/1.18 policy_entry). */
struct policy_entry {
	__be16 proxy_port;
	__u8 flags;		/* bit 0 deny, bits 3-7 lpm_prefix_length */
	__u8 auth;		/* bits 0-6 auth_type, bit 7 has_explicit_auth_type */
	__u8 proxy_port_priority;
	__u8 pad0;
	__u16 pad1;
	__u32 cookie;
};

#define POLICY_FLAG_DENY 0x01
#define POLICY_LPM_SHIFT 3
#define POLICY_AUTH_TYPE_MASK 0x7f
#define POLICY_AUTH_EXPLICIT 0x80

/*
 * Cilium's conntrack tuples. The address fields are named for the reply direction and the ports for
 * the original direction: an entry created for a packet s:sp -> d:dp holds daddr = s, saddr = d,
 * dport = dp, sport = sp (ports in network order).
 */
struct ipv4_ct_tuple {
	__be32 daddr;
	__be32 saddr;
	__be16 dport;
	__be16 sport;
	__u8 nexthdr;
	__u8 flags;
} __attribute__((packed));

struct ipv6_ct_tuple {
	__u8 daddr[16];
	__u8 saddr[16];
	__be16 dport;
	__be16 sport;
	__u8 nexthdr;
	__u8 flags;
} __attribute__((packed));

#define TUPLE_F_OUT 0
#define TUPLE_F_IN 1

/* Cilium 1.18's ct_entry, 56 B. Tendril fills packets, bytes, lifetime, the flag bits, *_flags_seen and src_sec_id. */
struct ct_entry {
	__u64 reserved0;
	__u64 backend_id;
	__u64 packets;
	__u64 bytes;
	__u32 lifetime;		/* expiry, in seconds of CLOCK_MONOTONIC */
	__u16 flags;		/* CT_F_* bits, as Cilium's bitfield lays them out */
	__u16 rev_nat_index;
	__u16 reserved4;
	__u8 tx_flags_seen;
	__u8 rx_flags_seen;
	__u32 src_sec_id;
	__u32 last_tx_report;
	__u32 last_rx_report;
};

#define CT_F_RX_CLOSING (1 << 0)
#define CT_F_TX_CLOSING (1 << 1)
#define CT_F_SEEN_NON_SYN (1 << 4)

/* Cilium's CT_CONNECTION_LIFETIME_TCP, CT_SYN_TIMEOUT, CT_CONNECTION_LIFETIME_NONTCP, CT_CLOSE_TIMEOUT. */
#define CT_LIFETIME_TCP 21600
#define CT_LIFETIME_SYN 60
#define CT_LIFETIME_NONTCP 60
#define CT_LIFETIME_CLOSE 10

enum ct_status {
	CT_NEW = 0,
	CT_ESTABLISHED = 1,
	CT_REPLY = 2,
	CT_RELATED = 3,
};

/* One verdict on the ring buffer, 96 B. */
struct verdict_event {
	__u64 timestamp_ns;	/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u8 type;		/* NOTIFY_DROP or NOTIFY_POLICY_VERDICT */
	__u8 verdict;		/* Hubble flow.Verdict: 1 forwarded, 2 dropped */
	__u8 drop_reason;	/* 0, or Cilium's drop reason (133, 181, ...) */
	__u8 direction;		/* Hubble TrafficDirection: 1 ingress (to-container), 2 egress (from-container) */
	__u8 match_type;	/* POLICY_MATCH_* */
	__u8 ip_version;	/* 4 or 6 */
	__u8 protocol;
	__u8 tcp_flags;
	__u16 sport;		/* host order */
	__u16 dport;		/* host order */
	__u32 ifindex;
	__u32 endpoint_id;
	__u32 src_identity;
	__u32 dst_identity;
	__u8 ct_status;
	__u8 icmp_type;		/* ICMP and ICMPv6: the header's type and code; 0 for other protocols */
	__u8 icmp_code;
	__u8 pad1;
	__u32 policy_identity;	/* identity of the deciding policy key: the remote identity or 0 */
	struct policy_entry policy;	/* the deciding policy value, zero when nothing matched */
	__u8 saddr[16];
	__u8 daddr[16];
	__u32 length;		/* skb->len */
	__u32 pad2;
};

/*
 * One socket-LB event on the same ring buffer, 96 B like verdict_event and sharing its first 16 bytes
 * (timestamp, type, verdict, drop_reason, ip_version and protocol at the same offsets): type
 * NOTIFY_TRACE_SOCK, verdict VERDICT_TRANSLATED (a frontend translated to a backend) or VERDICT_DROPPED
 * with DROP_NO_SERVICE (a frontend without backends).
 */
struct sock_event {
	__u64 timestamp_ns;
	__u8 type;		/* NOTIFY_TRACE_SOCK */
	__u8 verdict;		/* VERDICT_TRANSLATED or VERDICT_DROPPED */
	__u8 drop_reason;	/* 0 or DROP_NO_SERVICE */
	__u8 xlate_point;	/* Hubble SocketTranslationPoint: 1 pre-fwd (drops), 2 post-fwd */
	__u8 hook;		/* SOCK_HOOK_*: which program translated */
	__u8 ip_version;	/* 4 or 6 (4 for an IPv4-mapped address on an IPv6 socket) */
	__u8 protocol;
	__u8 pad0;
	__u16 frontend_port;	/* host order */
	__u16 backend_port;	/* host order, 0 on a drop */
	__u32 rev_nat_index;
	__u32 endpoint_id;	/* tendril_lb_netns' value for the socket's namespace: 0 the node */
	__u32 backend_id;
	__u64 pad1;
	__u64 netns_cookie;
	__u64 socket_cookie;
	__u8 frontend[16];	/* network order; IPv4 in the first 4 bytes */
	__u8 backend[16];
	__u64 pad2;
};

#define SOCK_HOOK_CONNECT 1
#define SOCK_HOOK_SENDMSG 2

_Static_assert(sizeof(struct sock_event) == 96, "socket event is 96 B");
_Static_assert(__builtin_offsetof(struct sock_event, netns_cookie) == 40, "socket event netns cookie at 40");
_Static_assert(__builtin_offsetof(struct sock_event, frontend) == 56, "socket event frontend at 56");

/* Cilium's monitor message types (CILIUM_NOTIFY_*). */
#define NOTIFY_DROP 1
#define NOTIFY_POLICY_VERDICT 5
#define NOTIFY_TRACE_SOCK 7

#define VERDICT_FORWARDED 1
#define VERDICT_DROPPED 2
#define VERDICT_TRANSLATED 7

#define TRAFFIC_INGRESS 1
#define TRAFFIC_EGRESS 2

/* Cilium's POLICY_MATCH_* (Hubble policy_match_type). */
enum {
	POLICY_MATCH_NONE = 0,
	POLICY_MATCH_L3_ONLY = 1,
	POLICY_MATCH_L3_L4 = 2,
	POLICY_MATCH_L4_ONLY = 3,
	POLICY_MATCH_ALL = 4,
	POLICY_MATCH_L3_PROTO = 5,
	POLICY_MATCH_PROTO_ONLY = 6,
};

/* Cilium's drop reasons (bpf/lib/common.h DROP_*, positive as Hubble shows them). */
#define DROP_INVALID_SIP 132
#define DROP_POLICY 133
#define DROP_INVALID 134
#define DROP_NO_LOCAL_ENDPOINT 152
#define DROP_NO_SERVICE 158
#define DROP_CT_CREATE_FAILED 155
#define DROP_NO_CONFIG 165
#define DROP_POLICY_DENY 181
#define DROP_POLICY_AUTH_REQUIRED 189

/* The Java twins decode exactly these sizes. */
_Static_assert(sizeof(struct ipcache_key) == 24, "ipcache key is 24 B");
_Static_assert(sizeof(struct remote_endpoint_info) == 24, "ipcache value is 24 B");
_Static_assert(sizeof(struct lxc_key) == 20, "lxc key is 20 B");
_Static_assert(sizeof(struct lxc_value) == 8, "lxc value is 8 B");
_Static_assert(sizeof(struct endpoint_binding) == 24, "endpoint binding is 24 B");
_Static_assert(sizeof(struct policy_key) == 12, "policy key is 12 B");
_Static_assert(sizeof(struct policy_entry) == 12, "policy value is 12 B");
_Static_assert(sizeof(struct ipv4_ct_tuple) == 14, "IPv4 CT tuple is 14 B");
_Static_assert(sizeof(struct ipv6_ct_tuple) == 38, "IPv6 CT tuple is 38 B");
_Static_assert(sizeof(struct ct_entry) == 56, "CT entry is 56 B");
_Static_assert(sizeof(struct verdict_event) == 96, "verdict event is 96 B");
_Static_assert(__builtin_offsetof(struct verdict_event, policy) == 44, "verdict event policy at 44");
_Static_assert(__builtin_offsetof(struct verdict_event, saddr) == 56, "verdict event saddr at 56");
_Static_assert(__builtin_offsetof(struct ct_entry, src_sec_id) == 44, "CT entry src_sec_id at 44");

/* Set by the loader in .rodata before the programs load. */
struct tendril_config {
	__u32 world_ipv4;	/* identity of addresses the ipcache does not know: 2, or 9 in dual-stack mode */
	__u32 world_ipv6;	/* 2, or 10 */
	__u32 flags;		/* CONFIG_F_* */
	__u32 pad;
};

/* Report forwarded policy verdicts of new connections too, not only drops. */
#define CONFIG_F_REPORT_FORWARDED 1
/*
 * Count packets and bytes per CT entry (Cilium's enable_conntrack_accounting, off by default there too): two atomic
 * adds on every packet, which keep the entry's cache line moving between the CPUs of the two directions.
 */
#define CONFIG_F_CT_ACCOUNTING 2

_Static_assert(sizeof(struct tendril_config) == 16, "config is 16 B");

#endif
