# SPDX-License-Identifier: GPL-2.0
#
# cprhold top-level Makefile.
#
#   make             module (against KDIR), userspace and selftests
#   make check       every test: host checks and unit tests, then the VM
#                    suite on each kernel of the matrix (Debian 6.1, 6.12,
#                    the debug kernel); K=6.1|6.12|debug|<release> runs
#                    those kernels only, T=<program>... those tests only
#   make demo        a live handover inside the test VM, as a summary
#   make bench       benchmarks inside the test VM: results and plots in
#                    bench/results/
#   make setup       install what the build and the tests need (idempotent)
#   make ynl-check   the generic netlink spec (Documentation/netlink/specs/)
#                    against the kernel's schema and uapi/linux/cprhold.h
#                    (TAP; skips what lacks the kernel's YNL tools)
#   make install     module (running kernel, updates/), library, header,
#                    pkg-config file, CLI, man pages, udev rule;
#                    KMOD_TREE=<dir> installs a module tree built elsewhere
#   make dkms-src    module sources to /usr/src/cprhold-VERSION for DKMS
#   make deb         Debian packages (cprhold-dkms, libcprhold1,
#                    libcprhold-dev, cprhold-utils) in build/deb/
#
# KDIR selects the kernel headers; by default the newest Debian 6.12 headers
# installed (or unpacked by scripts/setup), else 6.1.  The module alone
# also builds the kbuild way: make -C $KDIR M=$PWD

KDIR ?= $(shell $(CURDIR)/scripts/kdir)
W ?= 1
VERSION := $(shell sed -n 's/^\#define CPRHOLD_MODULE_VERSION[^"]*"\(.*\)"/\1/p' kmod/version.h)

# Installation: the module for the running kernel (or KREL), into
# /lib/modules/$(KREL)/updates; the rest under $(PREFIX).  DESTDIR is
# honoured (then depmod and udev are left to the packager).
PREFIX ?= /usr/local
KREL ?= $(shell uname -r)
INSTALL_KDIR ?= /lib/modules/$(KREL)/build
UDEVRULESDIR ?= /etc/udev/rules.d
MANDIR ?= $(PREFIX)/share/man
INCLUDEDIR ?= $(PREFIX)/include
DKMS_SRC ?= /usr/src/cprhold-$(VERSION)

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

ynl-check:
	@scripts/ynl-check

check:
	@CHECK_KERNELS="$(or $(K),$(CHECK_KERNELS))" CHECK_TESTS="$(or $(T),$(CHECK_TESTS))" \
		scripts/check

demo:
	@scripts/demo

bench:
	@scripts/bench

deb:
	@scripts/deb

# The module tree make install installs: this checkout (built first, if
# needed), or a tree already built for KREL elsewhere (make check's
# build/kmod/<rel>), installed as it is, the way "make modules_install"
# installs what "make modules" built.
KMOD_TREE ?= $(CURDIR)

install: userspace
	@test -d "$(INSTALL_KDIR)" || { echo "no kernel headers at $(INSTALL_KDIR) (set KREL or INSTALL_KDIR)"; exit 1; }
ifeq ($(abspath $(KMOD_TREE)),$(CURDIR))
	$(MAKE) -C "$(INSTALL_KDIR)" M="$(KMOD_TREE)" modules
else
	@test -f "$(KMOD_TREE)/kmod/cprhold.ko" || { echo "KMOD_TREE=$(KMOD_TREE) holds no built kmod/cprhold.ko"; exit 1; }
endif
	$(MAKE) -C "$(INSTALL_KDIR)" M="$(KMOD_TREE)" INSTALL_MOD_DIR=updates \
		INSTALL_MOD_PATH="$(DESTDIR)" modules_install
	install -D -m 0644 uapi/linux/cprhold.h "$(DESTDIR)$(INCLUDEDIR)/linux/cprhold.h"
	install -D -m 0644 udev/60-cprhold.rules "$(DESTDIR)$(UDEVRULESDIR)/60-cprhold.rules"
	install -D -m 0644 man/cprhold.4 "$(DESTDIR)$(MANDIR)/man4/cprhold.4"
	$(MAKE) -C userspace install PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" MANDIR="$(MANDIR)"
	@if [ -z "$(DESTDIR)" ]; then \
		depmod -a "$(KREL)"; \
		ldconfig; \
		if command -v udevadm >/dev/null && udevadm control --reload 2>/dev/null; then \
			udevadm trigger --subsystem-match=misc --sysname-match=cprhold; \
		fi; \
	fi

uninstall:
	# modules_install may have compressed them (.ko.xz on 6.12)
	rm -f "$(DESTDIR)/lib/modules/$(KREL)/updates/kmod/cprhold.ko"* \
	      "$(DESTDIR)/lib/modules/$(KREL)/updates/kmod/cprhold_kvm.ko"*
	rm -f "$(DESTDIR)$(INCLUDEDIR)/linux/cprhold.h" \
	      "$(DESTDIR)$(UDEVRULESDIR)/60-cprhold.rules" \
	      "$(DESTDIR)$(MANDIR)/man4/cprhold.4"
	$(MAKE) -C userspace uninstall PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" MANDIR="$(MANDIR)"
	@if [ -z "$(DESTDIR)" ]; then depmod -a "$(KREL)"; ldconfig; fi

# The module sources where DKMS expects them; then:
#   dkms add -m cprhold -v $(VERSION) && dkms install -m cprhold -v $(VERSION)
dkms-src:
	@test "$$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)" = "$(VERSION)" || \
		{ echo "dkms.conf PACKAGE_VERSION is not $(VERSION)"; exit 1; }
	rm -rf "$(DESTDIR)$(DKMS_SRC)"
	install -d "$(DESTDIR)$(DKMS_SRC)/kmod" "$(DESTDIR)$(DKMS_SRC)/uapi/linux"
	install -m 0644 Kbuild dkms.conf "$(DESTDIR)$(DKMS_SRC)/"
	install -m 0644 kmod/Kbuild kmod/*.c kmod/*.h "$(DESTDIR)$(DKMS_SRC)/kmod/"
	install -m 0644 uapi/linux/cprhold.h "$(DESTDIR)$(DKMS_SRC)/uapi/linux/"
	rm -f "$(DESTDIR)$(DKMS_SRC)"/kmod/*.mod.c

clean:
	@if [ -n "$(KDIR)" ]; then $(MAKE) -C "$(KDIR)" M="$(CURDIR)" clean; fi
	$(MAKE) -C userspace clean
	$(MAKE) -C selftests clean
	rm -rf build

.PHONY: all setup module userspace selftests ynl-check check demo bench deb install uninstall dkms-src clean
