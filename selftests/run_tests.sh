#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The XTCP selftest runner.  Runs INSIDE the test VM, as root, from any cwd:
#
#   tools/vm/run-vm.sh selftests/run_tests.sh     (what "make check" does)
#
# It loads ./xtcp.ko, checks that every arc of the state machine document
# has a test, runs every selftests/*_test program (sorted; those that
# unload the module first), each in selftests/ as its cwd, in its own
# session and bounded by a timeout, unloads the module and checks the
# kernel log.  Each test case the kselftest harness reports counts; so do
# "load", "arcs", "unload", "dmesg-clean: PROGRAM" (the kernel log while
# PROGRAM ran, cut out by markers written to /dev/kmsg before and after
# it) and "dmesg-clean" (the rest of the run's log: load and unload).
# After each program it asks kmemleak, when the kernel has it (the scan
# runs while the next program starts).  The last line printed is "N
# passed, N failed" (", N skipped" when some were skipped); the exit
# status is non-zero on any failure.
#
# What fails, beyond a failed test case: no test program at all; a
# program that reports no result (even if it exits 0), fewer results than
# it planned, or exits non-zero; "not ok ... # TODO"; an arc of
# Documentation/state-machine.rst that no test case or variant is named
# after (ARC or ARC__more); a program whose bound in selftests/settings is
# below what its tests declare to the harness; a kernel log that cannot
# be read or has a warning, a sanitizer's report or a leak in it.
#
# Time limits: selftests/settings, kselftest style.  "timeout=N" bounds
# every program to N seconds; "PROGRAM.timeout=N" bounds PROGRAM alone.
# The bound must be at least the sum of the limits its test cases declare
# (the harness's 30 s each, or TEST_F_TIMEOUT's, times the fixture's
# variants); if not, that is a failure ("settings: PROGRAM") and the sum
# is used.  selftests/config lists the kernel options the tests need.
#
# Strict mode: XTCP_STRICT=1 is exported to the tests unless set to 0.
# In the project's VM every precondition a test has (tc and netem,
# tracefs, the net.xtcp.* sysctls) holds, so there a missing one fails the
# test instead of skipping it.  Set XTCP_STRICT=0 on a foreign kernel.
#
# Logs: .vm/logs/<test>.log, the kernel log of each program in
# .vm/logs/dmesg-<test>.log and of the whole run in .vm/logs/dmesg.log.
# They are written to a directory of their own, .vm/logs.XXXXXX, while the
# run lasts (several VMs may share a checkout), and moved to .vm/logs at
# its end.
#
# Environment:
#   XTCP_TESTS="a_test b_test"  run only these programs
#   XTCP_MODPARAMS="family=18"  module parameters for insmod
#   XTCP_TEST_TIMEOUT=N         raise every program's bound to N seconds
#   XTCP_UNPIN_BOUND=600        seconds to wait for the module to be free
#                               before a PROGRAM.unloads=1 and at the end
#   XTCP_KMEMLEAK_WAIT=5        seconds to wait before a kmemleak scan (it
#                               does not report objects younger than 5 s)
#   XTCP_KMEMLEAK_GAP=90        seconds at least from one scan's start to
#                               the next's, while programs run
#   XTCP_STRICT=0               skip, not fail, on a missing precondition
#   XTCP_JOBS=2                 run the PROGRAM.parallel=1 programs in a
#                               second lane, beside the others
# Tests get XTCP_ROOT (the repo root) and XTCP_STRICT in their environment.
set -uo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TESTDIR=$ROOT/selftests
MODULE=$ROOT/xtcp.ko
KMEMLEAK=/sys/kernel/debug/kmemleak
SETTINGS=$TESTDIR/settings
ARCDOC=$ROOT/Documentation/state-machine.rst
KMEMLEAK_WAIT=${XTCP_KMEMLEAK_WAIT:-5}
RUNID="run $$ $(date +%s.%N)"
MARK="xtcp-selftests: $RUNID start"
# Each program's slice of the kernel log: "<PMARK> begin [PROG]" to
# "<PMARK> end [PROG]".
PMARK="xtcp-selftests: $RUNID program"
export XTCP_ROOT=$ROOT
export XTCP_STRICT=${XTCP_STRICT:-1}

