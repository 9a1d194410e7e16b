#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what building XTCP and running its test VM need, on Debian 12
# (bookworm), as root.  Idempotent: when nothing is missing it prints
# nothing and takes well under a second or two.  Prints one line per thing
# it installs; the apt/dpkg chatter goes to a log that is shown on failure.
#
#  - Debian packages: toolchain, kernel headers (linux-headers-amd64),
#    qemu, busybox, iproute2 (tc), linux-source, graphviz (dot, which
#    renders xtcpstat --dot and checks its output in the selftests),
#    linux-perf (perf record in the VM, Documentation/bench.rst), ...
#  - the kernel image that matches those headers, unpacked next to the
#    host's files (/boot/vmlinuz-<ver>, /lib/modules/<ver>) but NOT
#    installed as a Debian package, so it never becomes the host's kernel;
#    its modules include sch_netem for tc netem inside the VM
#  - virtme-ng (vng) from Debian trixie, fetched with a private apt
#    configuration: the machine's apt sources are left untouched
#  - checkpatch.pl and the kselftest harness headers, extracted from
#    linux-source into /var/cache/xtcp/linux-source/
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
export LC_ALL=C

VMDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=/var/cache/xtcp
SRCDIR=$CACHE/linux-source
TRIXIE_SOURCE="deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main"

APT_PACKAGES=(
	build-essential bc flex bison libelf-dev libssl-dev kmod cpio sparse
	perl xz-utils procps
	qemu-system-x86 udev iproute2 busybox-static
	python3 python3-argcomplete python3-requests python3-pkg-resources file
	linux-headers-amd64 linux-source
	graphviz linux-perf
)

# Files checkpatch.pl and the selftests need from linux-source.
SRC_FILES=(
	tools/testing/selftests/kselftest_harness.h
	tools/testing/selftests/kselftest.h
	scripts/checkpatch.pl
	scripts/spelling.txt
	scripts/const_structs.checkpatch
)

