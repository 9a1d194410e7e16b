#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build, once, the debug kernel that "make check-debug" boots, and print the
# directory of its build tree.  As root, after tools/vm/setup.sh.
#
# The kernel is Debian's linux-source-6.1 (the source of the stock kernel
# "make check" boots), configured with virtme-ng's minimal config plus
# tools/vm/debug.config (KASAN, lockdep, kmemleak, debug objects, ...).
# The tree is cached under /var/cache/xtcp/debug-kernel/<key>, where the key
# hashes the source package version, the fragment, virtme-ng's version and
# the compiler: a second run with the same inputs builds nothing.  Older
# trees are removed once a new one is complete.
#
# Environment: XTCP_DEBUG_KERNEL_JOBS (default: CPUs + 1).
set -euo pipefail
export LC_ALL=C

VMDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FRAGMENT=$VMDIR/debug.config
CACHE=/var/cache/xtcp/debug-kernel

say() { echo "debug-kernel: $*" >&2; }
die() { say "error: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root"
command -v vng >/dev/null 2>&1 || die "vng not found: run tools/vm/setup.sh"

srcpkg=$(dpkg-query -W -f='${Depends}' linux-source 2>/dev/null | sed 's/[,|]/\n/g' |
	sed -n 's/^ *\(linux-source-[0-9][^ ]*\).*/\1/p' | head -n 1)
[ -n "$srcpkg" ] || die "linux-source is not installed: run tools/vm/setup.sh"
srcver=$(dpkg-query -W -f='${Version}' "$srcpkg") || die "$srcpkg is not installed"
tarball=/usr/src/$srcpkg.tar.xz
[ -f "$tarball" ] || die "$tarball is missing"

key=$( {
	echo "$srcpkg $srcver"
	cat "$FRAGMENT"
	vng --version 2>&1
	gcc --version | head -n 1
} | sha256sum | cut -c1-16)
tree=$CACHE/$key/$srcpkg
stamp=$CACHE/$key/.complete

if [ -f "$stamp" ] && [ -f "$tree/arch/x86/boot/bzImage" ]; then
	echo "$tree"
	exit 0
fi

jobs=${XTCP_DEBUG_KERNEL_JOBS:-$(($(nproc) + 1))}
say "building $srcpkg $srcver with tools/vm/debug.config (key $key, -j$jobs);"
say "this takes about 20 minutes on 2 idle cores (much longer beside test VMs), once"
start=$SECONDS
rm -rf "${CACHE:?}/$key"
mkdir -p "$CACHE/$key"
log=$CACHE/$key/build.log
: >"$log"

run() {
	echo "+ $*" >>"$log"
	if ! "$@" >>"$log" 2>&1; then
		tail -n 40 "$log" >&2
		die "failed: $* (log: $log)"
	fi
}

# A complete tree of an older key (another fragment) is a head start:
# kbuild rebuilds only what the config change touches.
seed=
for d in "$CACHE"/*/; do
	d=${d%/}
	if [ "$d" != "$CACHE/$key" ] && [ -f "$d/.complete" ] &&
		[ -d "$d/$srcpkg" ] && [ "$(cat "$d/.source" 2>/dev/null)" = "$srcpkg $srcver" ]; then
		seed=$d/$srcpkg
	fi
done
if [ -n "$seed" ]; then
	say "starting from the tree in ${seed%/*}"
	run cp -a "$seed" "$CACHE/$key/"
else
	run tar -xJf "$tarball" -C "$CACHE/$key"
fi
echo "$srcpkg $srcver" >"$CACHE/$key/.source"
cd "$tree"
# virtme-ng's minimal config: what a vng guest needs (virtio, 9p, ...).
run vng --kconfig
run scripts/kconfig/merge_config.sh -m .config "$FRAGMENT"
run make olddefconfig

# Every option of the fragment must have survived the merge.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) want=$line; name=${line%%=*} ;;
	"# CONFIG_"*" is not set") name=${line#\# }; name=${name%% *}; want="" ;;
	*) continue ;;
	esac
	got=$(grep -E "^($name=|# $name is not set)" .config || true)
	if [ -n "$want" ] && [ "$got" != "$want" ]; then
		say "$want did not survive the merge (got '${got:-nothing}')"
		bad=1
	elif [ -z "$want" ] && [ -n "$got" ] && [ "$got" != "# $name is not set" ]; then
		say "$name should be unset (got '$got')"
		bad=1
	fi
done <"$FRAGMENT"
[ "$bad" -eq 0 ] || die "the config fragment does not apply to $srcpkg"

run make -j"$jobs" bzImage modules
# A tree that "make M=" can build external modules against.
run make -j"$jobs" modules_prepare
touch "$stamp"
say "built in $(((SECONDS - start) / 60))m$(((SECONDS - start) % 60))s: $tree"

# Trees for other keys are stale now.
for d in "$CACHE"/*/; do
	[ "${d%/}" = "$CACHE/$key" ] || rm -rf "$d"
done
echo "$tree"
