/*
 * Tendril's pod datapath: two tc programs for a pod's host-side veth.
 *
 *   tendril_from_container  tc ingress of the host-side veth: packets the pod sends, decided by the
 *                           pod's egress policy;
 *   tendril_to_container    tc egress of the host-side veth: packets delivered to the pod, decided by
 *                           the pod's ingress policy.
 *
 * One object serves every endpoint of the node: the endpoint is the one the loader bound to the veth's
 * ifindex (tendril_ep_ifindex, with the pod's addresses, which the pod-side address of every packet must be: the
 * source leaving, the destination arriving); a new connection takes the endpoint's identity from cilium_lxc, which
 * must agree; its policy map is its entry of tendril_policy_maps. docs/datapath.md
 * describes the maps, the order of the steps and where Tendril departs from Cilium.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "lib/types.h"
#include "lib/maps.h"
#include "lib/parse.h"
#include "lib/policy.h"
#include "lib/conntrack.h"
#include "lib/events.h"

static __always_inline int drop(const struct event_context *c, const struct packet *p, __u8 reason)
{
	emit_event(c, p, NOTIFY_DROP, reason, 0);
	return TC_ACT_SHOT;
}

/* Whether addr (the packet's pod-side address) is one of the bound endpoint's. */
static __always_inline int endpoint_owns(const struct endpoint_binding *ep, const struct packet *p, const __u8 *addr)
{
	const __u32 *a = (const __u32 *)addr;
	const __u32 *v6 = (const __u32 *)ep->ipv6;

	if (p->family == FAMILY_IPV4)
		return a[0] == *(const __u32 *)ep->ipv4;
	return a[0] == v6[0] && a[1] == v6[1] && a[2] == v6[2] && a[3] == v6[3];
}

static __always_inline int handle(struct __sk_buff *skb, int egress)
{
	struct packet p = {};
	struct event_context c = {};
	struct policy_verdict v = {};
	struct lxc_key endpoint = {};
	struct lxc_value *lxc;
	struct endpoint_binding *ep;
	__u32 ifindex = skb->ifindex;
	const __u8 *own;
	__u32 local, remote, now;
	void *policy_map;
	int parsed;

	parsed = parse_packet(skb, &p);
	if (parsed == PARSE_NOT_IP)
		return TC_ACT_OK;
	c.ifindex = ifindex;
	c.length = skb->len;
	c.egress = egress;
	if (parsed == PARSE_INVALID)
		return drop(&c, &p, DROP_INVALID);
	if (is_icmp6_link_control(&p))
		return TC_ACT_OK;

	ep = bpf_map_lookup_elem(&tendril_ep_ifindex, &ifindex);
	if (!ep)
		return drop(&c, &p, DROP_NO_CONFIG);
	c.endpoint_id = ep->endpoint_id;
	own = egress ? p.saddr : p.daddr;
	if (!endpoint_owns(ep, &p, own))
		return drop(&c, &p, egress ? DROP_INVALID_SIP : DROP_NO_LOCAL_ENDPOINT);

	/* Only the first fragment carries ports; the receiver cannot reassemble the rest without it. */
	if (p.later_fragment)
		return TC_ACT_OK;

	now = ct_now();
	if (is_icmp_error(&p)) {
		struct packet quoted = {};

		if (parse_quoted(skb, &p, &quoted) == PARSE_OK && ct_related(&quoted, egress, now))
			return TC_ACT_OK;
	}
	c.ct_status = ct_lookup(&p, egress, c.length, now);
	if (c.ct_status != CT_NEW)
		return TC_ACT_OK;

	/* A new connection: the endpoint's identity, from cilium_lxc, where the endpoint must still be. */
	endpoint.family = p.family;
	__builtin_memcpy(endpoint.ip, own, 16);
	lxc = bpf_map_lookup_elem(&cilium_lxc, &endpoint);
	if (!lxc || lxc->endpoint_id != c.endpoint_id)
		return drop(&c, &p, egress ? DROP_INVALID_SIP : DROP_NO_LOCAL_ENDPOINT);
	local = lxc->sec_identity;

	remote = resolve_identity(egress ? p.daddr : p.saddr, p.family);
	c.src_identity = egress ? local : remote;
	c.dst_identity = egress ? remote : local;
	policy_map = bpf_map_lookup_elem(&tendril_policy_maps, &c.endpoint_id);
	policy_decide(policy_map, remote, egress, p.protocol, p.policy_port, &v);
	if (v.drop_reason) {
		emit_event(&c, &p, NOTIFY_POLICY_VERDICT, v.drop_reason, &v);
		return TC_ACT_SHOT;
	}
	if (ct_create(&p, egress, c.src_identity, c.length, now) < 0)
		return drop(&c, &p, DROP_CT_CREATE_FAILED);
	if (CONFIG.flags & CONFIG_F_REPORT_FORWARDED)
		emit_event(&c, &p, NOTIFY_POLICY_VERDICT, 0, &v);
	return TC_ACT_OK;
}

SEC("tc")
int tendril_from_container(struct __sk_buff *skb)
{
	return handle(skb, 1);
}

SEC("tc")
int tendril_to_container(struct __sk_buff *skb)
{
	return handle(skb, 0);
}
