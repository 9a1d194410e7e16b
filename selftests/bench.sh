#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: the same programs over XTCP and over Linux TCP in one VM,
# each measured BENCH_RUNS times, the two stacks taking turns run by run,
# and printed as the median and range of each stack and their ratio,
# arranged so that 1.0 or more is XTCP as good as TCP on every line
# (XTCP/TCP for rates, TCP/XTCP for memory).  Runs inside the VM, from the
# repo root.  Absolute numbers under TCG emulation mean little; the ratios
# are the result.  Documentation/bench.rst has the numbers measured so far.
#
# Parts (BENCH_ONLY, default all, in this order):
#   echo   echo throughput over loopback (tools/xtcp-echo), socket size
#   bulk   one-way bulk throughput over loopback (tools/xtcp-bench bulk)
#   veth   the same between two namespaces joined by a veth pair
#   delay  the same over the veth with netem "delay 10ms" on the sender
#   rr     1-byte request/response rate over one connection (loopback)
#   crr    connect, 1-byte request/response, close: rate (loopback)
#   mem    kernel memory (Slab) per idle established connection
#   link   goodput over veth + netem loss/reordering (selftests/link_test)
#   scale  "xtcpstat -an" against "ss -tan" on 10,000s of sockets
#
#   BENCH_RUNS    runs per stack of every measured line (default 5)
#   BENCH_BYTES   bytes echoed per echo run (default 128M)
#   BENCH_BULK_BYTES   bytes per loopback bulk run, over all streams (512M)
#   BENCH_VETH_BYTES   bytes per veth bulk run (512M)
#   BENCH_DELAY_BYTES  bytes per bulk run over the 10 ms path (256M)
#   BENCH_STREAMS      stream counts of the bulk parts (default "1 8")
#   BENCH_RR_SECS seconds per stack of each rr and crr run (default 2);
#                 one process runs both stacks, in turns of
#                 BENCH_RR_TURN seconds (default 0.1)
#   BENCH_RR_RUNS runs of the rr and crr lines (default 11)
#   BENCH_MEM_CONNS    idle connections held per mem run (default 2000)
#   BENCH_PERF    1: one more run of each bulk line and stack under
#                 "perf record -a -g", reports in .vm/bench/perf-*.txt
#   BENCH_LINK_BYTES  bytes each way per link run (default 16M)
#   BENCH_LINK_RUNS   link runs per stack and profile, median and range
#                 (default 1); the stacks take turns run by run
#   BENCH_LINK    link profiles, link_test variant names (default
#                 "loss_1_percent loss_5_percent reorder_25_percent")
#   BENCH_SCALE   socket counts at which "xtcpstat -an" is timed against
#                 "ss -tan" on as many TCP sockets (default "10000 100000")
#   BENCH_SCALE_RUNS  timed listings per tool and count, median (default 3)
#   BENCH_OUT     where the logs and profiles go (default .vm/bench)
#   BENCH_ONLY    the parts to run (default all of the above)
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
ECHO=tools/xtcp-echo
BENCH=tools/xtcp-bench
BYTES=${BENCH_BYTES:-128M}
RUNS=${BENCH_RUNS:-5}
BULK_BYTES=${BENCH_BULK_BYTES:-512M}
VETH_BYTES=${BENCH_VETH_BYTES:-512M}
DELAY_BYTES=${BENCH_DELAY_BYTES:-256M}
STREAMS=${BENCH_STREAMS:-1 8}
RR_SECS=${BENCH_RR_SECS:-2}
RR_RUNS=${BENCH_RR_RUNS:-11}
RR_TURN=${BENCH_RR_TURN:-0.1}
MEM_CONNS=${BENCH_MEM_CONNS:-2000}
LINK_BYTES=${BENCH_LINK_BYTES:-16M}
LINK_RUNS=${BENCH_LINK_RUNS:-1}
LINK_PROFILES=${BENCH_LINK:-loss_1_percent loss_5_percent reorder_25_percent}
LINK_TEST=selftests/link_test
SCALE_SIZES=${BENCH_SCALE:-10000 100000}
SCALE_RUNS=${BENCH_SCALE_RUNS:-3}
PARTS=${BENCH_ONLY:-echo bulk veth delay rr crr mem link scale}
OUT=${BENCH_OUT:-.vm/bench}
# The veth: this namespace's end (the clients') and the server's.
VETH_A=xtcpb0
VETH_B=xtcpb1
ADDR_A=10.78.0.1
ADDR_B=10.78.0.2
mkdir -p "$OUT"

