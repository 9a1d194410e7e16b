# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for selftests/run_tests.sh: result counting, kselftest (TAP)
# output parsing and kernel-log checks.  Source it; it defines only
# functions and the xt_* counters.

xt_passed=0
xt_failed=0
xt_skipped=0
xt_failures=()

# xt_result pass|fail|skip NAME [REASON]: record and print one result.
xt_result() {
	local kind=$1 name=$2 why=${3:-}

	case "$kind" in
	pass)
		xt_passed=$((xt_passed + 1))
		echo "PASS: $name${why:+ ($why)}"
		;;
	skip)
		xt_skipped=$((xt_skipped + 1))
		echo "SKIP: $name${why:+ ($why)}"
		;;
	*)
		xt_failed=$((xt_failed + 1))
		xt_failures+=("$name${why:+ ($why)}")
		echo "FAIL: $name${why:+ ($why)}"
		;;
	esac
}

# xt_count_tap BIN LOG RC [TIMEOUT]: count the test cases that test program BIN
# reported in LOG (kselftest harness TAP lines: "ok N name",
# "not ok N name", "ok N name # SKIP why") and exited with RC from.
#
# A program that reports no result at all (whatever its exit status, 0
# included), or fewer than its "1..N" plan, or exits non-zero (timeout
# included) without reporting a failure, counts as one more failure named
# after it; so does one that exits 4 (KSFT_SKIP) without a result.  A
# "not ok ... # TODO" is a failure: a test that does not pass has not
# passed.
xt_count_tap() {
	local bin=$1 log=$2 rc=$3 timeout=${4:-}
	local line desc plan='' results=0 fails=0 ok why running=''

	while IFS= read -r line || [ -n "$line" ]; do
		line=${line%$'\r'}
		if [[ "$line" =~ ^1\.\.([0-9]+) ]]; then
			plan=${BASH_REMATCH[1]}
			continue
		fi
		# "#  RUN           fixture.name ..." names the next result
		# (the 6.1 harness prints a skip as "ok N # SKIP why").
		if [[ "$line" =~ ^#\ +RUN\ +([^ ]+)\ \.\.\. ]]; then
			running=${BASH_REMATCH[1]}
			continue
		fi
		if [[ "$line" =~ ^(not\ )?ok\ [0-9]+(\ -)?\ ?(.*)$ ]]; then
			ok=${BASH_REMATCH[1]}
			desc=${BASH_REMATCH[3]}
		else
			continue
		fi
		results=$((results + 1))
		why=
		if [[ "$desc" == *" # "* || "$desc" == "# "* ]]; then
			why=${desc#*# }
			desc=${desc%%# *}
			desc=${desc% }
		fi
		[ -n "$desc" ] || desc=${running:-#$results}
		running=
		shopt -s nocasematch
		if [ -z "$ok" ] && [[ "$why" == skip* ]]; then
			why=${why:4}
			xt_result skip "$bin: $desc" "${why# }"
		elif [ -z "$ok" ]; then
			xt_result pass "$bin: $desc"
		else
			xt_result fail "$bin: $desc" "$why"
			fails=$((fails + 1))
		fi
		shopt -u nocasematch
	done <"$log"

	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		xt_result fail "$bin" "timed out${timeout:+ after ${timeout}s}"
	elif [ "$results" -eq 0 ]; then
		xt_result fail "$bin" "$(xt_exit_reason "$rc"), no test results"
	elif [ -n "$plan" ] && [ "$results" -lt "$plan" ]; then
		xt_result fail "$bin" "$(xt_exit_reason "$rc"), $results of $plan planned results"
	elif [ "$rc" -ne 0 ] && [ "$rc" -ne 4 ] && [ "$fails" -eq 0 ]; then
		xt_result fail "$bin" "$(xt_exit_reason "$rc") with no failed test"
	fi
}

xt_exit_reason() {
	local rc=$1

	if [ "$rc" -gt 128 ] && [ "$rc" -lt 160 ]; then
		echo "killed by SIG$(kill -l "$((rc - 128))" 2>/dev/null || echo "$((rc - 128))")"
	else
		echo "exit status $rc"
	fi
}

# Kernel log lines that mean trouble: warnings, oopses, the reports of
# KASAN, UBSAN, lockdep, DEBUG_OBJECTS, kmemleak, slub_debug and the
# refcount checks, stalls, a device or module that cannot let go.  Not
# allocation failures: failslab injects those on purpose.
XT_KERNEL_BAD='WARNING|\bBUG\b|Oops|refcount_t|KASAN|UBSAN|lockdep|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|sleeping function called from invalid context|ODEBUG|kmemleak|unreferenced object|general protection|Call Trace|Kernel panic|soft lockup|hard LOCKUP|blocked for more than|rcu.*(stall|detected stalls)|list_(add|del) corruption|Poison overwritten|Redzone overwritten|Padding overwritten|Object already free|unregister_netdevice: waiting for|xtcp: unload waits for'

# xt_kmsg_mark TEXT: write a marker line into the kernel log; non-zero if
# it cannot (the log could then not be cut into slices).
xt_kmsg_mark() {
	echo "$1" 2>/dev/null >/dev/kmsg
}

# xt_kernel_log: the kernel log, on stdout; non-zero (and a message on
# stderr) if dmesg fails: a log that cannot be read is not a clean one.
xt_kernel_log() {
	local out

	if ! out=$(dmesg 2>&1); then
		echo "dmesg failed: $out" >&2
		return 1
	fi
	printf '%s\n' "$out"
}

# xt_kernel_log_between BEGIN [END]: the lines of stdin (a kernel log)
# after the last line holding marker BEGIN and before the next line
# holding END (to the end without END).  Status 2 if BEGIN is not there:
# the ring buffer overwrote it, and the slice cannot be trusted.
xt_kernel_log_between() {
	awk -v b="$1" -v e="${2:-}" '
		index($0, b) { n = 0; delete buf; found = 1; inside = 1; next }
		inside && e != "" && index($0, e) { inside = 0; next }
		inside { buf[n++] = $0 }
		END {
			for (i = 0; i < n; i++)
				print buf[i]
			exit found ? 0 : 2
		}'
}

# xt_kernel_log_outside BEGIN END: the lines of stdin outside every
# BEGIN ... END slice (the marker lines themselves dropped too); BEGIN and
# END are prefixes of the marker text.
xt_kernel_log_outside() {
	awk -v b="$1" -v e="$2" '
		index($0, b) { inside = 1; next }
		index($0, e) { inside = 0; next }
		!inside { print }'
}

# xt_kernel_bad: the lines of stdin that match XT_KERNEL_BAD.
xt_kernel_bad() {
	grep -E -- "$XT_KERNEL_BAD" || true
}

# xt_declared_timeout SRC: the seconds that the test cases of the
# kselftest harness program built from SRC declare, summed: each TEST,
# TEST_SIGNAL, TEST_F and TEST_F_SIGNAL the harness's 30 s, each
# TEST_F_TIMEOUT its own, a fixture's tests once per FIXTURE_VARIANT_ADD.
xt_declared_timeout() {
	awk '
		function arg(line, i,    a) {
			sub(/^[A-Z_]+\(/, "", line)
			sub(/\).*/, "", line)
			gsub(/[ \t]/, "", line)
			split(line, a, ",")
			return a[i]
		}
		/^FIXTURE_VARIANT_ADD\(/ { variants[arg($0, 1)]++ }
		/^(TEST|TEST_SIGNAL)\(/ { plain += 30 }
		/^(TEST_F|TEST_F_SIGNAL)\(/ { per[arg($0, 1)] += 30 }
		/^TEST_F_TIMEOUT\(/ { per[arg($0, 1)] += arg($0, 3) }
		END {
			sum = plain
			for (f in per)
				sum += per[f] * (f in variants ? variants[f] : 1)
			print sum
		}' "$1"
}

# xt_setting FILE NAME: the value of NAME=VALUE in a kselftest-style
# settings FILE (# comments); empty if it is not there.
xt_setting() {
	awk -F= -v k="$2" '
		/^[ \t]*#/ { next }
		{ key = $1; gsub(/[ \t]/, "", key) }
		key == k { v = substr($0, index($0, "=") + 1); gsub(/[ \t]/, "", v) }
		END { print v }' "$1" 2>/dev/null
}

# xt_doc_arcs DOC: the arc names of the table in the state machine
# document, one a line: the FROM__EVENT__TO words that start a line.
xt_doc_arcs() {
	grep -oE '^[a-z0-9_]+__[a-z0-9_]+__[a-z0-9_]+' "$1" | sort -u
}

# xt_arc_tested ARC FILE...: does a test case or fixture variant in FILE
# carry the name ARC, or ARC__something (a refinement of the arc)?
xt_arc_tested() {
	local arc=$1

	shift
	grep -qE "^(TEST|TEST_F|TEST_F_TIMEOUT|TEST_SIGNAL|TEST_F_SIGNAL|FIXTURE_VARIANT_ADD)\\(([a-z0-9_]+, *)?$arc(__[a-z0-9_]+)?[,)]" "$@"
}

# xt_summary: list the failures and print the closing line
# "N passed, N failed[, N skipped]".  Returns 1 on any failure.
xt_summary() {
	local f

	if [ "${#xt_failures[@]}" -gt 0 ]; then
		echo
		echo "Failed tests:"
		for f in "${xt_failures[@]}"; do
			echo "  $f"
		done
	fi
	echo
	if [ "$xt_skipped" -gt 0 ]; then
		echo "$xt_passed passed, $xt_failed failed, $xt_skipped skipped"
	else
		echo "$xt_passed passed, $xt_failed failed"
	fi
	[ "$xt_failed" -eq 0 ]
}