# shellcheck source=selftests/lib.sh
. "$TESTDIR/lib.sh"

cd "$ROOT" || exit 1

# ---- logs -----------------------------------------------------------------
mkdir -p "$ROOT/.vm" 2>/dev/null
# Leftovers of runs that died (a VM that panicked) an hour ago or more.
find "$ROOT/.vm" -maxdepth 1 -type d -name 'logs.??????' -mmin +60 \
	-exec rm -rf {} + 2>/dev/null
if ! LOGDIR=$(mktemp -d "$ROOT/.vm/logs.XXXXXX"); then
	echo "run_tests: cannot create a log directory in $ROOT/.vm" >&2
	xt_result fail load "cannot write logs"
	xt_summary
	exit 1
fi
chmod 0755 "$LOGDIR"

publish_logs() {
	rm -rf "$ROOT/.vm/logs"
	mv "$LOGDIR" "$ROOT/.vm/logs" 2>/dev/null || true
}

# cpu_busy: the share of the guest's CPU time that was not idle since
# the run began (two lanes are worth it only while it is well below 100%).
read -r _ CPU0 </proc/stat
cpu_busy() {
	local now

	read -r _ now </proc/stat
	# user nice system idle iowait ...: idle and iowait are not busy.
	awk -v a="$CPU0" -v b="$now" 'BEGIN {
		n = split(a, x, " "); split(b, y, " ")
		for (i = 1; i <= n; i++) {
			d = y[i] - x[i]; all += d
			if (i == 4 || i == 5) idle += d
		}
		if (all > 0) printf "%d%%\n", 100 * (all - idle) / all
	}'
}

finish() {
	echo "# ==== CPUs busy $(cpu_busy) of the run"
	publish_logs
	xt_summary
	exit
}

if ! xt_kmsg_mark "$MARK"; then
	xt_result fail dmesg-clean "cannot write a marker to /dev/kmsg"
fi

if ! mountpoint -q /sys/kernel/debug 2>/dev/null; then
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null || true
fi
if [ -w "$KMEMLEAK" ]; then
	echo clear >"$KMEMLEAK"
	echo "run_tests: kmemleak is on"
fi

# kmemleak_scan: one scan, then what it reports (nothing: no leak).
kmemleak_scan() {
	echo scan 2>/dev/null >"$KMEMLEAK" && cat "$KMEMLEAK" 2>&1
}

# kmemleak_job WHAT: a kmemleak check, its outcome in files for
# kmemleak_result.  Objects younger than 5 s are not reported, hence the
# wait.  A report is confirmed by a second scan, which lists only what is
# still unreferenced then: an object that was only in flight (a pointer in
# a register) is dropped.  A scan takes 20 s and more under KASAN and TCG,
# so a clean first scan is the answer.
kmemleak_job() {
	local what=$1 report start=$SECONDS end=$((SECONDS + ${2:-$KMEMLEAK_WAIT}))

	# The gap ends early once the programs have all ended (kmemleak_drain).
	sleep "$KMEMLEAK_WAIT"
	while [ "$SECONDS" -lt "$end" ] && [ ! -e "$LOGDIR/kmemleak.drain" ]; do
		sleep 1
	done
	if ! report=$(kmemleak_scan) ||
	   { [ -n "$report" ] && ! report=$(kmemleak_scan); }; then
		: >"$LOGDIR/kmemleak-$what.failed"
	elif [ -n "$report" ]; then
		printf '%s\n' "$report" >"$LOGDIR/kmemleak-$what.log"
		echo clear >"$KMEMLEAK"
	fi
	echo "$((SECONDS - start))" >"$LOGDIR/kmemleak-$what.time"
}

# kmemleak_result WHAT: the outcome of kmemleak_job WHAT; a report is a
# failure named "kmemleak: WHAT".
kmemleak_result() {
	local what=$1 took

	took=$(cat "$LOGDIR/kmemleak-$what.time" 2>/dev/null)
	rm -f "$LOGDIR/kmemleak-$what.time"
	echo "# ==== kmemleak after $what: ${took:-?}s"
	if [ -e "$LOGDIR/kmemleak-$what.failed" ]; then
		xt_result fail "kmemleak: $what" "kmemleak cannot scan (off after an error?)"
	elif [ -s "$LOGDIR/kmemleak-$what.log" ]; then
		head -n 60 "$LOGDIR/kmemleak-$what.log"
		xt_result fail "kmemleak: $what" "see .vm/logs/kmemleak-$what.log"
	fi
}

