/*
 * Verdict events on the tendril_events ring buffer; a full ring counts the event as lost instead.
 *
 * An event does not wake the agent's reader (BPF_RB_NO_WAKEUP) unless it is the one with which the unread
 * events fill a quarter of the ring: the reader reads the ring on a short interval instead
 * (VerdictEventReader). The kernel's
 * default notification wakes the reader whenever it has caught up, which is every event at connection
 * rates: a wake-up is an irq_work and, in a VM, an inter-processor interrupt, several microseconds inside
 * the program per new connection (docs/BENCHMARKS.md, "Kernel datapath: TCP overhead").
 */
#ifndef TENDRIL_EVENTS_H
#define TENDRIL_EVENTS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "types.h"
#include "maps.h"
#include "parse.h"
#include "policy.h"

struct event_context {
	__u32 ifindex;
	__u32 endpoint_id;
	__u32 src_identity;
	__u32 dst_identity;
	__u32 length;
	__u8 egress;
	__u8 ct_status;
};

static __always_inline void emit_event(const struct event_context *c, const struct packet *p, __u8 type,
				       __u8 drop_reason, const struct policy_verdict *v)
{
	struct verdict_event *e = bpf_ringbuf_reserve(&tendril_events, sizeof(*e), 0);

	if (!e) {
		count_lost_event();
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->timestamp_ns = bpf_ktime_get_ns();
	e->type = type;
	e->verdict = drop_reason ? VERDICT_DROPPED : VERDICT_FORWARDED;
	e->drop_reason = drop_reason;
	e->direction = c->egress ? TRAFFIC_EGRESS : TRAFFIC_INGRESS;
	e->ip_version = p->family == FAMILY_IPV4 ? 4 : 6;
	e->protocol = p->protocol;
	e->tcp_flags = p->tcp_flags;
	e->sport = bpf_ntohs(p->sport);
	e->dport = bpf_ntohs(p->dport);
	e->ifindex = c->ifindex;
	e->endpoint_id = c->endpoint_id;
	e->src_identity = c->src_identity;
	e->dst_identity = c->dst_identity;
	e->ct_status = c->ct_status;
	if (is_icmp(p)) {
		e->icmp_type = p->icmp_type;
		e->icmp_code = p->icmp_code;
	}
	if (v) {
		e->match_type = v->match_type;
		e->policy_identity = v->key_identity;
		__builtin_memcpy(&e->policy, &v->entry, sizeof(e->policy));
	}
	__builtin_memcpy(e->saddr, p->saddr, 16);
	__builtin_memcpy(e->daddr, p->daddr, 16);
	e->length = c->length;
	bpf_ringbuf_submit(e, wake_reader() ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

#endif