die() { echo "bench: $*" >&2; exit 1; }

[ -x "$ECHO" ] || die "$ECHO not built: run make"
[ -x "$BENCH" ] || die "$BENCH not built: run make"
[ -x "$LINK_TEST" ] || die "$LINK_TEST not built: run make"
if [ ! -d /sys/module/xtcp ]; then
	insmod ./xtcp.ko || die "insmod failed"
	loaded=1
fi
ip link set lo up

want() { [[ " $PARTS " == *" $1 "* ]]; }

ratio() { echo "scale=2; $1 / $2" | bc; }

# flag STACK: xtcp-echo's and xtcp-bench's option for it.
flag() { [ "$1" = tcp ] && echo -4; }

# wait_line LOG PID WHAT: wait for the server's "listening" line.
wait_line() {
	local i

	for i in $(seq 1 500); do
		grep -q '^listening' "$1" && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.02
	done
	die "$3 did not start: $(cat "$1")"
}

# Start an echo server ($1: "" or -4, $2: port) and wait for it.
start_server() {
	local log=$OUT/server$1.log

	: >"$log"
	# shellcheck disable=SC2086
	$ECHO $1 server -b 127.0.0.1 -p "$2" >"$log" 2>&1 &
	server_pid=$!
	wait_line "$log" "$server_pid" "echo server $1"
}

# The xtcp-bench servers: one per stack and place (lo, or veth: in the
# namespace at the veth's far end).  Each listens on PORT and PORT + 1.
declare -A bench_pid
port_of() { if [ "$1" = tcp ]; then echo 7510; else echo 7500; fi; }
addr_of() { if [ "$1" = veth ]; then echo "$ADDR_B"; else echo 127.0.0.1; fi; }

bench_server() {
	local stack=$1 where=$2 log=$OUT/bench-server-$1-$2.log
	local -a pre=()

	[ -n "${bench_pid[$stack.$where]:-}" ] && return 0
	[ "$where" = veth ] && pre=(nsenter -t "$ns_pid" -n)
	: >"$log"
	# shellcheck disable=SC2046
	"${pre[@]}" "$BENCH" $(flag "$stack") server -b "$(addr_of "$where")" \
		-p "$(port_of "$stack")" >"$log" 2>&1 &
	bench_pid[$stack.$where]=$!
	wait_line "$log" "$!" "xtcp-bench server ($stack, $where)"
}

stop_servers() {
	local k

	for k in "${!bench_pid[@]}"; do
		kill "${bench_pid[$k]}" 2>/dev/null
		wait "${bench_pid[$k]}" 2>/dev/null
	done
	bench_pid=()
}

# The veth: a namespace held by a sleeping process (ns_pid) at the
# server's end, this one at the clients'.  Whole segments of 64 KiB go
# through the veth where a stack makes them (GSO): each stack as it is.
ns_pid=
veth_up() {
	[ -n "$ns_pid" ] && return 0
	unshare -n sleep 1000000 &
	ns_pid=$!
	sleep 0.2
	ip link add "$VETH_A" type veth peer name "$VETH_B" netns "$ns_pid" ||
		die "ip link add $VETH_A type veth"
	ip addr add "$ADDR_A/24" dev "$VETH_A" || die "ip addr add"
	ip link set "$VETH_A" up || die "ip link set up"
	nsenter -t "$ns_pid" -n sh -c "ip link set lo up &&
		ip addr add $ADDR_B/24 dev $VETH_B &&
		ip link set $VETH_B up" || die "setting up $VETH_B"
	for _ in $(seq 1 100); do
		grep -q up "/sys/class/net/$VETH_A/operstate" && return 0
		sleep 0.05
	done
	die "$VETH_A has no carrier"
}

veth_down() {
	[ -n "$ns_pid" ] || return 0
	ip link del "$VETH_A" 2>/dev/null
	kill "$ns_pid" 2>/dev/null
	wait "$ns_pid" 2>/dev/null
	ns_pid=
}

# One run of a workload, printing its number: STACK then the arguments.
#   bulk_run STACK WHERE STREAMS BYTES    MB/s to the last byte received
#   echo_run STACK                        echo MB/s
#   mem_run STACK                         Slab bytes per idle connection
bulk_run() {
	local line

	# shellcheck disable=SC2046
	line=$("$BENCH" $(flag "$1") bulk -a "$(addr_of "$2")" \
		-p "$(port_of "$1")" -P "$3" -s "$4") || return 1
	sed -n 's/.*(\([0-9.]*\) MB\/s).*/\1/p' <<<"$line"
}