# kmemleak_check WHAT: a kmemleak check now.
kmemleak_check() {
	[ -w "$KMEMLEAK" ] || return 0
	kmemleak_job "$1"
	kmemleak_result "$1"
}

# kmemleak_after PROGRAM: PROGRAM ended; a check after it runs while the
# next programs run: a scan is what kmemleak's own thread does every 10
# minutes while the machine works, and its half minute would otherwise be
# added to every program.  One check runs at a time; the programs that end
# while it runs are checked together by the next ("a_test+b_test").  An
# object a running program leaked in its first moments could be named
# after one that ended; the report's allocation traces say whose it is.
# kmemleak_ended takes the running check's result (when its process ends)
# and starts the next; kmemleak_drain waits for every check.  Scans start
# KMEMLEAK_GAP seconds apart at least: back to back they kept one of the
# CPUs busy for half of the run.
KMEMLEAK_GAP=${XTCP_KMEMLEAK_GAP:-90}
KMEMLEAK_LAST=
KMEMLEAK_PID=
KMEMLEAK_WHAT=
KMEMLEAK_PENDING=
kmemleak_after() {
	[ -w "$KMEMLEAK" ] || return 0
	KMEMLEAK_PENDING+=${KMEMLEAK_PENDING:++}$1
	[ -n "$KMEMLEAK_PID" ] || kmemleak_next
}

kmemleak_next() {
	local wait=$KMEMLEAK_WAIT

	[ -n "$KMEMLEAK_PENDING" ] || return 0
	KMEMLEAK_WHAT=$KMEMLEAK_PENDING
	KMEMLEAK_PENDING=
	if [ -n "$KMEMLEAK_LAST" ] &&
	   [ $((KMEMLEAK_LAST + KMEMLEAK_GAP - SECONDS)) -gt "$wait" ]; then
		wait=$((KMEMLEAK_LAST + KMEMLEAK_GAP - SECONDS))
	fi
	KMEMLEAK_LAST=$((SECONDS + wait))
	kmemleak_job "$KMEMLEAK_WHAT" "$wait" &
	KMEMLEAK_PID=$!
}

kmemleak_ended() {
	wait "$KMEMLEAK_PID"
	KMEMLEAK_PID=
	kmemleak_result "$KMEMLEAK_WHAT"
	kmemleak_next
}

kmemleak_drain() {
	: >"$LOGDIR/kmemleak.drain"
	while [ -n "$KMEMLEAK_PID" ]; do
		kmemleak_ended
	done
	rm -f "$LOGDIR/kmemleak.drain"
}

# dmesg_check NAME LOGFILE: the lines of the kernel log in LOGFILE that
# mean trouble fail "NAME"; else NAME passes.
dmesg_check() {
	local name=$1 file=$2 bad

	bad=$(xt_kernel_bad <"$file")
	if [ -n "$bad" ]; then
		echo "run_tests: the kernel log has:"
		printf '%s\n' "$bad" | head -n 200
		xt_result fail "$name" "see .vm/logs/${file##*/}"
	else
		xt_result pass "$name"
	fi
}

# program_log_check TEST: the kernel log while TEST ran.
program_log_check() {
	local t=$1 file=$LOGDIR/dmesg-$1.log log

	if ! log=$(xt_kernel_log); then
		xt_result fail "dmesg-clean: $t" "dmesg failed"
		return
	fi
	if ! printf '%s\n' "$log" |
		xt_kernel_log_between "$PMARK begin [$t]" "$PMARK end [$t]" >"$file"; then
		xt_result fail "dmesg-clean: $t" "its start marker is not in the kernel log (overwritten?)"
		return
	fi
	dmesg_check "dmesg-clean: $t" "$file"
}

