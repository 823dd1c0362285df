/*
 * The policy decision, step for step libs/datapath's Datapath.decide (Cilium's __policy_can_access):
 * the remote identity's full-prefix entry (a deny decides at once), then the identity-0 entry, the
 * wildcard winning on deny, on absence of the identity entry, on higher proxy_port_priority or, at equal
 * priority, on a strictly longer L4 prefix; no entry is drop 133, a deny 181, an allow that needs
 * authentication 189.
 */
#ifndef TENDRIL_POLICY_H
#define TENDRIL_POLICY_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "types.h"
#include "maps.h"

const volatile struct tendril_config CONFIG = {
	.world_ipv4 = 2,
	.world_ipv6 = 2,
	.flags = CONFIG_F_REPORT_FORWARDED,
};

struct policy_verdict {
	__u8 drop_reason;	/* 0 when allowed */
	__u8 match_type;
	__u32 key_identity;	/* identity of the deciding key: the remote identity or 0 */
	struct policy_entry entry;	/* the deciding value; zero when nothing matched */
};

static __always_inline __u8 entry_prefix(const struct policy_entry *e)
{
	return e->flags >> POLICY_LPM_SHIFT;
}

static __always_inline __u8 identity_match_type(const struct policy_entry *e)
{
	__u8 lpm = entry_prefix(e);

	if (lpm > POLICY_PROTO_PREFIX)
		return POLICY_MATCH_L3_L4;
	return lpm > 0 ? POLICY_MATCH_L3_PROTO : POLICY_MATCH_L3_ONLY;
}

static __always_inline __u8 wildcard_match_type(const struct policy_entry *e)
{
	__u8 lpm = entry_prefix(e);

	if (lpm == 0)
		return POLICY_MATCH_ALL;
	return lpm <= POLICY_PROTO_PREFIX ? POLICY_MATCH_PROTO_ONLY : POLICY_MATCH_L4_ONLY;
}

/* __policy_check: deny, then authentication, taken from the other match when the chosen one has no explicit type. */
static __always_inline void policy_check(struct policy_verdict *v, const struct policy_entry *chosen,
					 const struct policy_entry *other, __u8 match_type, __u32 key_identity)
{
	__u8 auth = chosen->auth & POLICY_AUTH_TYPE_MASK;

	v->match_type = match_type;
	v->key_identity = key_identity;
	__builtin_memcpy(&v->entry, chosen, sizeof(v->entry));
	if (chosen->flags & POLICY_FLAG_DENY) {
		v->drop_reason = DROP_POLICY_DENY;
		return;
	}
	if (other && (other->auth & POLICY_AUTH_TYPE_MASK) > auth && !(chosen->auth & POLICY_AUTH_EXPLICIT))
		auth = other->auth & POLICY_AUTH_TYPE_MASK;
	v->drop_reason = auth ? DROP_POLICY_AUTH_REQUIRED : 0;
}

/* The verdict of one endpoint's policy map (null: the endpoint has none yet, which drops as empty). */
static __always_inline void policy_decide(void *policy_map, __u32 remote, __u8 egress, __u8 protocol, __u16 port,
					  struct policy_verdict *v)
{
	struct policy_key key = {
		.prefixlen = POLICY_FULL_PREFIX,
		.sec_label = remote,
		.egress = egress,
		.protocol = protocol,
		.dport = bpf_htons(port),
	};
	struct policy_entry *l3 = 0;
	struct policy_entry *l4 = 0;

	v->drop_reason = DROP_POLICY;
	v->match_type = POLICY_MATCH_NONE;
	if (!policy_map)
		return;
	l3 = bpf_map_lookup_elem(policy_map, &key);
	if (l3 && (l3->flags & POLICY_FLAG_DENY)) {
		policy_check(v, l3, 0, identity_match_type(l3), remote);
		return;
	}
	key.sec_label = 0;
	l4 = bpf_map_lookup_elem(policy_map, &key);
	if (l4) {
		int wildcard = (l4->flags & POLICY_FLAG_DENY) || !l3 ||
			       l4->proxy_port_priority > l3->proxy_port_priority ||
			       (l4->proxy_port_priority == l3->proxy_port_priority &&
				entry_prefix(l4) > entry_prefix(l3));

		if (wildcard) {
			policy_check(v, l4, l3, wildcard_match_type(l4), 0);
			return;
		}
	}
	if (l3)
		policy_check(v, l3, l4, identity_match_type(l3), remote);
}

/*
 * The ipcache's identity of an address (local cluster), else the configured world identity. A host entry
 * is the longest prefix there can be, so when tendril_ipcache_hosts has the address the trie would
 * answer the same.
 */
static __always_inline __u32 resolve_identity(const __u8 *addr, __u8 family)
{
	struct ipcache_key key = {};
	struct remote_endpoint_info *info;

	key.family = family;
	if (family == FAMILY_IPV4) {
		key.prefixlen = IPCACHE_STATIC_PREFIX + 32;
		__builtin_memcpy(key.ip, addr, 4);
	} else {
		key.prefixlen = IPCACHE_STATIC_PREFIX + 128;
		__builtin_memcpy(key.ip, addr, 16);
	}
	info = bpf_map_lookup_elem(&tendril_ipcache_hosts, &key);
	if (info)
		return info->sec_identity;
	info = bpf_map_lookup_elem(&cilium_ipcache_v2, &key);
	if (info)
		return info->sec_identity;
	return family == FAMILY_IPV4 ? CONFIG.world_ipv4 : CONFIG.world_ipv6;
}

#endif