# rr_turns rr|crr: "XTCP TCP" transactions per second, from one process
# that runs both stacks in turns of RR_TURN seconds (xtcp-bench -T): a
# pair of separate 2 s runs spread by +-15% with the host's load, a pair
# of runs in turns by +-2%.
rr_turns() {
	local out x t

	out=$("$BENCH" "$1" -a 127.0.0.1 -p "$(port_of xtcp)" \
		-T "$(port_of tcp)" -t "$RR_TURN" -l "$RR_SECS") || return 1
	x=$(sed -n 's/^[a-z]* xtcp: .*(\([0-9.]*\) per s).*/\1/p' <<<"$out")
	t=$(sed -n 's/^[a-z]* tcp: .*(\([0-9.]*\) per s).*/\1/p' <<<"$out")
	[ -n "$x" ] && [ -n "$t" ] && echo "$x $t"
}

echo_run() {
	local line port=7401

	[ "$1" = tcp ] && port=7402
	# shellcheck disable=SC2046
	line=$($ECHO $(flag "$1") client -a 127.0.0.1 -p "$port" -s "$BYTES") ||
		return 1
	sed -n 's/.*(\([0-9.]*\) MB\/s).*/\1/p' <<<"$line"
}

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

slab_kb() { awk '/^Slab:/ { print $2 }' /proc/meminfo; }

# Wait (30 s at most) until Slab moves by less than 256 KiB in a second:
# a namespace a part before deleted is freed by a kernel worker later,
# and sockets leave TIME_WAIT; frees inside a run would count against it.
slab_settle() {
	local i prev now

	prev=$(slab_kb)
	for i in $(seq 30); do
		sleep 1
		now=$(slab_kb)
		[ "$((prev - now))" -lt 256 ] && [ "$((now - prev))" -lt 256 ] &&
			return 0
		prev=$now
	done
	echo "bench: Slab still moving after 30 s" >&2
}

# Wait (70 s at most) until no socket of either stack is in TIME_WAIT
# (state 06 in /proc/net/tcp and /proc/net/xtcp): those the parts before
# left (the crr part's, tens of thousands) end 60 s after they began, and
# each one freed during a memory run counts against it (for XTCP a whole
# socket: runs read 2,449 and -4,638 bytes per connection).
tw_settle() {
	local i

	for i in $(seq 70); do
		[ "$(awk '$4 == "06"' /proc/net/tcp /proc/net/xtcp 2>/dev/null |
			wc -l)" -eq 0 ] && return 0
		sleep 1
	done
	echo "bench: sockets still in TIME_WAIT after 70 s" >&2
}

# Slab growth over MEM_CONNS idle loopback connections (both their ends,
# from "xtcp-echo hold"), per connection.  The caches are dropped first,
# and what the runs before freed has gone (RCU, namespaces, TIME_WAIT).
mem_run() {
	local port=900 before after

	[ "$1" = tcp ] && port=910
	tw_settle
	sync
	echo 3 >/proc/sys/vm/drop_caches
	slab_settle
	before=$(slab_kb)
	hold_start "$(flag "$1")" "$((2 * MEM_CONNS + 1))" "$port"
	after=$(slab_kb)
	hold_stop
	echo "($after - $before) * 1024 / $MEM_CONNS" | bc
}

# "median min max" of the numbers given (a "*" after one is kept).
stats() {
	printf '%s\n' "$@" | sort -g | awk -v n=$# '
		NR == 1 { min = $0 }
		NR == int((n + 1) / 2) { med = $0 }
		{ max = $0 }
		END { print med, min, max }'
}

# measure KEY LABEL DIR FN ARGS...: RUNS (LINE_RUNS if set) runs of
# "FN STACK ARGS..." for each stack, the stacks taking turns; with
# BOTH set, one run of "FN ARGS..." gives both ("XTCP TCP").  DIR is
# the ratio that is better above 1: x/t (XTCP/TCP, rates) or t/x
# (TCP/XTCP, memory).  Each pair of runs (the same moment) gives a ratio
# too: their median and range are printed.
declare -A res
rows=()
measure() {
	local key=$1 label=$2 dir=$3 fn=$4 i x t
	local -a rx=() rt=() rr=()

	shift 4
	for i in $(seq 1 "${LINE_RUNS:-$RUNS}"); do
		if [ -n "${BOTH:-}" ]; then
			read -r x t <<<"$("$fn" "$@")"
			[ -n "$t" ] || die "$label: $fn $* failed"
		else
			x=$("$fn" xtcp "$@")
			[ -n "$x" ] || die "$label: $fn xtcp $* failed"
			t=$("$fn" tcp "$@")
			[ -n "$t" ] || die "$label: $fn tcp $* failed"
		fi
		rx+=("$x")
		rt+=("$t")
		if [ "$dir" = t/x ]; then
			rr+=("$(ratio "$t" "$x")")
		else
			rr+=("$(ratio "$x" "$t")")
		fi
		echo "$key run $i: xtcp $x tcp $t" >>"$OUT/runs.txt"
	done
	res[$key.xtcp]=$(stats "${rx[@]}")
	res[$key.tcp]=$(stats "${rt[@]}")
	res[$key.pairs]=$(stats "${rr[@]}")
	res[$key.label]=$label
	res[$key.dir]=$dir
	rows+=("$key")
	[ -n "${BENCH_PERF:-}" ] && [ "$fn" = bulk_run ] && profile "$key" "$@"
	return 0
}

