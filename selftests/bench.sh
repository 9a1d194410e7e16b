#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: the same echo client and server (tools/xtcp-echo) over XTCP
# and over Linux TCP, on loopback in one VM; then the goodput of both over
# one veth link with netem on both ends (selftests/link_test, the same
# transfer as its tests: both ways at once); reported as XTCP/TCP ratios.
# Runs inside the VM, from the repo root.  Absolute numbers under TCG
# emulation mean little; the ratios are the result.
# Documentation/bench.rst has the numbers measured so far.
#
#   BENCH_BYTES   bytes echoed per throughput run (default 32M)
#   BENCH_RUNS    throughput runs per stack, the median is kept (default 3)
#   BENCH_CONNS   sequential short connections for the rate (default 200)
#   BENCH_LINK_BYTES  bytes each way per link run (default 16M)
#   BENCH_LINK_RUNS   link runs per stack and profile, median and range
#                 (default 1); the stacks take turns run by run
#   BENCH_LINK    link profiles, link_test variant names (default
#                 "loss_1_percent loss_5_percent reorder_25_percent")
#   BENCH_SCALE   socket counts at which "xtcpstat -an" is timed against
#                 "ss -tan" on as many TCP sockets (default "10000 100000")
#   BENCH_SCALE_RUNS  timed listings per tool and count, median (default 3)
#   BENCH_ONLY    the parts to run, of "echo link scale" (default all)
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
ECHO=tools/xtcp-echo
BYTES=${BENCH_BYTES:-32M}
RUNS=${BENCH_RUNS:-3}
CONNS=${BENCH_CONNS:-200}
LINK_BYTES=${BENCH_LINK_BYTES:-16M}
LINK_RUNS=${BENCH_LINK_RUNS:-1}
LINK_PROFILES=${BENCH_LINK:-loss_1_percent loss_5_percent reorder_25_percent}
LINK_TEST=selftests/link_test
SCALE_SIZES=${BENCH_SCALE:-10000 100000}
SCALE_RUNS=${BENCH_SCALE_RUNS:-3}
PARTS=${BENCH_ONLY:-echo link scale}
OUT=.vm/bench
mkdir -p "$OUT"

die() { echo "bench: $*" >&2; exit 1; }

[ -x "$ECHO" ] || die "$ECHO not built: run make"
[ -x "$LINK_TEST" ] || die "$LINK_TEST not built: run make"
if [ ! -d /sys/module/xtcp ]; then
	insmod ./xtcp.ko || die "insmod failed"
	loaded=1
fi
ip link set lo up

# Start a server ($1: "" or -4, $2: port) and wait for its "listening" line.
start_server() {
	local log=$OUT/server$1.log i

	: >"$log"
	# shellcheck disable=SC2086
	$ECHO $1 server -b 127.0.0.1 -p "$2" >"$log" 2>&1 &
	server_pid=$!
	for i in $(seq 1 500); do
		grep -q '^listening' "$log" && return 0
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.02
	done
	die "server $1 did not start: $(cat "$log")"
}

# Median MB/s of $RUNS echo runs of $BYTES.
throughput() {
	local flag=$1 port=$2 i rates=()

	for i in $(seq 1 "$RUNS"); do
		# shellcheck disable=SC2086
		line=$($ECHO $flag client -a 127.0.0.1 -p "$port" -s "$BYTES") ||
			die "client $flag failed: $line"
		rates+=("$(sed -n 's/.*(\([0-9.]*\) MB\/s).*/\1/p' <<<"$line")")
	done
	printf '%s\n' "${rates[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p"
}

# Short connections per second: connect, echo 1 byte, close.
conn_rate() {
	local flag=$1 port=$2 i start end

	start=$(date +%s%N)
	for i in $(seq 1 "$CONNS"); do
		# shellcheck disable=SC2086
		$ECHO $flag client -a 127.0.0.1 -p "$port" -m x >/dev/null ||
			die "short connection $i ($flag) failed"
	done
	end=$(date +%s%N)
	echo "scale=1; $CONNS * 1000000000 / ($end - $start)" | bc
}

ratio() { echo "scale=2; $1 / $2" | bc; }

want() { [[ " $PARTS " == *" $1 "* ]]; }

objsize() {
	awk -v n="$1" '$1 == n { print $4 }' /proc/slabinfo
}

declare -A tput rate
want echo &&
for stack in xtcp tcp; do
	if [ "$stack" = tcp ]; then flag=-4; port=7402; else flag=; port=7401; fi
	start_server "$flag" "$port"
	tput[$stack]=$(throughput "$flag" "$port")
	rate[$stack]=$(conn_rate "$flag" "$port")
	kill "$server_pid" 2>/dev/null
	wait "$server_pid" 2>/dev/null
