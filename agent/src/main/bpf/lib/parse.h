/* Reads what the datapath decides on from an Ethernet frame: addresses, protocol, ports, TCP flags. */
#ifndef TENDRIL_PARSE_H
#define TENDRIL_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "types.h"

#define IPPROTO_ICMPV6_ 58
#define NEXTHDR_HOP 0
#define NEXTHDR_ROUTING 43
#define NEXTHDR_FRAGMENT 44
#define NEXTHDR_AUTH 51
#define NEXTHDR_DEST 60
#define MAX_IPV6_EXT_HEADERS 4

struct packet {
	__u8 family;		/* FAMILY_IPV4 / FAMILY_IPV6 */
	__u8 protocol;		/* L4 protocol, after IPv6 extension headers */
	__u8 tcp_flags;
	__u8 later_fragment;	/* an IP fragment other than the first: no L4 header */
	__u8 icmp_type;
	__u8 icmp_code;
	__u16 policy_port;	/* destination port for the policy lookup, host order; 0 without ports */
	__be16 sport;		/* as in the packet; the echo identifier for ICMP echo requests */
	__be16 dport;		/* as in the packet; the echo identifier for ICMP echo replies */
	__u32 l4_off;
	__u8 saddr[16];
	__u8 daddr[16];
};

enum parse_result {
	PARSE_OK = 0,
	PARSE_NOT_IP = 1,	/* ARP and other non-IP frames: not the policy's business */
	PARSE_INVALID = 2,	/* truncated or malformed headers */
};

#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_ACK 0x10

static __always_inline int is_icmp(const struct packet *p)
{
	return (p->family == FAMILY_IPV4 && p->protocol == IPPROTO_ICMP) ||
	       (p->family == FAMILY_IPV6 && p->protocol == IPPROTO_ICMPV6_);
}

/* ICMP echo request / reply: the identifier stands in for the ports, so replies match their request. */
static __always_inline void icmp_ports(struct packet *p, __be16 id)
{
	__u8 request = p->family == FAMILY_IPV4 ? 8 : 128;
	__u8 reply = p->family == FAMILY_IPV4 ? 0 : 129;

	if (p->icmp_type == request)
		p->sport = id;
	else if (p->icmp_type == reply)
		p->dport = id;
}

