/*
 * Connection tracking in Cilium's maps and tuple layout. At a hook (egress = from-container,
 * ingress = to-container) a packet s:sp -> d:dp is first looked up as a reply,
 *   R = {daddr d, saddr s, dport sp, sport dp, flags egress ? TUPLE_F_IN : TUPLE_F_OUT},
 * then as an established forward flow,
 *   F = {daddr s, saddr d, dport dp, sport sp, flags egress ? TUPLE_F_OUT : TUPLE_F_IN},
 * and a new connection that policy allows is created under F. A reply to a connection an endpoint
 * opened (F created at its egress) therefore finds that entry as R at its ingress, and the reply of
 * a connection it accepted (F created at its ingress) finds it as R at its egress.
 *
 * An entry whose lifetime has passed counts as absent (Cilium leaves that to the agent's GC).
 */
#ifndef TENDRIL_CONNTRACK_H
#define TENDRIL_CONNTRACK_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "types.h"
#include "maps.h"
#include "parse.h"
#include "policy.h"

#define NSEC_PER_SEC 1000000000ULL

union ct_key {
	struct ipv4_ct_tuple v4;
	struct ipv6_ct_tuple v6;
};

/*
 * Now in seconds of CLOCK_MONOTONIC, the clock the agent's CT GC reads. The coarse clock (the last tick's
 * time, at most a tick behind) is plenty for lifetimes in seconds and costs no clock source read, which in a
 * VM is a good share of an established packet's run.
 */
static __always_inline __u32 ct_now(void)
{
	return (__u32)(bpf_ktime_get_coarse_ns() / NSEC_PER_SEC);
}

static __always_inline void *ct_map(__u8 family, __u8 protocol)
{
	if (family == FAMILY_IPV4)
		return protocol == IPPROTO_TCP ? (void *)&cilium_ct4_global : (void *)&cilium_ct_any4_global;
	return protocol == IPPROTO_TCP ? (void *)&cilium_ct6_global : (void *)&cilium_ct_any6_global;
}

/*
 * The tuple of packet p as seen at a hook: forward = 1 builds F, forward = 0 builds R.
 */
static __always_inline void ct_tuple(union ct_key *k, const struct packet *p, int egress, int forward)
{
	__u8 flags = (egress == forward) ? TUPLE_F_OUT : TUPLE_F_IN;
	const __u8 *first = forward ? p->saddr : p->daddr;
	const __u8 *second = forward ? p->daddr : p->saddr;
	__be16 dport = forward ? p->dport : p->sport;
	__be16 sport = forward ? p->sport : p->dport;

	if (p->family == FAMILY_IPV4) {
		__builtin_memcpy(&k->v4.daddr, first, 4);
		__builtin_memcpy(&k->v4.saddr, second, 4);
		k->v4.dport = dport;
		k->v4.sport = sport;
		k->v4.nexthdr = p->protocol;
		k->v4.flags = flags;
	} else {
		__builtin_memcpy(k->v6.daddr, first, 16);
		__builtin_memcpy(k->v6.saddr, second, 16);
		k->v6.dport = dport;
		k->v6.sport = sport;
		k->v6.nexthdr = p->protocol;
		k->v6.flags = flags;
	}
}

static __always_inline struct ct_entry *ct_find(void *map, union ct_key *k, __u32 now)
{
	struct ct_entry *e = bpf_map_lookup_elem(map, k);

	if (!e || e->lifetime < now)
		return 0;
	return e;
}

static __always_inline int ct_closing(const struct ct_entry *e)
{
	return e->flags & (CT_F_RX_CLOSING | CT_F_TX_CLOSING);
}

/*
 * A packet of the entry's connection passed the hook: counters (with CT accounting on), TCP flags seen, closing
 * state, and the lifetime (6 h for TCP once a non-SYN was seen, 60 s before and for other protocols, 10 s once both
 * sides closed). tx means the packet comes from the local endpoint (it passes the egress hook). A field is written
 * only when its value changes, which on an established connection is at most the lifetime once a second: both
 * directions read the entry, often on two CPUs, and a write on every packet would move its cache line between them.
 */