done

# Goodput in MB/s of one link_test run: FAMILY (xtcp or inet), PROFILE,
# RUN.  Not hashed (XTCP_LINK_VERIFY=0): under TCG SHA-256 would be what
# is measured.  A run that did not finish within the variant's limit
# prints the goodput until it was given up, marked with a "*".
link_goodput() {
	local fam=$1 prof=$2 log=$OUT/link-$1-$2-$3.log g

	XTCP_LINK_FAMILY=$fam XTCP_LINK_ONLY=$prof XTCP_LINK_VERIFY=0 \
		XTCP_LINK_BYTES=$LINK_BYTES "$LINK_TEST" >"$log" 2>&1
	g=$(sed -n 's/.*goodput \([0-9.]*\) MB\/s.*/\1/p' "$log" | tail -n 1)
	[ -n "$g" ] || die "$LINK_TEST $prof ($fam) gave no goodput: see $log"
	if grep -q '^not ok' "$log"; then
		echo "$g*"
	else
		echo "$g"
	fi
}

# "median min max" of the runs given ("*" kept on a run that failed).
link_stats() {
	printf '%s\n' "$@" | sort -n | awk -v n=$# '
		NR == 1 { min = $0 }
		NR == int((n + 1) / 2) { med = $0 }
		{ max = $0 }
		END { print med, min, max }'
}

# The two stacks take turns, run by run, so that a change in the host's
# load (TCG) falls on both alike.  Every run is kept in link-runs.txt.
declare -A link
: >"$OUT/link-runs.txt"
want link || LINK_PROFILES=
for prof in $LINK_PROFILES; do
	declare -a runs_xtcp=() runs_inet=()
	for i in $(seq 1 "$LINK_RUNS"); do
		runs_xtcp+=("$(link_goodput xtcp "$prof" "$i")") || exit 1
		runs_inet+=("$(link_goodput inet "$prof" "$i")") || exit 1
		echo "$prof run $i: xtcp ${runs_xtcp[-1]} inet ${runs_inet[-1]}" \
			>>"$OUT/link-runs.txt"
	done
	link[xtcp.$prof]=$(link_stats "${runs_xtcp[@]}")
	link[inet.$prof]=$(link_stats "${runs_inet[@]}")
done

# The listing of many idle sockets: "xtcpstat -an" on N XTCP sockets
# against "ss -tan" on N TCP sockets, each held by "xtcp-echo hold" (a
# listener and connections to it over loopback).  Each time is the median
# of $SCALE_RUNS listings to /dev/null; a listing that shows fewer lines
# than there are sockets fails the bench.  The clients bind ports from
# 1024 up: TCP's ephemeral port search alone would take minutes.
HOLD_FIFO=/tmp/xtcp-bench-hold.fifo

# hold_start FLAG N PORT: N sockets held by a background xtcp-echo
# (hold_pid), once it says they are all up.
hold_start() {
	local line s

	s=$(date +%s%N)
	rm -f "$HOLD_FIFO"
	mkfifo "$HOLD_FIFO" || die "mkfifo $HOLD_FIFO"
	# shellcheck disable=SC2086
	$ECHO $1 hold -p "$3" -n "$2" >"$HOLD_FIFO" 2>&1 &
	hold_pid=$!
	exec {hold_fd}<"$HOLD_FIFO"
	read -r line <&"$hold_fd"
	[[ "$line" == holding* ]] || die "xtcp-echo $1 hold -n $2: $line"
	hold_secs=$(echo "scale=1; ($(date +%s%N) - $s) / 1000000000" | bc)
}

hold_stop() {
	kill "$hold_pid" 2>/dev/null
	wait "$hold_pid" 2>/dev/null
	exec {hold_fd}<&-
	rm -f "$HOLD_FIFO"
}

# list_ms N CMD...: the median time of CMD in ms, after checking that it
# lists at least N lines (-H: no header).
list_ms() {
	local n=$1 i s e lines times=()

	shift
	lines=$("$@" -H | wc -l)
	[ "$lines" -ge "$n" ] || die "$* listed $lines lines, not $n"
	for i in $(seq 1 "$SCALE_RUNS"); do
		s=$(date +%s%N)
		"$@" >/dev/null || die "$* failed"
		e=$(date +%s%N)
		times+=("$(echo "scale=1; ($e - $s) / 1000000" | bc)")
	done
	printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((SCALE_RUNS + 1) / 2))p"
}