# kernel_log_check: the whole run's kernel log, without the programs'
# slices (each was checked on its own): load, unload and in between.
kernel_log_check() {
	local log

	if ! log=$(xt_kernel_log); then
		xt_result fail dmesg-clean "dmesg failed"
		return
	fi
	if ! printf '%s\n' "$log" |
		xt_kernel_log_between "$MARK" >"$LOGDIR/dmesg.log"; then
		xt_result fail dmesg-clean "the run's marker is not in the kernel log (overwritten?)"
		return
	fi
	xt_kernel_log_outside "$PMARK begin [" "$PMARK end [" \
		<"$LOGDIR/dmesg.log" >"$LOGDIR/dmesg-rest.log"
	dmesg_check dmesg-clean "$LOGDIR/dmesg-rest.log"
}

# arcs_check: every arc of the state machine document has a test case or
# fixture variant named after it (ARC, or ARC__more).
arcs_check() {
	local arc n=0 missing=0

	if [ ! -r "$ARCDOC" ]; then
		xt_result fail arcs "no ${ARCDOC#"$ROOT"/}"
		return
	fi
	for arc in $(xt_doc_arcs "$ARCDOC"); do
		n=$((n + 1))
		if ! xt_arc_tested "$arc" "$TESTDIR"/*_test.c; then
			xt_result fail "arc $arc" "no test case is named after it"
			missing=$((missing + 1))
		fi
	done
	if [ "$n" -eq 0 ]; then
		xt_result fail arcs "no arc names in ${ARCDOC#"$ROOT"/}"
	elif [ "$missing" -eq 0 ]; then
		xt_result pass arcs "$n arcs, each named by a test"
	fi
}

# test_timeout TEST: set TIMEOUT to the bound for TEST, in seconds (see
# the header).
test_timeout() {
	local t=$1 bound declared

	bound=$(xt_setting "$SETTINGS" "$t.timeout")
	[ -n "$bound" ] || bound=$(xt_setting "$SETTINGS" timeout)
	[ -n "$bound" ] || bound=45
	if [ -n "${XTCP_TEST_TIMEOUT:-}" ] && [ "$XTCP_TEST_TIMEOUT" -gt "$bound" ]; then
		bound=$XTCP_TEST_TIMEOUT
	fi
	if [ -f "$TESTDIR/$t.c" ]; then
		declared=$(xt_declared_timeout "$TESTDIR/$t.c")
		if [ "$bound" -lt "$declared" ]; then
			xt_result fail "settings: $t" \
				"bound ${bound}s is below the ${declared}s its tests declare: add $t.timeout=$declared to selftests/settings"
			bound=$declared
		fi
	fi
	TIMEOUT=$bound
}

# ---- load -----------------------------------------------------------------
load() {
	local out dep

	if [ "$(id -u)" -ne 0 ]; then
		xt_result fail load "must run as root (in the VM: tools/vm/run-vm.sh)"
		return 1
	fi
	if [ ! -f "$MODULE" ]; then
		xt_result fail load "no $MODULE: run make"
		return 1
	fi
	if [ -d /sys/module/xtcp ]; then
		rmmod xtcp 2>/dev/null ||
			{ xt_result fail load "xtcp is already loaded and cannot be removed"; return 1; }
	fi
	# What the module and the tests need from other modules.
	for dep in $(modinfo -F depends "$MODULE" 2>/dev/null | tr ',' ' ') veth sch_netem; do
		modprobe -q "$dep" 2>/dev/null || true
	done
	# shellcheck disable=SC2086 # XTCP_MODPARAMS is a list of words
	if ! out=$(insmod "$MODULE" ${XTCP_MODPARAMS:-} 2>&1); then
		echo "$out"
		xt_kernel_log | xt_kernel_log_between "$MARK" | tail -n 20
		xt_result fail load "insmod ${MODULE##*/} ${XTCP_MODPARAMS:-}: ${out##*: }"
		return 1
	fi
	xt_result pass load "${XTCP_MODPARAMS:-}"
}

if ! load; then
	kmemleak_check load
	kernel_log_check
	finish
fi

