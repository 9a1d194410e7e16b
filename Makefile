# SPDX-License-Identifier: GPL-2.0
#
# XTCP top-level Makefile.
#
#   make            build xtcp.ko, tools/xtcpstat and the selftests
#   make check      install what is missing, boot one VM, run every selftest
#   make check-debug the same on a debug kernel (KASAN, lockdep, kmemleak,
#                   debug objects) built once from Debian's linux-source
#   make demo       install what is missing, boot one VM, run the echo demo
#   make bench      XTCP against Linux TCP in one VM, as ratios
#   make diagram    boot one VM, redraw Documentation/images/xtcp-states.svg
#   make lint       checkpatch.pl --strict over every source file
#   make setup      only install what is missing
#
# By default the module is built against the kernel the test VM runs:
# Debian 12's stock kernel (linux-image-amd64 / linux-headers-amd64).
# KDIR=/lib/modules/$(uname -r)/build builds against another tree.

CURDIR_ABS := $(abspath $(CURDIR))
VMDIR := $(CURDIR_ABS)/tools/vm

KVER ?= $(shell $(VMDIR)/kernel-version 2>/dev/null)
KDIR ?= /lib/modules/$(KVER)/build

CC ?= gcc
USER_CFLAGS := -O2 -g -Wall -Wextra -Werror -I$(CURDIR_ABS)/include/uapi

.PHONY: all module tools selftests clean check check-debug demo bench lint \
	setup install diagram

all: module tools selftests

module:
	@test -d "$(KDIR)" || { echo "no kernel tree at '$(KDIR)': run 'make setup' or pass KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR_ABS) modules

tools:
	$(MAKE) -C tools CFLAGS="$(USER_CFLAGS)"

selftests:
	$(MAKE) -C selftests CFLAGS="$(USER_CFLAGS)"

setup:
	@$(VMDIR)/setup.sh

check: setup
	$(MAKE) all
	$(VMDIR)/run-vm.sh selftests/run_tests.sh

# The debug kernel is built once and cached (tools/vm/debug-kernel.sh); the
# module is rebuilt against it, so run "make" again before loading it on
# the stock kernel ("make check" does).
# The debug kernel runs every program, some at a smaller scale: KASAN makes
# every byte dear, and the tier looks for memory and lock faults, not
# speed.  link_test moves 2M each way, not 64M (XTCP_LINK_BYTES); fuzz_test
# sends 50,000 frames, not 200,000 (XTCP_FUZZ_SEGMENTS): each flag
# combination still reaches each state a dozen times; teardown_test races
# close 500 times, not 2000 (XTCP_RACE_ITERS); scale_test holds 5,000
# sockets, not 100,000 (XTCP_SCALE_SOCKETS): a connection takes about
# 40 ms there, 2 ms on the stock kernel, and lockdep sees the same locks
# in the same order at any count.  The programs marked parallel in
# selftests/settings run in a second lane (XTCP_JOBS=2).
# No slub_debug: KASAN checks each access, and slub_debug's checks on every
# allocation and free only slow the run.  2G: a kmemleak scan reads every
# struct page, and takes 11 s with 2G where 4G takes 18.
DEBUG_VM := VM_MEMORY=2G VM_SLUB_DEBUG= VM_TIMEOUT=$${VM_TIMEOUT:-7200} \
	XTCP_TEST_TIMEOUT=$${XTCP_TEST_TIMEOUT:-900} \
	XTCP_LINK_BYTES=$${XTCP_LINK_BYTES:-2M} \
	XTCP_FUZZ_SEGMENTS=$${XTCP_FUZZ_SEGMENTS:-50000} \
	XTCP_RACE_ITERS=$${XTCP_RACE_ITERS:-500} \
	XTCP_SCALE_SOCKETS=$${XTCP_SCALE_SOCKETS:-5000} \
	XTCP_JOBS=$${XTCP_JOBS:-2}

check-debug: setup
	$(MAKE) tools selftests
	@tree=$$($(VMDIR)/debug-kernel.sh) || exit 1; \
	$(MAKE) module KDIR=$$tree || exit 1; \
	$(DEBUG_VM) VM_KERNEL=$$tree/arch/x86/boot/bzImage \
		$(VMDIR)/run-vm.sh selftests/run_tests.sh

demo: setup
	$(MAKE) all
	$(VMDIR)/run-vm.sh tools/demo.sh

# The picture in Documentation/xtcpstat.rst: a real run's counts, taken in
# the VM (tools/diagram.sh), drawn here by Graphviz.
DIAGRAM := Documentation/images/xtcp-states

diagram: setup
	$(MAKE) all
	$(VMDIR)/run-vm.sh tools/diagram.sh $(DIAGRAM).dot
	dot -Tsvg -o $(DIAGRAM).svg $(DIAGRAM).dot

# As a stock kernel runs: without slub_debug's poisoning and red zones.
bench: setup
	$(MAKE) all
	VM_SLUB_DEBUG= $(VMDIR)/run-vm.sh selftests/bench.sh

lint: setup
	$(VMDIR)/lint.sh

install: module
	$(MAKE) -C $(KDIR) M=$(CURDIR_ABS) modules_install
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) -a $(KVER)

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR_ABS) clean 2>/dev/null
	$(MAKE) -C tools clean
	$(MAKE) -C selftests clean
