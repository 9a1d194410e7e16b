#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot one VM on Debian's kernel (the one tools/vm/kernel-version names) with
# virtme-ng, run CMD [ARGS...] in it as root with cwd = the repo root, and
# exit with CMD's exit status.
#
#   tools/vm/run-vm.sh selftests/run_tests.sh
#   XTCP_TESTS="foo_test" tools/vm/run-vm.sh selftests/run_tests.sh
#   tools/vm/run-vm.sh /bin/sh -c 'ip link; exit 3'
#
# CMD is a path relative to the repo root (or a command on the guest's PATH).
# The guest sees the host's filesystem read-only, except the repo, which it
# can write (guest-side files belong under .vm/, which git ignores).  The
# guest's stdout and stderr are streamed here, merged, in order.
#
# Environment:
#   VM_TIMEOUT  overall bound in seconds (default 3600); a hung VM is killed
#   VM_CPUS     guest CPUs (default 2)
#   VM_MEMORY   guest memory (default 2G)
#   VM_KVM      auto (default), 0 or 1: use KVM when it is usable
#   VM_APPEND   extra kernel command line
#   VM_SLUB_DEBUG  slub_debug= flags (default FZPU); empty: none
#   VM_KERNEL   boot this kernel image instead of Debian's (make check-debug)
#   VM_CONSOLE_LINES  how many console lines to show when the VM dies
#   VM_BOOT_TRIES  boots when the guest never starts CMD (default 2)
#   XTCP_*      passed on to CMD in the guest
#
# Exit status: CMD's; 124 if the VM timed out; 125 if the VM died before CMD
# finished (kernel panic, oops - oops=panic - or a setup failure); 130 if
# interrupted.  The guest kernel's console is kept in .vm/console.log, and
# its end is shown when the VM dies.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VMDIR=$ROOT/.vm
# Per-run names: several runs may share one checkout.
STATUS=$VMDIR/status.$$
CONSOLE=$VMDIR/console.$$.log

VM_TIMEOUT=${VM_TIMEOUT:-3600}
VM_CPUS=${VM_CPUS:-2}
VM_MEMORY=${VM_MEMORY:-2G}
VM_KVM=${VM_KVM:-auto}

# slub_debug: poison, red zones and sanity checks on every slab (the
# debug kernel's KASAN catches what they do, at the access itself).
# oops=panic, panic=-1: an oops panics, a panic reboots at once, and qemu
# (run with -no-reboot by vng) exits instead of rebooting.  A soft lockup
# or a task hung in D state (120 s) panics too, rather than running into
# VM_TIMEOUT.  loglevel=7 puts warnings and oopses on the console log.
VM_SLUB_DEBUG=${VM_SLUB_DEBUG-FZPU}
CMDLINE="${VM_SLUB_DEBUG:+slub_debug=$VM_SLUB_DEBUG }oops=panic panic=-1 softlockup_panic=1 hung_task_panic=1 loglevel=7"

msg() { echo "run-vm: $*" >&2; }
die() { msg "error: $*"; exit 125; }

if [ "$#" -lt 1 ]; then
	echo "usage: $0 CMD [ARGS...]" >&2
	exit 2
fi
case "$VM_TIMEOUT" in
'' | *[!0-9]*) die "VM_TIMEOUT must be a number of seconds" ;;
esac

# vng accepts only these characters in --rwdir paths.
if [[ ! "$ROOT" =~ ^[a-zA-Z0-9_+\ /.-]+$ ]]; then
	die "the repo path '$ROOT' has characters vng refuses in --rwdir"
fi
cd "$ROOT" || die "cannot cd to $ROOT"
command -v vng >/dev/null 2>&1 || die "vng (virtme-ng) not found: run tools/vm/setup.sh"
if [ -n "${VM_KERNEL:-}" ]; then
	# A kernel of our own (the debug kernel): what the tests need is
	# built in, so it needs no module tree.
	KERNEL=$VM_KERNEL
	[ -f "$KERNEL" ] || die "VM_KERNEL=$KERNEL not found"
else
	KVER=$("$ROOT/tools/vm/kernel-version") || die "cannot tell the VM kernel: run tools/vm/setup.sh"
	KERNEL=/boot/vmlinuz-$KVER
	[ -f "$KERNEL" ] || die "$KERNEL not found: run tools/vm/setup.sh"
	[ -d "/lib/modules/$KVER/kernel" ] || die "/lib/modules/$KVER not found: run tools/vm/setup.sh"
fi

# /dev/kvm may exist on a CPU without VT-x/AMD-V, and qemu then aborts.
kvm_usable() {
	grep -qE '\b(vmx|svm)\b' /proc/cpuinfo 2>/dev/null &&
		(exec 3<>/dev/kvm) 2>/dev/null
}

args=(--run "$KERNEL" --cpus "$VM_CPUS" --memory "$VM_MEMORY")
case "$VM_KVM" in
1) accel=KVM ;;
0) accel=TCG ;;
*) if kvm_usable; then accel=KVM; else accel=TCG; fi ;;
esac
if [ "$accel" = TCG ]; then
	args+=(--disable-kvm)
fi

