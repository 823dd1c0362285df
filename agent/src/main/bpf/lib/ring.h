/*
 * The event ring buffer and its lost-event counter, shared by both objects (tc and socket-LB): the
 * loader points both at the same pins.
 */
#ifndef TENDRIL_RING_H
#define TENDRIL_RING_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Verdict events for the agent (struct verdict_event records). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} tendril_events SEC(".maps");

/* Events that found the ring buffer full: one u64 counter at key 0. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} tendril_events_lost SEC(".maps");

static __always_inline void count_lost_event(void)
{
	__u32 zero = 0;
	__u64 *lost = bpf_map_lookup_elem(&tendril_events_lost, &zero);

	if (lost)
		__sync_fetch_and_add(lost, 1);
}

/* An event's share of the ring: the record (every kind is 96 B) and its 8-byte header, 8-byte aligned. */
#define EVENT_RECORD_SIZE ((96 + 8 + 7) & ~7UL)

/*
 * Whether this event is the one that makes the unread events fill a quarter of the ring. Only that one
 * wakes the reader, which then reads until the ring is empty: waking it with every event while the ring
 * stays above the mark would cost an interrupt per event exactly when events come fastest. A crossing
 * that concurrent producers hide from both of them is caught by the reader's interval.
 */
static __always_inline int wake_reader(void)
{
	__u64 unread = bpf_ringbuf_query(&tendril_events, BPF_RB_AVAIL_DATA);
	__u64 mark = bpf_ringbuf_query(&tendril_events, BPF_RB_RING_SIZE) / 4;

	return unread >= mark && unread < mark + EVENT_RECORD_SIZE;
}

#endif
