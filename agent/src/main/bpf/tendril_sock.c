/*
 * Tendril's socket load balancing (Cilium's bpf_sock.c model): cgroup v2 programs, attached to the root
 * of the hierarchy, that translate a Service frontend to one of its backends at the socket.
 *
 *   tendril_sock4_connect, tendril_sock6_connect    connect(2), TCP and UDP: the destination becomes
 *                                                   the backend, so packets on the wire carry it;
 *   tendril_sock4_sendmsg, tendril_sock6_sendmsg    unconnected UDP sendmsg(2), the same per datagram;
 *   tendril_sock4_recvmsg, tendril_sock6_recvmsg    UDP recvmsg(2): a datagram from the backend shows
 *                                                   the frontend as its source;
 *   tendril_sock4_getpeername, tendril_sock6_getpeername
 *                                                   getpeername(2) shows the frontend.
 *
 * Only sockets whose network namespace is in tendril_lb_netns are touched (the node's agent registers
 * its pods' namespaces and its own); every other socket of the machine passes untouched. A frontend
 * is looked up by (address, port, protocol); on a miss, when the address is one of the node's (the
 * ipcache says host or remote-node), by the NodePort surrogate (0.0.0.0 or ::, port, protocol). A
 * frontend without backends refuses with EHOSTUNREACH, as Cilium's bpf_sock.c does, and reports
 * DROP_NO_SERVICE. IPv4-mapped addresses on IPv6 sockets are translated with the IPv4 maps.
 * docs/datapath.md, "Socket load balancing", says more.
 */
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "lib/types.h"
#include "lib/ipcache_map.h"
#include "lib/ring.h"
#include "lib/lb.h"

#define SYS_REJECT 0
#define SYS_PROCEED 1

#define EHOSTUNREACH 113

#define IDENTITY_HOST 1
#define IDENTITY_REMOTE_NODE 6

#define NSEC_PER_SEC 1000000000ULL

/* A socket address as both families' programs hand it over: IPv4 in addr[0], network order. */
struct sock_target {
	__u32 addr[4];
	__be16 port;
	__u8 v6;
	__u8 proto;
};

/* What a forward translation chose, for the reverse entry and the event. */
struct xlate {
	struct sock_target frontend;
	struct sock_target backend;
	__u32 backend_id;
	__u16 rev_nat_index;
	__u8 hook;
};

static __always_inline int sock_proto_supported(__u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}

/* The endpoint id of the socket's namespace when this node translates its sockets, else NULL. */
static __always_inline __u32 *lb_netns(void *ctx, __u64 *cookie)
{
	*cookie = bpf_get_netns_cookie(ctx);
	return bpf_map_lookup_elem(&tendril_lb_netns, cookie);
}

static __always_inline int is_node_address(const struct sock_target *t)
{
	struct ipcache_key key = {};
	struct remote_endpoint_info *info;

	if (t->v6) {
		key.prefixlen = IPCACHE_STATIC_PREFIX + 128;
		key.family = FAMILY_IPV6;
		__builtin_memcpy(key.ip, t->addr, 16);
	} else {
		key.prefixlen = IPCACHE_STATIC_PREFIX + 32;
		key.family = FAMILY_IPV4;
		__builtin_memcpy(key.ip, t->addr, 4);
	}
	info = bpf_map_lookup_elem(&cilium_ipcache_v2, &key);
	return info && (info->sec_identity == IDENTITY_HOST || info->sec_identity == IDENTITY_REMOTE_NODE);
}

static __always_inline struct lb_service *lookup_slot(const struct sock_target *t, int surrogate, __u16 slot)
{
	if (t->v6) {
		struct lb6_key key = {};

		if (!surrogate)
			__builtin_memcpy(key.address, t->addr, 16);
		key.dport = t->port;
		key.backend_slot = slot;
		key.proto = t->proto;
		return bpf_map_lookup_elem(&cilium_lb6_services_v2, &key);
	} else {
		struct lb4_key key = {};

		if (!surrogate)
			key.address = t->addr[0];
		key.dport = t->port;
		key.backend_slot = slot;
		key.proto = t->proto;
		return bpf_map_lookup_elem(&cilium_lb4_services_v2, &key);
	}
}

