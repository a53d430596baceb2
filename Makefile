# SPDX-License-Identifier: GPL-2.0
#
# cprhold top-level Makefile.
#
#   make             module (against KDIR), userspace and selftests
#   make check       every test: host checks and unit tests, then the VM
#                    suite on each kernel of the matrix (Debian 6.1, 6.12)
#   make demo        a live handover inside the test VM, as a summary
#   make setup       install what the build and the tests need (idempotent)
#   make install     module, library, CLI, man pages, udev rule
#
# KDIR selects the kernel headers; by default the newest Debian 6.12 headers
# installed (or unpacked by scripts/setup), else 6.1.  The module alone
# also builds the kbuild way: make -C $KDIR M=$PWD

KDIR ?= $(shell $(CURDIR)/scripts/kdir)
W ?= 1

all: module userspace selftests

setup:
	@scripts/setup

module:
	@if [ -z "$(KDIR)" ]; then \
		scripts/setup --kernels && \
		$(MAKE) --no-print-directory module KDIR="$$(scripts/kdir)"; \
	else \
		$(MAKE) -C "$(KDIR)" M="$(CURDIR)" W=$(W) modules; \
	fi

userspace:
	$(MAKE) -C userspace

selftests: userspace
	$(MAKE) -C selftests

check:
	@scripts/check

demo:
	@scripts/demo

clean:
	@if [ -n "$(KDIR)" ]; then $(MAKE) -C "$(KDIR)" M="$(CURDIR)" clean; fi
	$(MAKE) -C userspace clean
	$(MAKE) -C selftests clean
	rm -rf build

.PHONY: all setup module userspace selftests check demo clean