# profile KEY WHERE STREAMS BYTES: one more bulk run of each stack under
# "perf record -a -g" (the whole VM); the top of "perf report" by symbol
# (self and with children) and by object goes to $OUT/perf-KEY-STACK.txt.
# One perf record runs throughout (under TCG it takes minutes to start)
# and writes a file of its own for each run on SIGUSR2.
perf_pid=
perf_dumps=0
# perf_switch [retry]: have perf record start a new file; perf_file is
# the one it closed.  perf takes SIGUSR2 before it heeds it: the first
# switch ("retry", its file thrown away) sends it until perf answers.
perf_switch() {
	local i

	perf_dumps=$((perf_dumps + 1))
	kill -USR2 "$perf_pid" || die "perf record died: $(cat "$OUT/perf.log")"
	# Polled often: the wait after a switch opens the next file.
	for i in $(seq 1 12000); do
		[ "$(grep -c 'Dump ' "$OUT/perf.log")" -ge "$perf_dumps" ] && break
		sleep 0.05
		if [ -n "${1:-}" ] && [ $((i % 100)) = 0 ]; then
			kill -USR2 "$perf_pid" || die "perf record died"
		fi
	done
	perf_dumps=$(grep -c 'Dump ' "$OUT/perf.log")
	perf_file=$(sed -n 's/.*Dump \(.*\) \]$/\1/p' "$OUT/perf.log" |
		tail -n 1)
	[ -f "$perf_file" ] || die "perf record wrote no file $perf_dumps"
}

profile() {
	local key=$1 where=$2 streams=$3 bytes=$4 stack data txt

	if [ -z "$perf_pid" ]; then
		rm -f "$OUT"/perf.data*
		perf record -e cpu-clock -F 999 -a -g -B -N \
			--switch-output=signal -o "$OUT/perf.data" \
			>"$OUT/perf.log" 2>&1 &
		perf_pid=$!
		# For "perf report --kallsyms" on the host, which is faster.
		cat /proc/kallsyms >"$OUT/kallsyms"
		# SIGUSR2 kills it until it catches it (bit 12 of SigCgt).
		until [ $((0x$(awk '/^SigCgt/ { print $2 }' \
			"/proc/$perf_pid/status") & 0x800)) -ne 0 ]; do
			kill -0 "$perf_pid" || die "perf record failed: $(cat "$OUT/perf.log")"
			sleep 1
		done
		perf_switch retry
		sleep 3
		rm -f "$OUT"/perf.data.*
		perf_dumps=$(grep -c 'Dump ' "$OUT/perf.log")
	fi
	# Each file spans its run alone: what came before it (the last
	# report, perf's own start) goes to a file thrown away.
	for stack in xtcp tcp; do
		perf_switch
		rm -f "$perf_file"
		bulk_run "$stack" "$where" "$streams" "$bytes" \
			>"$OUT/perf-$key-$stack.txt"
		perf_switch
		mv "$perf_file" "$OUT/perf-$key-$stack.data"
	done
	for stack in xtcp tcp; do
		data=$OUT/perf-$key-$stack.data
		txt=$OUT/perf-$key-$stack.txt
		{
			perf report -i "$data" --no-children --sort sym \
				--stdio -g none --percent-limit 0.5 |
				grep -v '^$' | head -n 50
			perf report -i "$data" --children --sort sym \
				--stdio -g none --percent-limit 2 |
				grep -v '^$' | head -n 60
			perf report -i "$data" --no-children --sort dso \
				--stdio -g none | grep -v '^$' | head -n 20
		} >>"$txt" 2>/dev/null
	done
}