APT_GET=(apt-get -q -y -o DPkg::Lock::Timeout=600
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

say() { echo "setup: $*"; }
die() { echo "setup: error: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root"
command -v apt-get >/dev/null 2>&1 || die "needs a Debian system (apt-get)"

TMP=
LOG=
cleanup() {
	if [ -n "$TMP" ]; then
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT

# A scratch directory that apt's unprivileged _apt user can use too.
scratch() {
	if [ -z "$TMP" ]; then
		TMP=$(mktemp -d /tmp/xtcp-setup.XXXXXX)
		chmod 0755 "$TMP"
		LOG=$TMP/log
		: >"$LOG"
	fi
}

# Run a command with its output in the log; show the log's end on failure.
run() {
	scratch
	echo "+ $*" >>"$LOG"
	if ! "$@" >>"$LOG" 2>&1; then
		tail -n 40 "$LOG" >&2
		die "failed: $*"
	fi
}

installed() {
	[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" = "ii " ]
}

UPDATED=
apt_update() {
	if [ -z "$UPDATED" ]; then
		say "updating the apt package lists"
		run "${APT_GET[@]}" update
		UPDATED=1
	fi
}

apt_install() {
	apt_update
	say "installing $*"
	run "${APT_GET[@]}" install --no-install-recommends "$@"
}

# 1. Debian packages --------------------------------------------------------
install_packages() {
	local have pkg
	local -a missing=()

	have=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' \
		"${APT_PACKAGES[@]}" 2>/dev/null | awk '$2 == "ii" { print $1 }') || true
	for pkg in "${APT_PACKAGES[@]}"; do
		if ! grep -qxF "$pkg" <<<"$have"; then
			missing+=("$pkg")
		fi
	done
	if [ "${#missing[@]}" -gt 0 ]; then
		apt_install "${missing[@]}"
	fi
}

# 2. Headers of the VM kernel (linux-headers-amd64 depends on them) ----------
kernel_version() {
	KVER=$("$VMDIR/kernel-version") || die "cannot tell the VM kernel version"
	case "$KVER" in
	*/* | "" | .*) die "odd kernel version '$KVER'" ;;
	esac
}

install_headers() {
	if [ ! -e "/lib/modules/$KVER/build/Makefile" ]; then
		apt_install "linux-headers-$KVER"
	fi
}

# 3. The VM kernel image, unpacked but not installed as the host's kernel ----
image_present() {
	[ -f "/boot/vmlinuz-$KVER" ] &&
		[ -f "/lib/modules/$KVER/modules.dep" ] &&
		[ -n "$(find "/lib/modules/$KVER/kernel/net/sched" -name 'sch_netem.ko*' 2>/dev/null)" ]
}

# Download linux-image-$KVER-unsigned into $TMP/image; 1 if apt can't.
download_image() {
	local pkg=linux-image-$KVER-unsigned

	scratch
	rm -rf "$TMP/image"
	mkdir -p "$TMP/image"
	chown _apt "$TMP/image" 2>/dev/null || true
	if ! apt-cache show "$pkg" >/dev/null 2>&1; then
		apt_update
	fi
	echo "+ apt-get download $pkg" >>"$LOG"
	(cd "$TMP/image" && "${APT_GET[@]}" download "$pkg") >>"$LOG" 2>&1
}

install_image() {
	local deb stage mods f

	if image_present; then
		return
	fi
	if ! download_image; then
		# The installed headers may name an ABI that the archive has
		# dropped: move the headers metapackage to its candidate.
		apt_update
		say "upgrading linux-headers-amd64 (kernel $KVER is no longer available)"
		run "${APT_GET[@]}" install --no-install-recommends linux-headers-amd64
		kernel_version
		install_headers
		if image_present; then
			return
		fi
		download_image || { tail -n 20 "$LOG" >&2; die "cannot download linux-image-$KVER-unsigned"; }
	fi
	say "installing kernel $KVER for the test VM (/boot, /lib/modules; not as the host's kernel)"
	deb=$(find "$TMP/image" -maxdepth 1 -name "linux-image-$KVER-unsigned_*.deb" | head -n 1)
	[ -n "$deb" ] || die "apt-get download left no linux-image-$KVER-unsigned .deb"
	stage=$TMP/image/root
	run dpkg -x "$deb" "$stage"

	mods=
	for f in "$stage/lib/modules/$KVER" "$stage/usr/lib/modules/$KVER"; do
		if [ -d "$f" ]; then
			mods=$f
			break
		fi
	done
	[ -n "$mods" ] || die "no modules for $KVER in $deb"
	[ -f "$stage/boot/vmlinuz-$KVER" ] || die "no vmlinuz-$KVER in $deb"

	# Modules first and vmlinuz last, so an interrupted run is redone.
	mkdir -p "/lib/modules/$KVER" /boot
	run cp -a "$mods/." "/lib/modules/$KVER/"
	run depmod "$KVER"
	for f in config System.map vmlinuz; do
		if [ -f "$stage/boot/$f-$KVER" ]; then
			run cp -a "$stage/boot/$f-$KVER" "/boot/$f-$KVER"
		fi
	done
	image_present || die "kernel $KVER still incomplete after unpacking"
}

# 4. virtme-ng from trixie, with a private apt configuration ----------------
install_vng() {
	local dir deb
	local -a priv

	if installed virtme-ng && command -v vng >/dev/null 2>&1; then
		return
	fi
	scratch
	dir=$TMP/trixie
	mkdir -p "$dir/lists/partial" "$dir/debs"
	chown _apt "$dir/debs" 2>/dev/null || true
	echo "$TRIXIE_SOURCE" >"$dir/sources.list"
	priv=(-o "Dir::Etc::SourceList=$dir/sources.list"
		-o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$dir/lists"
		-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=)

	say "installing virtme-ng (from Debian trixie; apt sources unchanged)"
	run "${APT_GET[@]}" "${priv[@]}" update
	echo "+ (cd $dir/debs && apt-get download virtme-ng)" >>"$LOG"
	(cd "$dir/debs" && "${APT_GET[@]}" "${priv[@]}" download virtme-ng) >>"$LOG" 2>&1 ||
		{ tail -n 20 "$LOG" >&2; die "cannot download virtme-ng from trixie"; }
	deb=$(find "$dir/debs" -maxdepth 1 -name 'virtme-ng_*.deb' | head -n 1)
	[ -n "$deb" ] || die "apt-get download left no virtme-ng .deb"
	# Its dependencies come from bookworm; make sure the lists exist.
	if ! apt-cache show python3-argcomplete >/dev/null 2>&1; then
		apt_update
	fi
	run "${APT_GET[@]}" install --no-install-recommends "$deb"
	command -v vng >/dev/null 2>&1 || die "virtme-ng installed but no vng command"
}

# 5. checkpatch.pl and the kselftest harness from linux-source --------------
install_source_files() {
	local dep srcpkg srcver tarball top stamp f
	local -a members=()

	dep=$(dpkg-query -W -f='${Depends}' linux-source | sed 's/[,|]/\n/g' |
		sed -n 's/^ *\(linux-source-[0-9][^ ]*\).*/\1/p' | head -n 1)
	[ -n "$dep" ] || die "cannot tell which linux-source-X.Y linux-source depends on"
	srcpkg=$dep
	if ! installed "$srcpkg"; then
		apt_install "$srcpkg"
	fi
	srcver=$(dpkg-query -W -f='${Version}' "$srcpkg")
	stamp="$srcpkg $srcver"
	tarball=/usr/src/$srcpkg.tar.xz
	top=$srcpkg

	if [ -f "$SRCDIR/.source-version" ] &&
		[ "$(cat "$SRCDIR/.source-version")" = "$stamp" ]; then
		local ok=1
		for f in "${SRC_FILES[@]}"; do
			[ -s "$SRCDIR/$f" ] || ok=
		done
		if [ -n "$ok" ]; then
			return
		fi
	fi
	[ -f "$tarball" ] || die "$srcpkg is installed but $tarball is missing"

	say "extracting checkpatch.pl and kselftest_harness.h from $srcpkg $srcver"
	for f in "${SRC_FILES[@]}"; do
		members+=("$top/$f")
	done
	scratch
	rm -rf "$TMP/src"
	mkdir -p "$TMP/src"
	run tar -xJf "$tarball" -C "$TMP/src" "${members[@]}"
	mkdir -p "$CACHE"
	rm -rf "$SRCDIR.new"
	mv "$TMP/src/$top" "$SRCDIR.new"
	echo "$stamp" >"$SRCDIR.new/.source-version"
	rm -rf "$SRCDIR"
	mv "$SRCDIR.new" "$SRCDIR"
}

install_packages
kernel_version
install_headers
install_image
install_vng
install_source_files
