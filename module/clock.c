// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP's clock: one reading per event, as TCP's tcp_mstamp_refresh().
 *
 * An event is a segment processed, a sendmsg() call, a push of the send
 * queue or a timer.  Send times (RACK, RFC 8985), TSval (RFC 7323) and
 * the receiver's RTT all take "now" from the reading at its start: one
 * ACK's deliveries and the loss detection after them see the same time,
 * the segments of one burst share a send time (RACK orders them by
 * sequence, not by the microseconds a slow host takes to emit them), and
 * a burst costs one reading, not two per segment.  Readings are not
 * free: under emulation the clock source (the HPET) traps to the
 * hypervisor, and took a fifth of a profile of a bulk transfer over veth
 * when XTCP read it per segment.
 *
 * The socket's lock (or its owner) serialises events, so the reading
 * needs none of its own.  The helpers every segment calls (hold,
 * release, now) are inline, in xtcp.h.
 */
#include <linux/ktime.h>

#include "xtcp.h"

/*
 * An event of @sk begins: read the clock.  Returns whether this call
 * began the hold, and so must end it with xtcp_clock_release().  Nested
 * in another event (a segment from the backlog during sendmsg()), it
 * reads the clock anew, and the outer event carries on with that time.
 */
bool xtcp_clock_start(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	bool began = !xs->clock_held;

	xs->clock_ns = ktime_get_ns();
	xs->clock_held = 1;
	return began;
}

/*
 * The latest event's reading, in microseconds, without a new one: late
 * by the time since that event (a segment's arrival, for a receiver).
 * For the receive buffer's measure, run by every read() and only asking
 * whether a round trip has passed (bufauto.c); TCP reads the clock there.
 */
u32 xtcp_event_us(const struct xtcp_sock *xs)
{
	return (u32)div_u64(xs->clock_ns, NSEC_PER_USEC);
}