# vng needs the guest path spelled out (guestpath=hostpath): with a bare
# path it checks a path relative to the cwd and refuses the repo.
args+=(--rwdir "$ROOT=$ROOT")
args+=("--append=$CMDLINE${VM_APPEND:+ $VM_APPEND}")
# --verbose sends the kernel console (ttyS0) to vng's stderr (else it goes
# to /dev/null): that stderr is kept in .vm/console.log.
args+=(--verbose)

# The command the guest runs (vng hands it to bash).  Every word is quoted,
# so empty arguments survive.  stderr is merged into stdout so that the
# two stay in order.  The status is also written to a file in the repo, so
# that a VM that dies after CMD ends is told apart from one that died first.
prog=$1
shift
if [[ "$prog" != */* && -e "$ROOT/$prog" ]]; then
	prog=./$prog
fi
if [[ "$prog" == *.sh && -f "$ROOT/$prog" && ! -x "$ROOT/$prog" ]]; then
	set -- "$prog" "$@"
	prog=bash
fi
guest="exec 2>&1; cd $(printf '%q' "$ROOT") || exit 125;"
while IFS='=' read -r name _; do
	guest+=" export $name=$(printf '%q' "${!name}");"
done < <(env | grep -E '^XTCP_[A-Za-z0-9_]*=' | sort)
guest+=" $(printf '%q ' "$prog" "$@");"
guest+=" rc=\$?; echo \$rc > $(printf '%q' "$STATUS"); sync; exit \$rc"

mkdir -p "$VMDIR" || die "cannot create $VMDIR"
rm -f "$STATUS" "$CONSOLE"
# At exit, this run's console log becomes .vm/console.log.
trap 'rm -f "$STATUS"; mv -f "$CONSOLE" "$VMDIR/console.log" 2>/dev/null' EXIT

# boot_once: one VM, start to end; sets rc (vng's exit status).
boot_once() {
	msg "booting $KERNEL ($accel, $VM_CPUS CPUs, $VM_MEMORY; bound ${VM_TIMEOUT}s)"
	start=$SECONDS

	# qemu opens /proc/self/fd/1 and /proc/self/fd/2 anew (truncating
	# them when they are files): give it pipes.  stdout (the guest
	# command's output) is copied to our stdout, stderr (the kernel
	# console) to .vm/console.log.
	exec 3> >(trap '' INT; exec cat)
	outpid=$!
	exec 4> >(trap '' INT; exec cat >"$CONSOLE")
	conpid=$!

	# timeout(1) runs vng and qemu in their own process group and kills
	# the whole group; so must a signal sent to us.
	timeout -k 20 "$VM_TIMEOUT" vng "${args[@]}" "--exec=$guest" </dev/null >&3 2>&4 &
	vmpid=$!
	interrupted=
	trap 'interrupted=1; kill -TERM "$vmpid" 2>/dev/null' INT TERM HUP
	while :; do
		wait "$vmpid"
		rc=$?
		kill -0 "$vmpid" 2>/dev/null || break
	done
	trap - INT TERM HUP
	exec 3>&- 4>&-
	wait "$outpid" "$conpid" 2>/dev/null
}

# A guest whose udev has not made its virtio ports when virtme-init looks
# for them (a debug kernel on a loaded host: udev settle gives up after
# 120 s) never starts the command; boot again, VM_BOOT_TRIES times in all.
tries=${VM_BOOT_TRIES:-2}
for ((attempt = 1; ; attempt++)); do
	boot_once
	if [ -z "$interrupted" ] && [ ! -f "$STATUS" ] && [ "$attempt" -lt "$tries" ] &&
		grep -q 'cannot find script I/O ports' "$CONSOLE" 2>/dev/null; then
		msg "the guest found no virtio ports (udev too slow?): booting again"
		continue
	fi
	break
done

# Show the end of the console log, from the start of the splat that led
# to a panic when there is one.
show_console() {
	local panic start

	[ -s "$CONSOLE" ] || return 0
	msg "---- end of the kernel console (.vm/console.log) ----"
	panic=$(grep -n 'Kernel panic' "$CONSOLE" | tail -n 1 | cut -d: -f1)
	if [ -n "$panic" ]; then
		start=$(awk -v p="$panic" 'NR >= p - 200 && NR <= p &&
			/BUG:|Oops|general protection|cut here|INFO: task|sysrq: Trigger/ { print NR; exit }' "$CONSOLE")
		start=${start:-$((panic > 60 ? panic - 60 : 1))}
		tail -n "+$start" "$CONSOLE" | head -n "${VM_CONSOLE_LINES:-300}" >&2
	else
		tail -n "${VM_CONSOLE_LINES:-100}" "$CONSOLE" >&2
	fi
	msg "----"
}

if [ -n "$interrupted" ]; then
	msg "interrupted; the VM was stopped"
	exit 130
fi
if [ -f "$STATUS" ]; then
	status=$(cat "$STATUS")
	case "$status" in
	'' | *[!0-9]*) die "bad status '$status' in $STATUS" ;;
	esac
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		msg "the command ended (status $status) but the VM hung after it"
	fi
	exit "$status"
fi
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	show_console
	msg "VM timed out after $((SECONDS - start))s (VM_TIMEOUT=$VM_TIMEOUT)"
	exit 124
fi
show_console
msg "the VM died before the command finished (vng exit $rc, $((SECONDS - start))s)"
exit 125