# ---- the test programs ----------------------------------------------------
tests=()
if [ -n "${XTCP_TESTS:-}" ]; then
	for t in $XTCP_TESTS; do
		t=${t#./}
		t=${t#selftests/}
		if [ ! -e "$TESTDIR/$t" ] && [ -e "$TESTDIR/${t}_test" ]; then
			t=${t}_test
		fi
		tests+=("$t")
	done
else
	# Programs that unload the module first, while no orphan of another
	# program holds it (see unpinned); then the rest, sorted.
	for first in 1 0; do
		for f in "$TESTDIR"/*_test; do
			[ -f "$f" ] && [ -x "$f" ] || continue
			unloads=$(xt_setting "$SETTINGS" "${f##*/}.unloads")
			if { [ "$first" = 1 ] && [ "$unloads" = 1 ]; } ||
			   { [ "$first" = 0 ] && [ "$unloads" != 1 ]; }; then
				tests+=("${f##*/}")
			fi
		done
	done
fi
if [ "${#tests[@]}" -eq 0 ]; then
	xt_result fail selftests "no selftests/*_test programs (make selftests builds them)"
fi

arcs_check

STDBUF=()
if command -v stdbuf >/dev/null 2>&1; then
	STDBUF=(stdbuf -oL -eL)
fi

# Two lanes (XTCP_JOBS=2): two programs run at once when one of them is
# marked "PROGRAM.parallel=1" in settings (it runs in namespaces of its own
# and asserts nothing another program changes); a program that unloads
# the module, or is marked "PROGRAM.alone=1", runs alone (see fill for
# which program a free lane takes).  Under TCG a debug kernel's VM
# otherwise keeps one of its two CPUs idle most of the time.
# The first lane's output is shown as it comes, the second's when its
# program ends.  A kernel log line while two programs ran is in both their
# slices.  With one lane (the default) every program runs alone, in order.
JOBS=${XTCP_JOBS:-1}
queue=("${tests[@]}")
# Each program's kind, read from settings once: "alone", "parallel" or
# empty.  A process start costs half a second on the debug kernel, and
# the lanes ask for every queued program at every start.
#
# Two lanes: the heaviest programs first ("PROGRAM.weight=N" in settings,
# about its seconds on the debug kernel), so that short ones fill in at
# the end and the run does not end with one long program alone.  Before
# them those that unload the module, then the others that run alone,
# while both lanes are free anyway.  sort -s keeps the rest in order.
declare -A kind=()
order=()
for t in "${tests[@]}"; do
	w=0
	if [ "$(xt_setting "$SETTINGS" "$t.unloads")" = 1 ]; then
		kind[$t]=alone
		w=2000000
	elif [ "$(xt_setting "$SETTINGS" "$t.alone")" = 1 ]; then
		kind[$t]=alone
		w=1000000
	elif [ "$(xt_setting "$SETTINGS" "$t.parallel")" = 1 ]; then
		kind[$t]=parallel
	fi
	if [ "$JOBS" -gt 1 ]; then
		weight=$(xt_setting "$SETTINGS" "$t.weight")
		order+=("$((w + ${weight:-0})) $t")
	fi
done
if [ "$JOBS" -gt 1 ]; then
	mapfile -t queue < <(printf '%s\n' "${order[@]}" |
		sort -s -k1,1nr | cut -d' ' -f2)
fi

# unpinned BOUND: wait up to BOUND seconds until nothing holds the module.
# On a lockdep kernel every socket pins the module that named its lock
# classes (sk_owner_set() in sock_lock_init_class_and_name()), orphans
# included: rmmod is refused until the last one ends.  On other kernels
# only open sockets hold it.  0 if the module is free (or not loaded).
unpinned() {
	local start=$SECONDS ref shown=

	while ref=$(cat /sys/module/xtcp/refcnt 2>/dev/null) && [ "$ref" != 0 ]; do
		[ "$SECONDS" -lt $((start + $1)) ] || return 1
		# Once, what holds it (the module's debugfs list, every
		# namespace) and which timer ends each.
		if [ -z "$shown" ] && [ "$SECONDS" -ge $((start + 5)) ]; then
			holders
			shown=1
		fi
		sleep 1
	done
	return 0
}

# holders: the module's sockets, the first 40 of them.
holders() {
	local f=/sys/kernel/debug/xtcp/sockets

	[ -r "$f" ] || return 0
	echo "# ==== the module's sockets ($(($(wc -l <"$f") - 1)) in all):"
	head -n 41 "$f" | sed 's/^/# /'
}
UNPIN_BOUND=${XTCP_UNPIN_BOUND:-600}

# Per lane (main, side): the program running, its pid, start time, bound,
# and the tail that shows its output.
declare -A lane_test=() lane_pid=() lane_start=() lane_tail=() lane_bound=()

# trace_hold on|off: keep every xtcp event registered twice, in two
# tracefs instances that record nothing, for as long as the module stays
# loaded.  Enabling an event then adds a third probe and disabling it
# removes one, which patches no kernel text: going from none to one probe
# flips a static key, from one to two a static call, and each such patch
# (text_poke_bp) waits for an IPI to every CPU.  Under TCG such an IPI was
# sometimes lost, and the CPU that enabled or disabled the event locked up
# (xtcpstat's live modes, the tracepoint test).  The holders also keep the
# scheduler's probes that record task names in.  Off before anything
# unloads the module: an enabled event holds it.
TRACE_HOLD=
trace_hold() {
	local tracefs=/sys/kernel/tracing inst n

	[ "$1" = on ] && [ -n "$TRACE_HOLD" ] && return 0
	[ "$1" = off ] && [ -z "$TRACE_HOLD" ] && return 0
	if [ ! -d "$tracefs/instances" ]; then
		mount -t tracefs nodev "$tracefs" 2>/dev/null || return 0
	fi
	for n in 1 2; do
		inst=$tracefs/instances/xtcp-hold-$n
		if [ "$1" = on ]; then
			[ -d "$tracefs/events/xtcp" ] || return 0
			mkdir "$inst" 2>/dev/null || continue
			echo 0 >"$inst/tracing_on"
			echo 4 >"$inst/buffer_size_kb"
			echo 1 >"$inst/events/xtcp/enable"
			TRACE_HOLD=1
		elif [ -d "$inst" ]; then
			echo 0 >"$inst/events/xtcp/enable" 2>/dev/null
			rmdir "$inst"
			TRACE_HOLD=
		fi
	done
}

# start_one LANE TEST: start selftests/TEST in LANE, in a session of its
# own, so that whatever it leaves behind (the harness puts each test case
# in its own process group) is killed after it, and a straggler holding
# its stdout cannot stall the run.  1 if TEST is not a program.
start_one() {
	local lane=$1 t=$2 log=$LOGDIR/$2.log start

	if [ ! -f "$TESTDIR/$t" ] || [ ! -x "$TESTDIR/$t" ]; then
		xt_result fail "$t" "no such test program selftests/$t"
		return 1
	fi
	# A program that unloads the module starts with it free: the orphans
	# of the programs before it have ended (see unpinned).
	if [ "$(xt_setting "$SETTINGS" "$t.unloads")" = 1 ]; then
		trace_hold off
		start=$SECONDS
		if ! unpinned "$UNPIN_BOUND"; then
			xt_result fail "unpinned: $t" \
				"xtcp refcnt $(cat /sys/module/xtcp/refcnt) after ${UNPIN_BOUND}s"
		elif [ $((SECONDS - start)) -gt 0 ]; then
			echo "# ==== waited $((SECONDS - start))s for the module's sockets to end"
		fi
	else
		trace_hold on
	fi
	test_timeout "$t"
	if [ "$lane" = main ]; then
		echo "# ==== selftests/$t (bound ${TIMEOUT}s)"
	else
		echo "# ==== selftests/$t (bound ${TIMEOUT}s, in the second lane)"
	fi
	xt_kmsg_mark "$PMARK begin [$t]"
	(cd "$TESTDIR" && exec setsid timeout -k 10 "$TIMEOUT" \
		"${STDBUF[@]}" "./$t") </dev/null >"$log" 2>&1 &
	lane_pid[$lane]=$!
	lane_test[$lane]=$t
	lane_start[$lane]=$SECONDS
	lane_tail[$lane]=
	if [ "$lane" = main ]; then
		tail -n +1 -s 0.2 -f --pid="${lane_pid[$lane]}" "$log" &
		lane_tail[$lane]=$!
	fi
	lane_bound[$lane]=$TIMEOUT
	return 0
}

# end_one LANE RC: the program of LANE ended with RC: its results, its
# slice of the kernel log, and a kmemleak check after it.
end_one() {
	local lane=$1 rc=$2 t=${lane_test[$1]} log=$LOGDIR/${lane_test[$1]}.log

	pkill -KILL -s "${lane_pid[$lane]}" 2>/dev/null
	if [ -n "${lane_tail[$lane]}" ]; then
		wait "${lane_tail[$lane]}" 2>/dev/null
	else
		cat "$log"
	fi
	echo "# ==== selftests/$t: exit status $rc, $((SECONDS - ${lane_start[$lane]}))s"
	# The module's references after it: user sockets it left open.
	if [ -r /sys/module/xtcp/refcnt ]; then
		echo "# ==== xtcp refcnt $(cat /sys/module/xtcp/refcnt)"
	fi
	xt_count_tap "$t" "$log" "$rc" "${lane_bound[$lane]}"
	xt_kmsg_mark "$PMARK end [$t]"
	program_log_check "$t"
	kmemleak_after "$t"
	unset "lane_pid[$lane]"
	lane_test[$lane]=
}

# may_run T OTHER: may T start while OTHER (a program, or nothing) runs?
may_run() {
	local t=$1 other=$2

	[ -z "$other" ] && return 0
	[ "$JOBS" -gt 1 ] || return 1
	if [ "${kind[$t]:-}" = parallel ]; then
		[ "${kind[$other]:-}" != alone ]
	else
		[ "${kind[$other]:-}" = parallel ] && [ "${kind[$t]:-}" != alone ]
	fi
}

# fill LANE OTHER: start in LANE, if it is free, the first program of the
# queue that may run beside OTHER's; beside a parallel one, the first that
# is not parallel, if any: the parallel ones are kept for the others to
# run beside.
fill() {
	local lane=$1 other=${lane_test[$2]:-} i t pick=

	[ -z "${lane_pid[$lane]:-}" ] || return 0
	for i in "${!queue[@]}"; do
		t=${queue[$i]}
		may_run "$t" "$other" || continue
		[ -n "$pick" ] || pick=$i
		if [ -n "$other" ] && [ "${kind[$t]:-}" != parallel ]; then
			pick=$i
			break
		fi
	done
	[ -n "$pick" ] || return 0
	t=${queue[$pick]}
	unset "queue[$pick]"
	queue=("${queue[@]}")
	start_one "$lane" "$t" || fill "$lane" "$2"
}

while :; do
	fill main side
	fill side main
	[ "${#lane_pid[@]}" -gt 0 ] || break
	wait -n -p ended "${lane_pid[@]}" $KMEMLEAK_PID
	rc=$?
	if [ "$ended" = "$KMEMLEAK_PID" ]; then
		kmemleak_ended
		continue
	fi
	for lane in "${!lane_pid[@]}"; do
		if [ "${lane_pid[$lane]}" = "$ended" ]; then
			end_one "$lane" "$rc"
		fi
	done
done
kmemleak_drain

# ---- unload ---------------------------------------------------------------
unload() {
	local out start=$SECONDS

	trace_hold off
	# Sockets that the tests closed may still hold the module briefly
	# (on a lockdep kernel until they end: see unpinned).
	unpinned "$UNPIN_BOUND"
	if [ $((SECONDS - start)) -gt 0 ]; then
		echo "# ==== waited $((SECONDS - start))s for the module's sockets to end"
	fi
	for _ in $(seq 1 20); do
		if out=$(rmmod xtcp 2>&1); then
			xt_result pass unload
			return 0
		fi
		[ -d /sys/module/xtcp ] || break
		sleep 0.5
	done
	echo "$out"
	if [ -r /sys/module/xtcp/refcnt ]; then
		echo "run_tests: xtcp refcnt $(cat /sys/module/xtcp/refcnt)"
	fi
	xt_result fail unload "rmmod xtcp: ${out##*: }"
}

unload
kmemleak_check unload

# ---- the kernel log -------------------------------------------------------
kernel_log_check

finish
