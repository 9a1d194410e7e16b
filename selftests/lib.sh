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

# xt_count_tap BIN LOG RC: count the test cases that test program BIN
# reported in LOG (kselftest harness TAP lines: "ok N name",
# "not ok N name", "ok N name # SKIP why") and exited with RC from.
#
# A program that reports no result, or fewer than its "1..N" plan, or
# exits non-zero (timeout included) without reporting a failure, counts
# as one more failure named after it.  A program that reports nothing and
# exits 0 passes as one test; one that exits 4 (KSFT_SKIP) skips.
xt_count_tap() {
	local bin=$1 log=$2 rc=$3
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
		if [[ "$why" == skip* ]]; then
			why=${why:4}
			xt_result skip "$bin: $desc" "${why# }"
		elif [ -z "$ok" ]; then
			xt_result pass "$bin: $desc"
		elif [[ "$why" == todo* ]]; then
			xt_result pass "$bin: $desc" "$why"
		else
			xt_result fail "$bin: $desc"
			fails=$((fails + 1))
		fi
		shopt -u nocasematch
	done <"$log"

	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		xt_result fail "$bin" "timed out after ${XTCP_TEST_TIMEOUT:-120}s"
	elif [ "$results" -eq 0 ]; then
		case "$rc" in
		0) xt_result pass "$bin" ;;
		4) xt_result skip "$bin" "KSFT_SKIP exit status" ;;
		*) xt_result fail "$bin" "$(xt_exit_reason "$rc"), no results" ;;
		esac
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

# Kernel log lines that mean trouble.
XT_KERNEL_BAD='WARNING|\bBUG\b|Oops|refcount_t|KASAN|UBSAN|possible circular locking|lockdep|kmemleak|general protection|Call Trace|Kernel panic|soft lockup|hard LOCKUP|blocked for more than|rcu.*(stall|detected stalls)|list_(add|del) corruption|Poison overwritten|Redzone overwritten|Padding overwritten|Object already free'

# xt_kmsg_mark TEXT: write a marker line into the kernel log.
xt_kmsg_mark() {
	echo "$1" >/dev/kmsg 2>/dev/null
}

# xt_kernel_log_since TEXT: the kernel log after the last line holding
# marker TEXT (the whole log if the marker is gone).
xt_kernel_log_since() {
	dmesg 2>/dev/null | awk -v m="$1" '
		index($0, m) { n = 0; delete buf; found = 1; next }
		{ buf[n++] = $0 }
		END { for (i = 0; i < n; i++) print buf[i] }'
}

# xt_kernel_bad: the lines of stdin that match XT_KERNEL_BAD.
xt_kernel_bad() {
	grep -E -- "$XT_KERNEL_BAD" || true
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