declare -A scale
want scale || SCALE_SIZES=
# An empty listing: the start-up cost, taken off the per-line figures.
if [ -n "$SCALE_SIZES" ]; then
	scale[xtcp.0]=$(list_ms 0 tools/xtcpstat -an) || exit 1
	scale[tcp.0]=$(list_ms 0 ss -tan) || exit 1
fi
for n in $SCALE_SIZES; do
	hold_start "" "$n" 900
	scale[made.xtcp.$n]=$hold_secs
	scale[xtcp.$n]=$(list_ms "$n" tools/xtcpstat -an) || exit 1
	hold_stop
	hold_start -4 "$n" 910
	scale[made.tcp.$n]=$hold_secs
	scale[tcp.$n]=$(list_ms "$n" ss -tan) || exit 1
	hold_stop
done

mem_x=$(objsize XTCP)
mem_t=$(objsize TCP)

if want echo; then
printf '\n%-34s %12s %12s %10s\n' "benchmark (loopback, one VM)" XTCP TCP XTCP/TCP
printf '%-34s %12s %12s %10s\n' "echo throughput, MB/s ($BYTES)" \
	"${tput[xtcp]}" "${tput[tcp]}" "$(ratio "${tput[xtcp]}" "${tput[tcp]}")"
printf '%-34s %12s %12s %10s\n' "short connections per second" \
	"${rate[xtcp]}" "${rate[tcp]}" "$(ratio "${rate[xtcp]}" "${rate[tcp]}")"
fi
if [ -n "$mem_x" ] && [ -n "$mem_t" ] && want echo; then
	printf '%-34s %12s %12s %10s\n' "socket object, bytes (slab)" \
		"$mem_x" "$mem_t" "$(ratio "$mem_x" "$mem_t")"
fi


[ -n "$LINK_PROFILES" ] &&
printf '\n%-34s %12s %12s %10s\n' "goodput, MB/s (veth + netem)" XTCP TCP XTCP/TCP
for prof in $LINK_PROFILES; do
	read -r x xmin xmax <<<"${link[xtcp.$prof]}"
	read -r t tmin tmax <<<"${link[inet.$prof]}"
	printf '%-34s %12s %12s %10s\n' "$prof ($LINK_BYTES each way)" \
		"$x" "$t" "$(ratio "${x%\*}" "${t%\*}")"
	if [ "$LINK_RUNS" -gt 1 ]; then
		printf '%-34s %12s %12s\n' "  range of $LINK_RUNS runs" \
			"${xmin%\*}-${xmax%\*}" "${tmin%\*}-${tmax%\*}"
	fi
done
if [[ "${link[*]}" == *"*"* ]]; then
	echo "* did not finish within link_test's limit: goodput until it gave up"
fi

# Per line: the time beyond an empty listing's over the sockets listed;
# linear if about equal at every count.
per_line() { echo "scale=1; ($1 - $2) * 1000 / $3" | bc; }
[ -n "$SCALE_SIZES" ] &&
printf '\n%-34s %12s %12s %10s\n' "listing, ms (xtcpstat / ss -tan)" XTCP TCP XTCP/TCP
[ -n "$SCALE_SIZES" ] &&
printf '%-34s %12s %12s %10s\n' "-an, no socket" \
	"${scale[xtcp.0]}" "${scale[tcp.0]}" \
	"$(ratio "${scale[xtcp.0]}" "${scale[tcp.0]}")"
for n in $SCALE_SIZES; do
	printf '%-34s %12s %12s %10s\n' "-an, $n sockets" \
		"${scale[xtcp.$n]}" "${scale[tcp.$n]}" \
		"$(ratio "${scale[xtcp.$n]}" "${scale[tcp.$n]}")"
done
for n in $SCALE_SIZES; do
	printf '%-34s %12s %12s\n' "  per line, us ($n)" \
		"$(per_line "${scale[xtcp.$n]}" "${scale[xtcp.0]}" "$n")" \
		"$(per_line "${scale[tcp.$n]}" "${scale[tcp.0]}" "$n")"
done
for n in $SCALE_SIZES; do
	printf '%-34s %12s %12s %10s\n' "  made in, s ($n)" \
		"${scale[made.xtcp.$n]}" "${scale[made.tcp.$n]}" \
		"$(ratio "${scale[made.xtcp.$n]}" "${scale[made.tcp.$n]}")"
done

if [ -n "${loaded:-}" ]; then
	rmmod xtcp || die "rmmod failed"
fi
