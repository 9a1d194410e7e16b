#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Both test tiers from a fresh clone, as CI will run them (as root, as
# "bash tools/vm/ci-both.sh"): "make check" (the stock kernel), then "make
# check-debug" (the KASAN + lockdep + kmemleak kernel).  The last line is
# both tiers' results added up, "N passed, N failed" (", N skipped"), and
# the exit status is non-zero if either tier failed.
#
# A fresh machine has no debug kernel: it is built (tools/vm/debug-kernel.sh)
# at the lowest CPU priority while "make check" runs; "make check" keeps
# the CPU it needs.  .ci/run runs this; Documentation/testing.rst has the
# times.
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
exec </dev/null

mkdir -p .vm
tiers=.vm/ci-tiers.log
: >"$tiers"

# tier NAME CMD...: run CMD with its output shown; keep the runner's
# closing line (make may print its own error after it).
tier() {
	local name=$1 rc last

	shift
	"$@" 2>&1 | tee .vm/ci-"$name".log
	rc=${PIPESTATUS[0]}
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' .vm/ci-"$name".log | tail -n 1)
	if [ -z "$last" ]; then
		last="0 passed, 1 failed"
	elif [ "$rc" -ne 0 ] && [[ "$last" =~ ^[0-9]+\ passed,\ 0\ failed ]]; then
		last="${last/ 0 failed/ 1 failed}"
	fi
	echo "$name: $last (exit status $rc)" >>"$tiers"
	return "$rc"
}

make setup || { echo "0 passed, 1 failed"; exit 1; }

nice -n 19 tools/vm/debug-kernel.sh >.vm/ci-debug-kernel.log 2>&1 &
build=$!

tier check make check
check=$?

if ! wait "$build"; then
	tail -n 40 .vm/ci-debug-kernel.log
	echo "check-debug: 0 passed, 1 failed (the debug kernel did not build)" >>"$tiers"
	debug=1
else
	tier check-debug make check-debug
	debug=$?
fi

echo "---- both tiers"
cat "$tiers"
awk '{
	for (i = 1; i <= NF; i++) {
		if ($(i + 1) ~ /^passed/) p += $i
		if ($(i + 1) ~ /^failed/) f += $i
		if ($(i + 1) ~ /^skipped/) s += $i
	}
} END {
	line = p " passed, " f " failed"
	if (s) line = line ", " s " skipped"
	print line
}' "$tiers"
[ "$check" -eq 0 ] && [ "$debug" -eq 0 ]
