#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# XTCP echo demo.  Run it as root inside the test VM once xtcp.ko and the
# tools are built in the repository ("make demo" does all of it).
# With no argument it runs over XTCP; with --tcp it takes the same steps over
# Linux TCP, for comparison (no module needed, so it runs on any Linux box).
#
# It loads ./xtcp.ko (unless loaded already), joins two network namespaces,
# xtcp-srv and xtcp-cli, by a veth pair, runs tools/xtcp-echo as server and
# client, and prints tools/xtcpstat at each step of a connection's life:
# LISTEN, ESTABLISHED, TIME_WAIT.  Every wait is a bounded poll for a
# condition, never a fixed sleep.  It exits non-zero on any failure, and
# removes what it made (processes, namespaces, module) on every exit.

set -euo pipefail

SRV_NS=xtcp-srv
CLI_NS=xtcp-cli
SRV_IF=xtcp0
CLI_IF=xtcp1
SRV_ADDR=10.77.0.1
CLI_ADDR=10.77.0.2
PORT=7777
BYTES=100000		# sent by the client, echoed by the server
MSL_MS=3000		# TIME_WAIT lasts 2 * MSL: long enough to be seen
MSL_SYSCTL=/proc/sys/net/xtcp/msl_ms

# Hex state numbers of /proc/net/xtcp, as in include/uapi/linux/xtcp.h.
ST_ESTABLISHED=01
ST_TIME_WAIT=06
ST_LISTEN=0A

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TOOLS=$ROOT/tools

tcp=
proc=/proc/net/xtcp
family_opt=()		# extra xtcp-echo option: -4 over TCP

case "${1:-}" in
"")
	;;
--tcp)
	tcp=1
	proc=/proc/net/tcp
	family_opt=(-4)
	;;
*)
	echo "usage: $0 [--tcp]" >&2
	exit 2
	;;
esac

# What the cleanup must undo; each is cleared once undone.
loaded=
made_ns=
srv_pid=
cli_pid=
workdir=

fail()
{
	echo "demo: FAIL: $*" >&2
	exit 1
}