/* Whether backend_id still fills one of the frontend's slots (an affinity entry outlives removals). */
static __always_inline int in_slots(const struct sock_target *t, int surrogate, __u16 count, __u32 backend_id)
{
	for (__u16 slot = 1; slot <= LB_AFFINITY_MAX_SLOTS; slot++) {
		struct lb_service *s;

		if (slot > count)
			return 0;
		s = lookup_slot(t, surrogate, slot);
		if (s && s->backend_id == backend_id)
			return 1;
	}
	return 1;
}

static __always_inline __u32 affinity_backend(const struct sock_target *t, __u64 netns_cookie, __u16 rev_nat,
					      struct lb_affinity_val **out)
{
	if (t->v6) {
		struct lb6_affinity_key key = {.client_cookie = netns_cookie, .rev_nat_id = rev_nat, .netns_cookie = 1};

		*out = bpf_map_lookup_elem(&cilium_lb6_affinity, &key);
	} else {
		struct lb4_affinity_key key = {.client_cookie = netns_cookie, .rev_nat_id = rev_nat, .netns_cookie = 1};

		*out = bpf_map_lookup_elem(&cilium_lb4_affinity, &key);
	}
	return *out ? (*out)->backend_id : 0;
}

static __always_inline void affinity_update(const struct sock_target *t, __u64 netns_cookie, __u16 rev_nat,
					    __u32 backend_id, __u64 now)
{
	struct lb_affinity_val val = {.last_used = now, .backend_id = backend_id};

	if (t->v6) {
		struct lb6_affinity_key key = {.client_cookie = netns_cookie, .rev_nat_id = rev_nat, .netns_cookie = 1};

		bpf_map_update_elem(&cilium_lb6_affinity, &key, &val, BPF_ANY);
	} else {
		struct lb4_affinity_key key = {.client_cookie = netns_cookie, .rev_nat_id = rev_nat, .netns_cookie = 1};

		bpf_map_update_elem(&cilium_lb4_affinity, &key, &val, BPF_ANY);
	}
}

/* The backend's address into b; 0 when the backend is unknown. */
static __always_inline int lookup_backend(const struct sock_target *t, __u32 backend_id, struct sock_target *b)
{
	b->v6 = t->v6;
	b->proto = t->proto;
	if (t->v6) {
		struct lb6_backend *be = bpf_map_lookup_elem(&cilium_lb6_backends_v3, &backend_id);

		if (!be)
			return 0;
		__builtin_memcpy(b->addr, be->address, 16);
		b->port = be->port;
	} else {
		struct lb4_backend *be = bpf_map_lookup_elem(&cilium_lb4_backends_v3, &backend_id);

		if (!be)
			return 0;
		b->addr[0] = be->address;
		b->port = be->port;
	}
	return 1;
}

static __always_inline void write_reverse(__u64 socket_cookie, const struct xlate *x)
{
	if (x->frontend.v6) {
		struct ipv6_revnat_tuple key = {.cookie = socket_cookie, .port = x->backend.port};
		struct ipv6_revnat_entry val = {.port = x->frontend.port, .rev_nat_index = x->rev_nat_index};

		__builtin_memcpy(key.address, x->backend.addr, 16);
		__builtin_memcpy(val.address, x->frontend.addr, 16);
		bpf_map_update_elem(&cilium_lb6_reverse_sk, &key, &val, BPF_ANY);
	} else {
		struct ipv4_revnat_tuple key = {.cookie = socket_cookie,
						.address = x->backend.addr[0],
						.port = x->backend.port};
		struct ipv4_revnat_entry val = {.address = x->frontend.addr[0],
						.port = x->frontend.port,
						.rev_nat_index = x->rev_nat_index};

		bpf_map_update_elem(&cilium_lb4_reverse_sk, &key, &val, BPF_ANY);
	}
}