perf_stop() {
	[ -n "$perf_pid" ] || return 0
	kill -TERM "$perf_pid"
	wait "$perf_pid"
	rm -f "$OUT"/perf.data.*
	perf_pid=
}

: >"$OUT/runs.txt"
mem_x=$(awk '$1 == "XTCP" { print $4 }' /proc/slabinfo)
mem_t=$(awk '$1 == "TCP" { print $4 }' /proc/slabinfo)

if want echo; then
	start_server "" 7401
	echo_pids=$server_pid
	start_server -4 7402
	echo_pids+=" $server_pid"
	measure echo "echo throughput, MB/s ($BYTES)" x/t echo_run
	# shellcheck disable=SC2086
	kill $echo_pids 2>/dev/null
	wait 2>/dev/null
fi

if want bulk; then
	bench_server xtcp lo
	bench_server tcp lo
	for n in $STREAMS; do
		measure "bulk$n" "bulk loopback, $n stream(s), MB/s" x/t \
			bulk_run lo "$n" "$BULK_BYTES"
	done
fi
if want rr || want crr; then
	bench_server xtcp lo
	bench_server tcp lo
fi
want rr && BOTH=1 LINE_RUNS=$RR_RUNS measure rr \
	"1-byte request/response, per s" x/t rr_turns rr
want crr && BOTH=1 LINE_RUNS=$RR_RUNS measure crr \
	"connect+request+close, per s" x/t rr_turns crr
stop_servers

if want veth || want delay; then
	veth_up
	bench_server xtcp veth
	bench_server tcp veth
fi
if want veth; then
	for n in $STREAMS; do
		measure "veth$n" "bulk veth, $n stream(s), MB/s" x/t \
			bulk_run veth "$n" "$VETH_BYTES"
	done
fi
if want delay; then
	tc qdisc add dev "$VETH_A" root netem delay 10ms limit 100000 ||
		die "tc qdisc add dev $VETH_A root netem delay 10ms"
	for n in $STREAMS; do
		measure "delay$n" "bulk veth 10ms, $n stream(s), MB/s" x/t \
			bulk_run veth "$n" "$DELAY_BYTES"
	done
	tc qdisc del dev "$VETH_A" root
fi
stop_servers
veth_down
perf_stop

want mem && measure mem "memory per idle connection, bytes" t/x mem_run

# The table: median (min-max) of each stack, the ratio of the medians
# and the median and range of the ratios of the pairs of runs made
# together (the pairs see the same moment of the host's load).
range() { read -r m lo hi <<<"$1"; echo "$m ($lo-$hi)"; }
if [ ${#rows[@]} -gt 0 ]; then
	printf '\n%s runs each (%s of request/response lines, in turns of %s s\n' \
		"$RUNS" "$RR_RUNS" "$RR_TURN"
	printf 'in one process), median (min-max);\n'
	printf 'ratio: XTCP/TCP, or TCP/XTCP where marked (memory): 1.0 or more\n'
	printf 'is XTCP as good as TCP.\n'
	printf '%-36s %22s %22s %6s %17s\n' "benchmark (one VM)" XTCP TCP ratio \
		"pairs"
	for key in "${rows[@]}"; do
		read -r x _ <<<"${res[$key.xtcp]}"
		read -r t _ <<<"${res[$key.tcp]}"
		if [ "${res[$key.dir]}" = t/x ]; then
			r="$(ratio "$t" "$x") T/X"
		else
			r=$(ratio "$x" "$t")
		fi
		printf '%-36s %22s %22s %6s %17s\n' "${res[$key.label]}" \
			"$(range "${res[$key.xtcp]}")" "$(range "${res[$key.tcp]}")" \
			"$r" "$(range "${res[$key.pairs]}")"
	done
fi
if [ -n "$mem_x" ] && [ -n "$mem_t" ] && want echo; then
	printf '%-36s %22s %22s %6s\n' "socket object, bytes (slab)" \
		"$mem_x" "$mem_t" "$(ratio "$mem_t" "$mem_x") T/X"
fi

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
	link[xtcp.$prof]=$(stats "${runs_xtcp[@]}")
	link[inet.$prof]=$(stats "${runs_inet[@]}")
done

# The listing of many idle sockets: "xtcpstat -an" on N XTCP sockets
# against "ss -tan" on N TCP sockets, each held by "xtcp-echo hold" (a
# listener and connections to it over loopback).  Each time is the median
# of $SCALE_RUNS listings to /dev/null; a listing that shows fewer lines
# than there are sockets fails the bench.  The clients bind ports from
# 1024 up: TCP's ephemeral port search alone would take minutes.

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