heading()
{
	echo
	echo "== $* =="
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
	if [ -n "$made_ns" ]; then
		ip netns del "$SRV_NS" 2>/dev/null
		ip netns del "$CLI_NS" 2>/dev/null
	fi
	if [ -n "$loaded" ]; then
		# The last sockets may take an RCU grace period to let go.
		for ((i = 0; i < 50; i++)); do
			module_unused && break
			sleep 0.1
		done
		rmmod xtcp || echo "demo: could not remove the xtcp module" >&2
	fi
	[ -n "$workdir" ] && rm -rf "$workdir"
	if [ "$rc" -ne 0 ]; then
		echo "== demo FAILED (status $rc) ==" >&2
	fi
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

# alive PID WHAT: fail at once if the background process PID has exited.
alive()
{
	kill -0 "$1" 2>/dev/null || fail "$2 exited early"
}

# wait_exit PID SECONDS WHAT: wait for background process PID to exit and
# return its exit status; fail if it is still running after SECONDS.
wait_exit()
{
	local pid=$1 secs=$2 what=$3 i

	for ((i = 0; i < secs * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		fail "$what still running after ${secs} s"
	fi
	wait "$pid"
}

# in_ns NS COMMAND...: run COMMAND in network namespace NS.
in_ns()
{
	local ns=$1

	shift
	ip netns exec "$ns" "$@"
}

# count_state NS ST: how many sockets of NS are in state ST (two hex digits).
count_state()
{
	# shellcheck disable=SC2016 # $4 is awk's, not the shell's
	in_ns "$1" awk -v st="$2" 'NR > 1 && $4 == st { n++ }
				   END { print n + 0 }' "$proc"
}

has_state()
{
	local n

	n=$(count_state "$1" "$2") || fail "cannot read $proc in $1"
	[ "$n" -gt 0 ]
}

no_state()
{
	local n

	n=$(count_state "$1" "$2") || fail "cannot read $proc in $1"
	[ "$n" -eq 0 ]
}

# show NS [XTCPSTAT OPTION]...: print the socket table of NS.
show()
{
	local ns=$1

	shift
	echo "-- $ns --"
	in_ns "$ns" "$TOOLS/xtcpstat" -a -f "$proc" "$@"
}

link_up()
{
	[ "$(in_ns "$1" cat "/sys/class/net/$2/operstate")" = up ]
}

server_listening()
{
	alive "$srv_pid" "the server"
	grep -q '^listening' "$workdir/server.log"
}

client_connected()
{
	alive "$cli_pid" "the client"
	grep -q '^connected' "$workdir/client.log"
}

server_done()
{
	grep -q "^closed .*: $BYTES bytes echoed" "$workdir/server.log"
}

module_unused()
{
	[ "$(cat /sys/module/xtcp/refcnt)" = 0 ]
}

# set_msl NS: shorten TIME_WAIT in NS.  Returns 1, silently if the sysctl
# is absent, if that could not be done.
set_msl()
{
	in_ns "$1" test -e "$MSL_SYSCTL" || return 1
	if ! echo "$MSL_MS" | in_ns "$1" tee "$MSL_SYSCTL" >/dev/null; then
		echo "demo: cannot set $MSL_SYSCTL in $1; TIME_WAIT stays long" >&2
		return 1
	fi
}

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

heading "setup"
[ "$(id -u)" -eq 0 ] || fail "must run as root (inside the test VM)"
for tool in xtcpstat xtcp-echo; do
	[ -x "$TOOLS/$tool" ] || fail "$TOOLS/$tool missing: run make first"
done
# Logs and the FIFO: in /tmp, or in the repository's .vm/ if /tmp is
# read-only.
workdir=$(mktemp -d "${TMPDIR:-/tmp}/xtcp-demo.XXXXXX" 2>/dev/null) ||
	workdir=$(mkdir -p "$ROOT/.vm" && mktemp -d "$ROOT/.vm/demo.XXXXXX")

if [ -n "$tcp" ]; then
	echo "over Linux TCP, for comparison"
elif [ -d /sys/module/xtcp ]; then
	echo "xtcp module already loaded; leaving it loaded"
else
	[ -f "$ROOT/xtcp.ko" ] || fail "$ROOT/xtcp.ko missing: run make first"
	insmod "$ROOT/xtcp.ko" || fail "insmod $ROOT/xtcp.ko failed (see dmesg)"
	loaded=1
	echo "loaded $ROOT/xtcp.ko"
fi
if [ -z "$tcp" ]; then
	family=$(cat /sys/module/xtcp/parameters/family 2>/dev/null) ||
		family="default"
	echo "XTCP family $family, kernel $(uname -r)"
fi

# Namespaces left by a demo that was killed outright.
ip netns del "$SRV_NS" 2>/dev/null || true
ip netns del "$CLI_NS" 2>/dev/null || true
made_ns=1
ip netns add "$SRV_NS"
ip netns add "$CLI_NS"
ip -n "$SRV_NS" link add "$SRV_IF" type veth peer name "$CLI_IF" \
	netns "$CLI_NS"
ip -n "$SRV_NS" addr add "$SRV_ADDR/24" dev "$SRV_IF"
ip -n "$CLI_NS" addr add "$CLI_ADDR/24" dev "$CLI_IF"
for ns in "$SRV_NS" "$CLI_NS"; do
	ip -n "$ns" link set lo up
done
ip -n "$SRV_NS" link set "$SRV_IF" up
ip -n "$CLI_NS" link set "$CLI_IF" up
wait_for 10 "$SRV_IF up" link_up "$SRV_NS" "$SRV_IF"
wait_for 10 "$CLI_IF up" link_up "$CLI_NS" "$CLI_IF"
echo "$SRV_NS $SRV_IF $SRV_ADDR <-> $CLI_NS $CLI_IF $CLI_ADDR"

short_tw=
if [ -z "$tcp" ] && set_msl "$CLI_NS"; then
	set_msl "$SRV_NS" || true
	short_tw=1
	echo "net.xtcp.msl_ms=$MSL_MS: TIME_WAIT lasts $((2 * MSL_MS)) ms"
fi

heading "LISTEN"
# Not through in_ns: $! must be the PID of xtcp-echo itself, which
# "ip netns exec" becomes.
ip netns exec "$SRV_NS" "$TOOLS/xtcp-echo" "${family_opt[@]}" server \
	-b "$SRV_ADDR" -p "$PORT" >"$workdir/server.log" 2>&1 &
srv_pid=$!
wait_for 10 "the server to listen" server_listening
wait_for 10 "a LISTEN socket in $SRV_NS" has_state "$SRV_NS" "$ST_LISTEN"
cat "$workdir/server.log"
show "$SRV_NS"

heading "ESTABLISHED"
# The client connects, says "connected", then waits for a line on its
# standard input, a FIFO, before it sends: the connection stays open while
# the tables are printed.  Opened read-write here, the FIFO never blocks.
mkfifo "$workdir/go"
exec 3<>"$workdir/go"
ip netns exec "$CLI_NS" "$TOOLS/xtcp-echo" "${family_opt[@]}" client \
	-a "$SRV_ADDR" -p "$PORT" -s "$BYTES" -w \
	<"$workdir/go" >"$workdir/client.log" 2>&1 3>&- &
cli_pid=$!
wait_for 10 "the client to connect" client_connected
wait_for 10 "ESTABLISHED in $CLI_NS" has_state "$CLI_NS" "$ST_ESTABLISHED"
wait_for 10 "ESTABLISHED in $SRV_NS" has_state "$SRV_NS" "$ST_ESTABLISHED"
cat "$workdir/client.log"
show "$SRV_NS"
show "$CLI_NS"

heading "echo $BYTES bytes, then close"
echo go >&3
exec 3>&-
status=0
wait_exit "$cli_pid" 30 "the client" || status=$?
cli_pid=
[ "$status" -eq 0 ] || fail "the client failed with status $status"
tail -n 1 "$workdir/client.log"
wait_for 10 "the server to finish the connection" server_done
tail -n 1 "$workdir/server.log"

heading "TIME_WAIT"
# The client closed first (shutdown(SHUT_WR)), so TIME_WAIT is its side's.
wait_for 10 "TIME_WAIT in $CLI_NS" has_state "$CLI_NS" "$ST_TIME_WAIT"
show "$SRV_NS" -e
show "$CLI_NS" -e

if [ -n "$short_tw" ]; then
	heading "TIME_WAIT expired"
	wait_for $((2 * MSL_MS / 1000 + 10)) "TIME_WAIT to expire" \
		no_state "$CLI_NS" "$ST_TIME_WAIT"
	show "$CLI_NS" -e
else
	echo "(TIME_WAIT is not shortened here: deleting $CLI_NS ends it)"
fi

heading "teardown"
alive "$srv_pid" "the server"
kill "$srv_pid"
status=0
wait_exit "$srv_pid" 10 "the server" || status=$?
srv_pid=
# 143: ended by our SIGTERM, as it should be.
[ "$status" -eq 143 ] || fail "the server exited with status $status"
echo "server stopped"
ip netns del "$SRV_NS"
ip netns del "$CLI_NS"
made_ns=
echo "namespaces deleted"
if [ -n "$loaded" ]; then
	wait_for 10 "the xtcp module to be unused" module_unused
	rmmod xtcp
	loaded=
	echo "xtcp module removed"
fi

heading "demo passed"