static __always_inline void ct_update(struct ct_entry *e, const struct packet *p, int egress, __u32 len, __u32 now)
{
	__u16 flags = e->flags;
	__u32 lifetime = CT_LIFETIME_NONTCP;

	if (CONFIG.flags & CONFIG_F_CT_ACCOUNTING) {
		__sync_fetch_and_add(&e->packets, 1);
		__sync_fetch_and_add(&e->bytes, len);
	}
	if (p->protocol == IPPROTO_TCP) {
		__u8 seen = egress ? e->tx_flags_seen : e->rx_flags_seen;

		if ((seen | p->tcp_flags) != seen) {
			if (egress)
				e->tx_flags_seen = seen | p->tcp_flags;
			else
				e->rx_flags_seen = seen | p->tcp_flags;
		}
		if (!(p->tcp_flags & TCP_FLAG_SYN))
			flags |= CT_F_SEEN_NON_SYN;
		if (p->tcp_flags & TCP_FLAG_RST)
			flags |= CT_F_RX_CLOSING | CT_F_TX_CLOSING;
		else if (p->tcp_flags & TCP_FLAG_FIN)
			flags |= egress ? CT_F_TX_CLOSING : CT_F_RX_CLOSING;
		if ((flags & (CT_F_RX_CLOSING | CT_F_TX_CLOSING)) == (CT_F_RX_CLOSING | CT_F_TX_CLOSING))
			lifetime = CT_LIFETIME_CLOSE;
		else
			lifetime = (flags & CT_F_SEEN_NON_SYN) ? CT_LIFETIME_TCP : CT_LIFETIME_SYN;
	}
	if (flags != e->flags)
		e->flags = flags;
	if (e->lifetime != now + lifetime)
		e->lifetime = now + lifetime;
}

/*
 * CT_REPLY, CT_ESTABLISHED or CT_NEW for p at this hook, updating the entry it belongs to. A SYN
 * without ACK on a closing connection is a new connection reusing the tuple: CT_NEW, so policy
 * decides it again.
 */
static __always_inline int ct_lookup(const struct packet *p, int egress, __u32 len, __u32 now)
{
	void *map = ct_map(p->family, p->protocol);
	union ct_key k = {};
	struct ct_entry *e;

	ct_tuple(&k, p, egress, 0);
	e = ct_find(map, &k, now);
	if (e) {
		ct_update(e, p, egress, len, now);
		return CT_REPLY;
	}
	ct_tuple(&k, p, egress, 1);
	e = ct_find(map, &k, now);
	if (!e)
		return CT_NEW;
	if (p->protocol == IPPROTO_TCP && (p->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN &&
	    ct_closing(e))
		return CT_NEW;
	ct_update(e, p, egress, len, now);
	return CT_ESTABLISHED;
}

/* A new connection policy allowed: its entry under F, replacing an expired or closed one. 0 or -1. */
static __always_inline int ct_create(const struct packet *p, int egress, __u32 src_identity, __u32 len, __u32 now)
{
	void *map = ct_map(p->family, p->protocol);
	union ct_key k = {};
	struct ct_entry e = {};

	ct_tuple(&k, p, egress, 1);
	if (CONFIG.flags & CONFIG_F_CT_ACCOUNTING) {
		e.packets = 1;
		e.bytes = len;
	}
	e.src_sec_id = src_identity;
	if (p->protocol == IPPROTO_TCP) {
		if (egress)
			e.tx_flags_seen = p->tcp_flags;
		else
			e.rx_flags_seen = p->tcp_flags;
		if (!(p->tcp_flags & TCP_FLAG_SYN))
			e.flags |= CT_F_SEEN_NON_SYN;
		e.lifetime = now + ((e.flags & CT_F_SEEN_NON_SYN) ? CT_LIFETIME_TCP : CT_LIFETIME_SYN);
	} else {
		e.lifetime = now + CT_LIFETIME_NONTCP;
	}
	return bpf_map_update_elem(map, &k, &e, BPF_ANY) < 0 ? -1 : 0;
}

/*
 * Whether an ICMP error quotes a packet of a tracked connection (CT_RELATED). The quoted packet went
 * the other way through this endpoint's hooks, so its entry is F or R as the opposite hook built them.
 */
static __always_inline int ct_related(const struct packet *quoted, int egress, __u32 now)
{
	void *map = ct_map(quoted->family, quoted->protocol);
	union ct_key k = {};

	ct_tuple(&k, quoted, !egress, 1);
	if (ct_find(map, &k, now))
		return 1;
	ct_tuple(&k, quoted, !egress, 0);
	return ct_find(map, &k, now) != 0;
}

#endif
