#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The picture of Documentation/xtcpstat.rst: RFC 9293's state diagram with
# the counts of a real run.  "make diagram" runs this as root in the test
# VM, then renders FILE on the host with Graphviz (dot -Tsvg).
#
#   tools/diagram.sh FILE.dot
#
# In a fresh network namespace, over 127.0.0.1, it
#   1. echoes 64 KiB for each of three clients of "xtcp-echo server -n 3",
#      which then closes its listener.  Each connection takes the handshake,
#      data both ways, the client's active close (FIN_WAIT1, FIN_WAIT2,
#      TIME_WAIT) and the server's passive close (CLOSE_WAIT, LAST_ACK);
#      net.xtcp.msl_ms is 1000 for them, and their TIME_WAITs are waited
#      out (2 MSL);
#   2. connects to the closed port: a RST ends SYN_SENT;
#   3. with the default MSL, echoes one more client of a second server,
#      whose TIME_WAIT stays, and holds one last connection open;
# then writes "xtcpstat -N NAMESPACE --dot" to FILE.  Every wait is a
# bounded poll for a condition.  It exits non-zero on any failure, and
# removes what it made (processes, namespace, module) on every exit.

set -euo pipefail

NS=xtcp-diagram
ADDR=127.0.0.1
PORT1=7001
PORT2=7002
BYTES=64K
SHORT_MSL_MS=1000
MSL_SYSCTL=/proc/sys/net/xtcp/msl_ms

# Hex state numbers of /proc/net/xtcp, as in include/uapi/linux/xtcp.h.
ST_ESTABLISHED=01
ST_TIME_WAIT=06
ST_LISTEN=0A

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TOOLS=$ROOT/tools

if [ "$#" -ne 1 ]; then
	echo "usage: $0 FILE.dot" >&2
	exit 2
fi
out=$1

loaded=
made_ns=
srv_pid=
cli_pid=
workdir=

fail()
{
	echo "diagram: FAIL: $*" >&2
	exit 1
}

cleanup()
{
	local rc=$? pid log i

	set +e
	trap - EXIT
	exec 3>&-
	for pid in "$cli_pid" "$srv_pid"; do
		if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
			kill "$pid"
			wait "$pid" 2>/dev/null
		fi
	done
	if [ "$rc" -ne 0 ] && [ -n "$workdir" ]; then
		for log in "$workdir"/*.log; do
			[ -f "$log" ] || continue
			echo "--- ${log##*/} ---" >&2
			cat "$log" >&2
		done
	fi
	[ -n "$made_ns" ] && ip netns del "$NS" 2>/dev/null
	if [ -n "$loaded" ]; then
		# The last sockets may take an RCU grace period to let go.
		for ((i = 0; i < 50; i++)); do
			[ "$(cat /sys/module/xtcp/refcnt)" = 0 ] && break
			sleep 0.1
		done
		rmmod xtcp || echo "diagram: could not remove the xtcp module" >&2
	fi
	[ -n "$workdir" ] && rm -rf "$workdir"
	rm -f "$out.tmp"
	exit "$rc"
}

# wait_for SECONDS WHAT COMMAND...: run COMMAND every 0.1 s until it
# succeeds; fail after SECONDS.
wait_for()
{
	local secs=$1 what=$2 i

	shift 2
	for ((i = 0; i < secs * 10; i++)); do
		if "$@"; then
			return 0
		fi
		sleep 0.1
	done
	fail "timed out after ${secs} s waiting for $what"
}

in_ns()
{
	ip netns exec "$NS" "$@"
}

# count ST: the namespace's sockets in state ST (two hex digits; "" all).
count()
{
	# shellcheck disable=SC2016 # $4 is awk's, not the shell's
	in_ns awk -v st="$1" 'NR > 1 && (st == "" || $4 == st) { n++ }
			     END { print n + 0 }' /proc/net/xtcp
}

# sockets ST N: exactly N sockets in state ST.
sockets()
{
	[ "$(count "$1")" -eq "$2" ]
}

logged()
{
	kill -0 "$1" 2>/dev/null || fail "$2 exited early"
	grep -q "$3" "$workdir/$2.log"
}

exited()
{
	! kill -0 "$1" 2>/dev/null
}