static __always_inline int parse_l4(struct __sk_buff *skb, struct packet *p)
{
	if (p->later_fragment)
		return PARSE_OK;
	switch (p->protocol) {
	case IPPROTO_TCP: {
		__u8 hdr[14];

		if (bpf_skb_load_bytes(skb, p->l4_off, hdr, sizeof(hdr)) < 0)
			return PARSE_INVALID;
		__builtin_memcpy(&p->sport, &hdr[0], 2);
		__builtin_memcpy(&p->dport, &hdr[2], 2);
		p->tcp_flags = hdr[13];
		p->policy_port = bpf_ntohs(p->dport);
		return PARSE_OK;
	}
	case IPPROTO_UDP:
	case IPPROTO_SCTP: {
		__be16 ports[2];

		if (bpf_skb_load_bytes(skb, p->l4_off, ports, sizeof(ports)) < 0)
			return PARSE_INVALID;
		p->sport = ports[0];
		p->dport = ports[1];
		p->policy_port = bpf_ntohs(p->dport);
		return PARSE_OK;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6_: {
		__u8 hdr[6];

		if (bpf_skb_load_bytes(skb, p->l4_off, hdr, sizeof(hdr)) < 0)
			return PARSE_INVALID;
		p->icmp_type = hdr[0];
		p->icmp_code = hdr[1];
		icmp_ports(p, *(__be16 *)&hdr[4]);
		return PARSE_OK;
	}
	default:
		return PARSE_OK;
	}
}

static __always_inline int parse_ipv4(struct __sk_buff *skb, struct packet *p, __u32 off)
{
	__u8 hdr[20];
	__u8 ihl;
	__u16 frag;

	if (bpf_skb_load_bytes(skb, off, hdr, sizeof(hdr)) < 0)
		return PARSE_INVALID;
	if ((hdr[0] >> 4) != 4)
		return PARSE_INVALID;
	ihl = hdr[0] & 0x0f;
	if (ihl < 5)
		return PARSE_INVALID;
	p->family = FAMILY_IPV4;
	p->protocol = hdr[9];
	frag = ((__u16)hdr[6] << 8 | hdr[7]) & 0x1fff;
	p->later_fragment = frag != 0;
	__builtin_memcpy(p->saddr, &hdr[12], 4);
	__builtin_memcpy(p->daddr, &hdr[16], 4);
	p->l4_off = off + ihl * 4;
	return parse_l4(skb, p);
}

static __always_inline int parse_ipv6(struct __sk_buff *skb, struct packet *p, __u32 off)
{
	__u8 hdr[40];
	__u8 nexthdr;
	__u32 l4 = off + 40;

	if (bpf_skb_load_bytes(skb, off, hdr, sizeof(hdr)) < 0)
		return PARSE_INVALID;
	if ((hdr[0] >> 4) != 6)
		return PARSE_INVALID;
	p->family = FAMILY_IPV6;
	__builtin_memcpy(p->saddr, &hdr[8], 16);
	__builtin_memcpy(p->daddr, &hdr[24], 16);
	nexthdr = hdr[6];

#pragma unroll
	for (int i = 0; i < MAX_IPV6_EXT_HEADERS; i++) {
		__u8 ext[4];

		if (nexthdr != NEXTHDR_HOP && nexthdr != NEXTHDR_ROUTING && nexthdr != NEXTHDR_DEST &&
		    nexthdr != NEXTHDR_FRAGMENT && nexthdr != NEXTHDR_AUTH)
			break;
		if (bpf_skb_load_bytes(skb, l4, ext, sizeof(ext)) < 0)
			return PARSE_INVALID;
		if (nexthdr == NEXTHDR_FRAGMENT) {
			__u16 frag = ((__u16)ext[2] << 8 | ext[3]) >> 3;

			if (frag != 0)
				p->later_fragment = 1;
			l4 += 8;
		} else if (nexthdr == NEXTHDR_AUTH) {
			l4 += ((__u32)ext[1] + 2) * 4;
		} else {
			l4 += ((__u32)ext[1] + 1) * 8;
		}
		nexthdr = ext[0];
	}
	p->protocol = nexthdr;
	p->l4_off = l4;
	return parse_l4(skb, p);
}

/*
 * The common case read in place: IPv4 without options, TCP or UDP, not a later fragment, its headers in
 * the skb's linear data (what a local socket sends and a veth hands over). The general path below costs
 * three bpf_skb_load_bytes calls per packet; this one none. 0 when the packet is not such a packet,
 * which the general path then reads.
 */
static __always_inline int parse_ipv4_linear(struct __sk_buff *skb, struct packet *p)
{
	const __u8 *data = (const __u8 *)(long)skb->data;
	const __u8 *data_end = (const __u8 *)(long)skb->data_end;
	const __u8 *ip = data + ETH_HLEN;
	const __u8 *l4 = ip + 20;

	if (l4 + 14 > data_end)
		return 0;
	if (data[12] != 0x08 || data[13] != 0x00 || ip[0] != 0x45)
		return 0;
	if (ip[9] != IPPROTO_TCP && ip[9] != IPPROTO_UDP)
		return 0;
	if ((ip[6] & 0x1f) != 0 || ip[7] != 0)
		return 0;
	p->family = FAMILY_IPV4;
	p->protocol = ip[9];
	__builtin_memcpy(p->saddr, ip + 12, 4);
	__builtin_memcpy(p->daddr, ip + 16, 4);
	p->l4_off = ETH_HLEN + 20;
	__builtin_memcpy(&p->sport, l4, 2);
	__builtin_memcpy(&p->dport, l4 + 2, 2);
	if (p->protocol == IPPROTO_TCP)
		p->tcp_flags = l4[13];
	p->policy_port = bpf_ntohs(p->dport);
	return 1;
}

static __always_inline int parse_packet(struct __sk_buff *skb, struct packet *p)
{
	__be16 proto;

	if (parse_ipv4_linear(skb, p))
		return PARSE_OK;
	if (bpf_skb_load_bytes(skb, 12, &proto, sizeof(proto)) < 0)
		return PARSE_NOT_IP;
	if (proto == bpf_htons(ETH_P_IP))
		return parse_ipv4(skb, p, ETH_HLEN);
	if (proto == bpf_htons(ETH_P_IPV6))
		return parse_ipv6(skb, p, ETH_HLEN);
	return PARSE_NOT_IP;
}

/*
 * IPv6 neighbour discovery and multicast listener messages: the link's own plumbing, from and to
 * link-local addresses no ipcache or endpoint map knows, so they pass without a verdict (Cilium
 * answers or passes them before policy too).
 */
static __always_inline int is_icmp6_link_control(const struct packet *p)
{
	if (p->family != FAMILY_IPV6 || p->protocol != IPPROTO_ICMPV6_)
		return 0;
	return (p->icmp_type >= 130 && p->icmp_type <= 137) || p->icmp_type == 143;
}

/* ICMP errors carry the header of the packet they are about: destination unreachable, time exceeded, ... */
static __always_inline int is_icmp_error(const struct packet *p)
{
	if (p->family == FAMILY_IPV4 && p->protocol == IPPROTO_ICMP)
		return p->icmp_type == 3 || p->icmp_type == 4 || p->icmp_type == 11 || p->icmp_type == 12;
	if (p->family == FAMILY_IPV6 && p->protocol == IPPROTO_ICMPV6_)
		return p->icmp_type >= 1 && p->icmp_type <= 4;
	return 0;
}

/*
 * The packet an ICMP error quotes (after the 8-byte ICMP header): its addresses, protocol and ports,
 * enough to find its connection. Only quoted TCP, UDP and SCTP are looked up.
 */
static __always_inline int parse_quoted(struct __sk_buff *skb, const struct packet *outer, struct packet *q)
{
	__u32 off = outer->l4_off + 8;
	__be16 ports[2];

	q->family = outer->family;
	if (outer->family == FAMILY_IPV4) {
		__u8 hdr[20];

		if (bpf_skb_load_bytes(skb, off, hdr, sizeof(hdr)) < 0)
			return PARSE_INVALID;
		if ((hdr[0] & 0x0f) < 5)
			return PARSE_INVALID;
		q->protocol = hdr[9];
		__builtin_memcpy(q->saddr, &hdr[12], 4);
		__builtin_memcpy(q->daddr, &hdr[16], 4);
		off += (hdr[0] & 0x0f) * 4;
	} else {
		__u8 hdr[40];

		if (bpf_skb_load_bytes(skb, off, hdr, sizeof(hdr)) < 0)
			return PARSE_INVALID;
		q->protocol = hdr[6];
		__builtin_memcpy(q->saddr, &hdr[8], 16);
		__builtin_memcpy(q->daddr, &hdr[24], 16);
		off += 40;
	}
	if (q->protocol != IPPROTO_TCP && q->protocol != IPPROTO_UDP && q->protocol != IPPROTO_SCTP)
		return PARSE_INVALID;
	if (bpf_skb_load_bytes(skb, off, ports, sizeof(ports)) < 0)
		return PARSE_INVALID;
	q->sport = ports[0];
	q->dport = ports[1];
	return PARSE_OK;
}

#endif