static __always_inline void emit_sock_event(const struct xlate *x, __u8 verdict, __u8 reason, __u32 endpoint_id,
					    __u64 netns_cookie, __u64 socket_cookie)
{
	struct sock_event *e = bpf_ringbuf_reserve(&tendril_events, sizeof(*e), 0);

	if (!e) {
		count_lost_event();
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->timestamp_ns = bpf_ktime_get_ns();
	e->type = NOTIFY_TRACE_SOCK;
	e->verdict = verdict;
	e->drop_reason = reason;
	e->xlate_point = reason ? 1 : 2;
	e->hook = x->hook;
	e->ip_version = x->frontend.v6 ? 6 : 4;
	e->protocol = x->frontend.proto;
	e->frontend_port = bpf_ntohs(x->frontend.port);
	e->backend_port = bpf_ntohs(x->backend.port);
	e->rev_nat_index = x->rev_nat_index;
	e->endpoint_id = endpoint_id;
	e->backend_id = x->backend_id;
	e->netns_cookie = netns_cookie;
	e->socket_cookie = socket_cookie;
	__builtin_memcpy(e->frontend, x->frontend.addr, 16);
	__builtin_memcpy(e->backend, x->backend.addr, 16);
	bpf_ringbuf_submit(e, wake_reader() ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

/*
 * Translates t in place when it is a frontend: 0 translated or not a service (proceed), -EHOSTUNREACH
 * for a frontend without backends.
 */
static __always_inline int xlate_fwd(void *ctx, struct sock_target *t, __u8 hook)
{
	struct xlate x = {.hook = hook};
	struct lb_affinity_val *affinity = 0;
	struct lb_service *svc, *slot;
	__u64 netns_cookie, socket_cookie;
	__u32 *endpoint_id;
	int surrogate = 0;
	__u64 now;

	if (!sock_proto_supported(t->proto))
		return 0;
	endpoint_id = lb_netns(ctx, &netns_cookie);
	if (!endpoint_id)
		return 0;
	svc = lookup_slot(t, 0, 0);
	if (!svc && is_node_address(t)) {
		surrogate = 1;
		svc = lookup_slot(t, 1, 0);
	}
	if (!svc)
		return 0;
	x.frontend = *t;
	x.rev_nat_index = svc->rev_nat_index;
	socket_cookie = bpf_get_socket_cookie(ctx);
	if (svc->count == 0) {
		emit_sock_event(&x, VERDICT_DROPPED, DROP_NO_SERVICE, *endpoint_id, netns_cookie, socket_cookie);
		return -EHOSTUNREACH;
	}
	now = bpf_ktime_get_ns();
	if (svc->flags & SVC_FLAG_AFFINITY) {
		__u32 id = affinity_backend(t, netns_cookie, svc->rev_nat_index, &affinity);

		if (id && now - affinity->last_used <= (__u64)svc->backend_id * NSEC_PER_SEC &&
		    in_slots(t, surrogate, svc->count, id))
			x.backend_id = id;
	}
	if (!x.backend_id) {
		slot = lookup_slot(t, surrogate, (__u16)(bpf_get_prandom_u32() % svc->count + 1));
		if (!slot)
			return 0;
		x.backend_id = slot->backend_id;
	}
	if (!lookup_backend(t, x.backend_id, &x.backend))
		return 0;
	if (svc->flags & SVC_FLAG_AFFINITY)
		affinity_update(t, netns_cookie, svc->rev_nat_index, x.backend_id, now);
	write_reverse(socket_cookie, &x);
	emit_sock_event(&x, VERDICT_TRANSLATED, 0, *endpoint_id, netns_cookie, socket_cookie);
	__builtin_memcpy(t->addr, x.backend.addr, 16);
	t->port = x.backend.port;
	return 1;
}

/* Puts the frontend back for a socket's backend address (recvmsg, getpeername): 1 when it did. */
static __always_inline int xlate_rev(void *ctx, struct sock_target *t)
{
	__u64 netns_cookie;
	__u64 cookie;

	if (!lb_netns(ctx, &netns_cookie))
		return 0;
	cookie = bpf_get_socket_cookie(ctx);
	if (t->v6) {
		struct ipv6_revnat_tuple key = {.cookie = cookie, .port = t->port};
		struct ipv6_revnat_entry *val;

		__builtin_memcpy(key.address, t->addr, 16);
		val = bpf_map_lookup_elem(&cilium_lb6_reverse_sk, &key);
		if (!val)
			return 0;
		__builtin_memcpy(t->addr, val->address, 16);
		t->port = val->port;
	} else {
		struct ipv4_revnat_tuple key = {.cookie = cookie, .address = t->addr[0], .port = t->port};
		struct ipv4_revnat_entry *val = bpf_map_lookup_elem(&cilium_lb4_reverse_sk, &key);

		if (!val)
			return 0;
		t->addr[0] = val->address;
		t->port = val->port;
	}
	return 1;
}

/* ---- IPv4 sockets */

static __always_inline void target4(struct bpf_sock_addr *ctx, struct sock_target *t)
{
	t->addr[0] = ctx->user_ip4;
	t->port = (__be16)ctx->user_port;
	t->proto = (__u8)ctx->protocol;
}

static __always_inline int fwd4(struct bpf_sock_addr *ctx, __u8 hook)
{
	struct sock_target t = {};
	int r;

	target4(ctx, &t);
	r = xlate_fwd(ctx, &t, hook);
	if (r < 0) {
		bpf_set_retval(r);
		return SYS_REJECT;
	}
	if (r > 0) {
		ctx->user_ip4 = t.addr[0];
		ctx->user_port = (__u32)t.port;
	}
	return SYS_PROCEED;
}

static __always_inline int rev4(struct bpf_sock_addr *ctx)
{
	struct sock_target t = {};

	target4(ctx, &t);
	if (sock_proto_supported(t.proto) && xlate_rev(ctx, &t)) {
		ctx->user_ip4 = t.addr[0];
		ctx->user_port = (__u32)t.port;
	}
	return SYS_PROCEED;
}

SEC("cgroup/connect4")
int tendril_sock4_connect(struct bpf_sock_addr *ctx)
{
	return fwd4(ctx, SOCK_HOOK_CONNECT);
}

SEC("cgroup/sendmsg4")
int tendril_sock4_sendmsg(struct bpf_sock_addr *ctx)
{
	if (ctx->protocol != IPPROTO_UDP)
		return SYS_PROCEED;
	return fwd4(ctx, SOCK_HOOK_SENDMSG);
}

SEC("cgroup/recvmsg4")
int tendril_sock4_recvmsg(struct bpf_sock_addr *ctx)
{
	return rev4(ctx);
}

SEC("cgroup/getpeername4")
int tendril_sock4_getpeername(struct bpf_sock_addr *ctx)
{
	return rev4(ctx);
}

/* ---- IPv6 sockets; an IPv4-mapped address (::ffff:a.b.c.d) goes through the IPv4 maps */

static __always_inline int target6(struct bpf_sock_addr *ctx, struct sock_target *t)
{
	int mapped;

	t->addr[0] = ctx->user_ip6[0];
	t->addr[1] = ctx->user_ip6[1];
	t->addr[2] = ctx->user_ip6[2];
	t->addr[3] = ctx->user_ip6[3];
	t->port = (__be16)ctx->user_port;
	t->proto = (__u8)ctx->protocol;
	mapped = t->addr[0] == 0 && t->addr[1] == 0 && t->addr[2] == bpf_htonl(0xffff);
	if (mapped) {
		t->addr[0] = t->addr[3];
		t->addr[1] = 0;
		t->addr[2] = 0;
		t->addr[3] = 0;
	}
	t->v6 = !mapped;
	return mapped;
}

static __always_inline void store6(struct bpf_sock_addr *ctx, const struct sock_target *t, int mapped)
{
	if (mapped) {
		ctx->user_ip6[3] = t->addr[0];
	} else {
		ctx->user_ip6[0] = t->addr[0];
		ctx->user_ip6[1] = t->addr[1];
		ctx->user_ip6[2] = t->addr[2];
		ctx->user_ip6[3] = t->addr[3];
	}
	ctx->user_port = (__u32)t->port;
}

static __always_inline int fwd6(struct bpf_sock_addr *ctx, __u8 hook)
{
	struct sock_target t = {};
	int mapped = target6(ctx, &t);
	int r = xlate_fwd(ctx, &t, hook);

	if (r < 0) {
		bpf_set_retval(r);
		return SYS_REJECT;
	}
	if (r > 0)
		store6(ctx, &t, mapped);
	return SYS_PROCEED;
}

static __always_inline int rev6(struct bpf_sock_addr *ctx)
{
	struct sock_target t = {};
	int mapped = target6(ctx, &t);

	if (sock_proto_supported(t.proto) && xlate_rev(ctx, &t))
		store6(ctx, &t, mapped);
	return SYS_PROCEED;
}

SEC("cgroup/connect6")
int tendril_sock6_connect(struct bpf_sock_addr *ctx)
{
	return fwd6(ctx, SOCK_HOOK_CONNECT);
}

SEC("cgroup/sendmsg6")
int tendril_sock6_sendmsg(struct bpf_sock_addr *ctx)
{
	if (ctx->protocol != IPPROTO_UDP)
		return SYS_PROCEED;
	return fwd6(ctx, SOCK_HOOK_SENDMSG);
}

SEC("cgroup/recvmsg6")
int tendril_sock6_recvmsg(struct bpf_sock_addr *ctx)
{
	return rev6(ctx);
}

SEC("cgroup/getpeername6")
int tendril_sock6_getpeername(struct bpf_sock_addr *ctx)
{
	return rev6(ctx);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
