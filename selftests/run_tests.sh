#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The XTCP selftest runner.  Runs INSIDE the test VM, as root, from any cwd:
#
#   tools/vm/run-vm.sh selftests/run_tests.sh     (what "make check" does)
#
# It loads ./xtcp.ko, runs every selftests/*_test program (sorted), each in
# selftests/ as its cwd, in its own session and bounded by a timeout, unloads
# the module and checks the kernel log.  Each test case the kselftest harness
# reports counts; so do "load", "unload" and "dmesg-clean".  After each
# program it asks kmemleak, when the kernel has it.  The last line printed is
# "N passed, N failed" (", N skipped" when some were skipped); the exit
# status is non-zero on any failure.
#
# Logs: .vm/logs/<test>.log, and the kernel log of the run in
# .vm/logs/dmesg.log.  They are written to a directory of their own,
# .vm/logs.XXXXXX, while the run lasts (several VMs may share a checkout),
# and moved to .vm/logs at its end.
#
# Environment:
#   XTCP_TESTS="a_test b_test"  run only these programs
#   XTCP_MODPARAMS="family=18"  module parameters for insmod
#   XTCP_TEST_TIMEOUT=120       bound for one test program, in seconds
#   XTCP_KMEMLEAK_WAIT=5        seconds to wait before a kmemleak scan (it
#                               does not report objects younger than 5 s)
# Tests get XTCP_ROOT (the repo root) in their environment.
set -uo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TESTDIR=$ROOT/selftests
MODULE=$ROOT/xtcp.ko
KMEMLEAK=/sys/kernel/debug/kmemleak
export XTCP_TEST_TIMEOUT=${XTCP_TEST_TIMEOUT:-120}
TEST_TIMEOUT=$XTCP_TEST_TIMEOUT
KMEMLEAK_WAIT=${XTCP_KMEMLEAK_WAIT:-5}
MARK="xtcp-selftests: run $$ $(date +%s.%N)"
export XTCP_ROOT=$ROOT

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

finish() {
	publish_logs
	xt_summary
	exit
}

xt_kmsg_mark "$MARK"

if ! mountpoint -q /sys/kernel/debug 2>/dev/null; then
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null || true
fi
if [ -w "$KMEMLEAK" ]; then
	echo clear >"$KMEMLEAK"
	echo "run_tests: kmemleak is on"
fi

kmemleak_check() {
	local what=$1 report

	[ -w "$KMEMLEAK" ] || return 0
	sleep "$KMEMLEAK_WAIT"
	echo scan >"$KMEMLEAK"
	report=$(cat "$KMEMLEAK")
	if [ -n "$report" ]; then
		printf '%s\n' "$report" | tee "$LOGDIR/kmemleak-$what.log"
		xt_result fail "kmemleak: $what" "see .vm/logs/kmemleak-$what.log"
		echo clear >"$KMEMLEAK"
	fi
}

kernel_log_check() {
	local bad

	xt_kernel_log_since "$MARK" >"$LOGDIR/dmesg.log"
	bad=$(xt_kernel_bad <"$LOGDIR/dmesg.log")
	if [ -n "$bad" ]; then
		echo "run_tests: the kernel log has:"
		printf '%s\n' "$bad" | head -n 200
		xt_result fail dmesg-clean "see .vm/logs/dmesg.log"
	else
		xt_result pass dmesg-clean
	fi
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
		xt_kernel_log_since "$MARK" | tail -n 20
		xt_result fail load "insmod ${MODULE##*/} ${XTCP_MODPARAMS:-}: ${out##*: }"
		return 1
	fi
	xt_result pass load "${XTCP_MODPARAMS:-}"
}

if ! load; then
	kmemleak_check load
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
	for f in "$TESTDIR"/*_test; do
		if [ -f "$f" ] && [ -x "$f" ]; then
			tests+=("${f##*/}")
		fi
	done
	if [ "${#tests[@]}" -eq 0 ]; then
		echo "run_tests: no selftests/*_test programs (make selftests builds them)"
	fi
fi

STDBUF=()
if command -v stdbuf >/dev/null 2>&1; then
	STDBUF=(stdbuf -oL -eL)
fi

# run_one TEST LOG: run selftests/TEST with its output in LOG, shown as it
# comes; return its exit status.  The program runs in a session of its own,
# so that whatever it leaves behind (the harness puts each test case in its
# own process group) is killed after it, and a straggler holding its stdout
# cannot stall the run.
run_one() {
	local t=$1 log=$2 pid tailpid rc

	(cd "$TESTDIR" && exec setsid timeout -k 10 "$TEST_TIMEOUT" \
		"${STDBUF[@]}" "./$t") </dev/null >"$log" 2>&1 &
	pid=$!
	tail -n +1 -s 0.2 -f --pid="$pid" "$log" &
	tailpid=$!
	wait "$pid"
	rc=$?
	pkill -KILL -s "$pid" 2>/dev/null
	wait "$tailpid" 2>/dev/null
	return "$rc"
}

for t in "${tests[@]}"; do
	log=$LOGDIR/$t.log
	if [ ! -f "$TESTDIR/$t" ] || [ ! -x "$TESTDIR/$t" ]; then
		xt_result fail "$t" "no such test program selftests/$t"
		continue
	fi
	echo "# ==== selftests/$t"
	run_one "$t" "$log"
	rc=$?
	echo "# ==== selftests/$t: exit status $rc"
	xt_count_tap "$t" "$log" "$rc"
	kmemleak_check "$t"
done

# ---- unload ---------------------------------------------------------------
unload() {
	local out

	# Sockets that the tests closed may still hold the module briefly.
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