# client NAME PORT: echo BYTES through the server on PORT; it must pass.
client()
{
	in_ns "$TOOLS/xtcp-echo" client -a "$ADDR" -p "$2" -s "$BYTES" \
		>"$workdir/$1.log" 2>&1 || fail "client $1 failed"
}

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ "$(id -u)" -eq 0 ] || fail "must run as root (inside the test VM)"
for tool in xtcpstat xtcp-echo; do
	[ -x "$TOOLS/$tool" ] || fail "$TOOLS/$tool missing: run make first"
done
workdir=$(mktemp -d "${TMPDIR:-/tmp}/xtcp-diagram.XXXXXX" 2>/dev/null) ||
	workdir=$(mkdir -p "$ROOT/.vm" && mktemp -d "$ROOT/.vm/diagram.XXXXXX")
if [ ! -d /sys/module/xtcp ]; then
	[ -f "$ROOT/xtcp.ko" ] || fail "$ROOT/xtcp.ko missing: run make first"
	insmod "$ROOT/xtcp.ko" || fail "insmod $ROOT/xtcp.ko failed (see dmesg)"
	loaded=1
fi

# A namespace of its own: its counters start at zero.
ip netns del "$NS" 2>/dev/null || true
made_ns=1
ip netns add "$NS"
ip -n "$NS" link set lo up
msl=$(in_ns cat "$MSL_SYSCTL")
echo "$SHORT_MSL_MS" | in_ns tee "$MSL_SYSCTL" >/dev/null

echo "diagram: three connections, closed; their TIME_WAITs expire"
ip netns exec "$NS" "$TOOLS/xtcp-echo" server -b "$ADDR" -p "$PORT1" -n 3 \
	>"$workdir/server1.log" 2>&1 &
srv_pid=$!
wait_for 10 "the first server to listen" logged "$srv_pid" server1 '^listening'
for i in 1 2 3; do
	client "client$i" "$PORT1"
done
# After its third connection the server closes its listener and exits.
wait_for 10 "the first server to exit" exited "$srv_pid"
wait "$srv_pid" || fail "the first server failed"
srv_pid=
wait_for $((2 * SHORT_MSL_MS / 1000 + 10)) "TIME_WAIT to expire" \
	sockets "" 0

echo "diagram: a connection refused"
if in_ns "$TOOLS/xtcp-echo" client -a "$ADDR" -p "$PORT1" -t 10 \
	>"$workdir/refused.log" 2>&1; then
	fail "a client connected to a closed port"
fi
grep -q 'refused' "$workdir/refused.log" ||
	fail "no 'refused' in: $(cat "$workdir/refused.log")"

echo "diagram: one connection in TIME_WAIT, one open"
echo "$msl" | in_ns tee "$MSL_SYSCTL" >/dev/null
ip netns exec "$NS" "$TOOLS/xtcp-echo" server -b "$ADDR" -p "$PORT2" \
	>"$workdir/server2.log" 2>&1 &
srv_pid=$!
wait_for 10 "the second server to listen" logged "$srv_pid" server2 '^listening'
client client4 "$PORT2"
# The client closed first: TIME_WAIT is its; the server's side is gone.
wait_for 10 "client4's TIME_WAIT alone" sockets "" 2
sockets "$ST_TIME_WAIT" 1 || fail "no TIME_WAIT after client4"
# The last client waits for a line on its standard input before it sends.
mkfifo "$workdir/go"
exec 3<>"$workdir/go"
ip netns exec "$NS" "$TOOLS/xtcp-echo" client -a "$ADDR" -p "$PORT2" \
	-s "$BYTES" -w <"$workdir/go" >"$workdir/client5.log" 2>&1 3>&- &
cli_pid=$!
wait_for 10 "client5 to connect" logged "$cli_pid" client5 '^connected'
wait_for 10 "both ends ESTABLISHED" sockets "$ST_ESTABLISHED" 2
sockets "$ST_LISTEN" 1 || fail "not one listener"
sockets "" 4 || fail "not four sockets: $(in_ns cat /proc/net/xtcp)"

"$TOOLS/xtcpstat" -N "$NS" --dot >"$out.tmp"
mv "$out.tmp" "$out"
echo "diagram: wrote $out"
"$TOOLS/xtcpstat" -N "$NS" --diagram

# The held connection ends as the others did.
echo go >&3
exec 3>&-
wait "$cli_pid" || fail "client5 failed"
cli_pid=
