#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""QEMU live update through cprhold, in the test VM (nested KVM).

Runs the tiny heartbeat guest (heartbeat.S, as QEMU's -bios) with its RAM
on memory-backend-memfd,share=on under the QEMU that scripts/qemu-build
built with qemu-patches/, and checks, printing TAP:

  handover   old QEMU in container A migrates in mode cpr-transfer through a
             cprhold session (CPR state, the RAM memfds and the main stream
             all in the session) and exits; only then new QEMU starts in
             container B, which cannot see A's files, claims the session with
             the secret the management layer copied over, and the guest goes
             on counting where it was.
  secret     a new QEMU with a wrong secret is refused, and the session
             stays claimable.
  adopt      with adopt=on, new QEMU runs the guest on old QEMU's KVM VM
             itself (the same VM object in KVM's debugfs, its exit count
             going on; from a paused guest, the vCPU registers new QEMU
             reads from it are those old QEMU read at the stop); old QEMU
             takes the VM back with 'cont' when nobody took it and when a
             successor (tools/adopt_hold) adopted it and was killed;
             without cprhold_kvm new QEMU falls back to a VM of its own
             with a warning.
  irq        an ivshmem-doorbell interrupt raised through its irqfd (our
             ivshmem server signals the eventfd) while neither QEMU runs
             the guest reaches it after the pause, once, with adopt=on and
             with the VM recreated; and, when new QEMU fails to load, the
             guest once 'cont' resumed it in old QEMU.
  vfio       devices passed through with vfio-pci (the test VM's edu and
             virtio-rng) keep working across the update, adopted and
             recreated, with the guest taking their interrupts as MSI,
             INTx (also while the guest has its line masked, and when old
             QEMU resumes after new QEMU failed) and MSI-X: no reset, DMA
             and the interrupt chain go on; rollback when new QEMU dies.
  failures   new QEMUs that die or fail at each step; a VFIO device whose
             INTx bypasses KVM is refused.
  rollback   a new QEMU claims and is killed before it loaded the stream:
             while it holds the claim, old QEMU refuses to resume the guest;
             once it is gone, old QEMU takes the session back ('cont') and
             the guest counts on there.
  pause      the guest pause, from old QEMU's STOP event to new QEMU's
             RESUME event, and as the guest saw it (largest TSC gap, and
             the gap between heartbeat lines), for stock cpr-transfer over
             UNIX sockets and for the cprhold transport.

Containers: unshare(1) with new user, mount, pid, net, ipc and uts
namespaces; each container has its own directory and the other one's is
hidden under a tmpfs.

Usage: cprhold_qemu.py [--bench N] [--json FILE] [--only handover,adopt,...]
Environment: QEMU (binary; default: scripts/qemu-build's), CPRHOLD_OUT.
"""

import argparse
import functools
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
CTL = os.path.join(REPO, "userspace", "cprholdctl", "cprholdctl")

TAP_N = 0
FAILED = 0

# qemu-patches: the token of the KVM VM in a session (adopt=on), vCPU i
# at CPRHOLD_KVM_VM + 1 + i
CPRHOLD_KVM_VM = 0x10000


def tap(ok, name, diag=None):
    global TAP_N, FAILED
    TAP_N += 1
    if not ok:
        FAILED += 1
    print("%s %d %s" % ("ok" if ok else "not ok", TAP_N, name), flush=True)
    if isinstance(diag, BaseException):
        # What was raised, and where in this file: the first lines after
        # "not ok" are all that make check's summary (and CI) show.
        where = [f for f in traceback.extract_tb(diag.__traceback__)
                 if f.filename == __file__]
        diag = "".join(traceback.format_exception_only(type(diag), diag))
        if where:
            diag = "%s (line %d, in %s)\n%s" % (
                diag.strip(), where[-1].lineno, where[-1].name,
                " <- ".join("%d %s" % (f.lineno, f.name)
                            for f in reversed(where[:-1])))
    if diag:
        for line in str(diag).splitlines():
            print("# " + line, flush=True)


def diag(msg):
    for line in str(msg).splitlines():
        print("# " + line, flush=True)


class TestError(Exception):
    pass


# ---- QMP ------------------------------------------------------------------

class QMP:
    """A QMP client that records every event with its timestamp."""

    def __init__(self, path, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise TestError("no QMP socket at %s" % path)
                time.sleep(0.002)
        self.sock.settimeout(timeout)
        self.rd = self.sock.makefile("r")
        self.events = []
        greeting = json.loads(self.rd.readline())
        if "QMP" not in greeting:
            raise TestError("bad QMP greeting %s" % greeting)
        self.cmd("qmp_capabilities")

    def _read(self):
        line = self.rd.readline()
        if not line:
            raise TestError("QMP connection closed")
        msg = json.loads(line)
        if "event" in msg:
            ts = msg["timestamp"]
            msg["_t"] = ts["seconds"] + ts["microseconds"] / 1e6
            self.events.append(msg)
        return msg

    def cmd_raw(self, name, **args):
        req = {"execute": name}
        if args:
            req["arguments"] = args
        self.sock.sendall(json.dumps(req).encode() + b"\n")
        while True:
            msg = self._read()
            if "return" in msg or "error" in msg:
                return msg

    def cmd(self, name, **args):
        msg = self.cmd_raw(name, **args)
        if "error" in msg:
            raise TestError("%s: %s" % (name, msg["error"]["desc"]))
        return msg["return"]

    def wait_event(self, name, timeout=60, pred=None):
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for e in self.events[seen:]:
                if e["event"] == name and (pred is None or pred(e)):
                    return e
            seen = len(self.events)
            left = deadline - time.monotonic()
            if left <= 0:
                raise TestError("no %s event within %ds" % (name, timeout))
            self.sock.settimeout(left)
            try:
                self._read()
            except socket.timeout:
                raise TestError("no %s event within %ds" % (name, timeout))

    def wait_migration(self, timeout=120):
        """Wait for the migration to complete or fail; return the status."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            st = self.cmd("query-migrate")
            if st.get("status") in ("completed", "failed", "cancelled"):
                return st
            time.sleep(0.01)
        raise TestError("migration did not end within %ds" % timeout)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# ---- OCI containers -----------------------------------------------------------

def char_dev(path):
    st = os.stat(path)
    return {"path": path, "type": "c", "major": os.major(st.st_rdev),
            "minor": os.minor(st.st_rdev), "fileMode": 0o660, "uid": 0,
            "gid": 0}


def oci_bundle(t, workdir, name, args):
    """An OCI bundle that runs @args (QEMU) as a management layer would:
    its own pid, mount, ipc, uts and network namespaces, a root file
    system of nothing but the host's /usr and /etc (read-only), QEMU's
    build directory and the guest image (read-only), /dev/kvm and
    /dev/cprhold, and one directory of its own (@workdir: the monitor
    socket and the secret file).  Nothing is shared with another
    container."""
    bundle = os.path.join(t.work, "bundles", name)
    rootfs = os.path.join(bundle, "rootfs")
    os.makedirs(rootfs, exist_ok=True)
    for link in ("bin", "lib", "lib64", "sbin"):
        if os.path.islink("/" + link) and \
                not os.path.lexists(os.path.join(rootfs, link)):
            os.symlink(os.readlink("/" + link), os.path.join(rootfs, link))

    def bind(path, ro=True):
        return {"destination": path, "type": "bind", "source": path,
                "options": ["rbind", "ro" if ro else "rw", "nosuid"]}

    def fs(dest, kind, opts):
        return {"destination": dest, "type": kind, "source": kind,
                "options": opts}

    qemu_dir = os.path.dirname(os.path.realpath(args[0]))
    mounts = [fs("/proc", "proc", ["nosuid", "noexec", "nodev"]),
              fs("/dev", "tmpfs", ["nosuid", "strictatime", "mode=755",
                                   "size=65536k"]),
              fs("/dev/shm", "tmpfs", ["nosuid", "nodev", "mode=1777"]),
              fs("/sys", "sysfs", ["nosuid", "noexec", "nodev", "ro"]),
              fs("/tmp", "tmpfs", ["nosuid", "nodev", "mode=1777"]),
              fs("/run", "tmpfs", ["nosuid", "nodev", "mode=755"]),
              bind("/usr"), bind("/etc"), bind(qemu_dir), bind(t.guest),
              bind(workdir, ro=False)]
    # a wrapper script (QEMU=...) and the binary it runs
    wrapper_dir = os.path.dirname(os.path.abspath(args[0]))
    if wrapper_dir != qemu_dir and not wrapper_dir.startswith("/usr/"):
        mounts.append(bind(wrapper_dir))
    config = {
        "ociVersion": "1.0.2",
        "process": {"terminal": False, "user": {"uid": 0, "gid": 0},
                    "args": args, "cwd": "/",
                    "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],
                    "noNewPrivileges": True},
        "root": {"path": "rootfs", "readonly": False},
        "hostname": name,
        "mounts": mounts,
        "linux": {
            "namespaces": [{"type": n} for n in
                           ("pid", "mount", "ipc", "uts", "network")],
            "devices": [char_dev("/dev/kvm"), char_dev("/dev/cprhold")],
        },
    }
    with open(os.path.join(bundle, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
    return bundle


# ---- an ivshmem server -------------------------------------------------------

class IvshmemServer:
    """A minimal ivshmem server (QEMU's docs/specs/ivshmem-spec.rst).

    Every QEMU that connects is peer 0 with one vector and gets the same
    shared memory and the same eventfd for that vector, as the server of
    a guest that moves from one QEMU to the next would give it.  QEMU
    binds the eventfd to the VM as an irqfd once the guest enabled MSI-X,
    so kick() raises the heartbeat guest's interrupt through KVM alone,
    whichever QEMU runs the guest, and also while none does."""

    def __init__(self, path):
        self.path = path
        self.shm = os.memfd_create("cprhold-ivshmem", 0)
        os.ftruncate(self.shm, 1 << 20)
        self.efd = os.eventfd(0)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(4)
        self.conns = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            msg = lambda v: v.to_bytes(8, "little", signed=True)
            try:
                # In ivshmem-server's order: QEMU takes what comes after
                # the shared memory once the device is realized
                c.sendall(msg(0))                   # protocol version
                c.sendall(msg(0))                   # the client's peer ID
                socket.send_fds(c, [msg(-1)], [self.shm])   # shared memory
                socket.send_fds(c, [msg(0)], [self.efd])    # its vector 0
            except OSError:
                c.close()
                continue
            self.conns.append(c)

    def qemu_args(self):
        """The QEMU options of an ivshmem-doorbell served by this server
        (bus 0, where heartbeat.S looks for it)."""
        return ["-chardev", "socket,path=%s,id=ivs" % self.path,
                "-device", "ivshmem-doorbell,chardev=ivs,vectors=1,"
                "master=on,addr=0x10"]

    def kick(self):
        os.eventfd_write(self.efd, 1)

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()
        os.close(self.efd)
        os.close(self.shm)


# ---- the edu device, passed through with vfio-pci --------------------------

class EduVfio:
    """QEMU's edu device of the test VM, bound to vfio-pci by vm-init
    ($CPRHOLD_EDU), as the test VM's kernel sees it: the config space the
    guest's QEMU programmed through VFIO, its MSIs, and the locked memory
    the VFIO container charges to the QEMU that supplied its addresses."""

    def __init__(self, intx_guest=None):
        """With @intx_guest (heartbeat.S built with EDU_INTX), the guest
        takes the device's interrupts as INTx, not MSI."""
        self.bdf = os.environ.get("CPRHOLD_EDU")
        self.sysfs = "/sys/bus/pci/devices/%s" % self.bdf
        self.intx_guest = intx_guest

    def present(self):
        return bool(self.bdf) and os.path.exists(self.sysfs + "/config")

    def qemu_args(self):
        dev = ["-device", "vfio-pci,host=%s,id=edu" % self.bdf]
        # the last -bios wins
        return dev + (["-bios", self.intx_guest] if self.intx_guest else [])

    def config(self):
        """Command register and MSI capability (control, address, data),
        as programmed in the device.  In INTx mode the test VM's vfio-pci
        masks and unmasks INTx with the command register's INTx disable
        bit as interrupts come and go: that bit is left out."""
        with open(self.sysfs + "/config", "rb") as f:
            c = f.read(256)
        u16 = lambda o: int.from_bytes(c[o:o + 2], "little")
        u32 = lambda o: int.from_bytes(c[o:o + 4], "little")
        cmd = u16(4) & ~(0x400 if self.intx_guest else 0)
        out = {"command": cmd}
        cap = c[0x34]
        while cap:
            if c[cap] == 0x05:
                ctl = u16(cap + 2)
                wide = bool(ctl & 0x80)
                out["msi"] = (ctl, u32(cap + 4),
                              u32(cap + 8) if wide else 0,
                              u16(cap + (12 if wide else 8)))
            elif c[cap] == 0x11:
                out["msix"] = u16(cap + 2)
            cap = c[cap + 1]
        return out

    @staticmethod
    def progress(hb):
        """(interrupts, completed transfers, errors) in heartbeat @hb"""
        return tuple(hb[5:8])

    def irqs(self):
        """How many of the device's interrupts (MSI or INTx) this kernel
        took (all CPUs)."""
        n = 0
        with open("/proc/interrupts") as f:
            for line in f:
                if ("vfio-msi" in line or "vfio-intx" in line) and \
                        self.bdf in line:
                    n += sum(int(x) for x in line.split()[1:]
                             if x.isdigit())
        return n

    @staticmethod
    def vmlck_kib(pid):
        with open("/proc/%d/status" % pid) as f:
            m = re.search(r"^VmLck:\s+(\d+) kB", f.read(), re.M)
        return int(m.group(1)) if m else None


class VioVfio(EduVfio):
    """The modern virtio-rng of the test VM, bound to vfio-pci by vm-init
    ($CPRHOLD_VIO): a device with MSI-X, rate-limited to one answer per
    250 ms.  heartbeat.S keeps one request queued (each answer's
    interrupt queues the next, which then waits in the device for most
    of a period), and counts the interrupts.  They are the work here:
    progress() gives them as completions too, and no errors."""

    def __init__(self):
        super().__init__()
        self.bdf = os.environ.get("CPRHOLD_VIO")
        self.sysfs = "/sys/bus/pci/devices/%s" % self.bdf

    def qemu_args(self):
        return ["-device", "vfio-pci,host=%s,id=rng" % self.bdf]

    @staticmethod
    def progress(hb):
        return (hb[4], hb[4], 0)


EDU_VEC = 0x41      # heartbeat.S's vector of the edu device's interrupts

# KVM_SET_SREGS refusing the special registers QEMU puts back into a vCPU
# (after a new QEMU loaded the guest's state into a VM it created, or an
# old QEMU resumed after a failed update): a fault of the nested test VM,
# not yet explained, seen in stock cpr-transfer as well as in cprhold's
# recreate and rollback paths, with vCPU registers that are not the
# guest's (Documentation/dev-tools/testing.rst, "The test VM").
# Tester.retry_sregs_fault().
SREGS_FAULT = ("Putting registers after init: Failed to set special "
               "registers: Invalid argument")


class KvmInjections:
    """The interrupts KVM injects into guests (kvm_inj_virq, not counting
    re-injections of one whose delivery an exit cut short), from a trace
    instance of the test VM's kernel: what tells a duplicate interrupt
    that KVM injected (one an update delivered twice) from one that the
    emulator running the test VM made up.  Under instruction counting,
    the test VM's QEMU (TCG's nested SVM) can deliver an event that
    VMRUN injected a second time when the round-robin vCPU loop is kicked
    right after the VMRUN: the guest then takes one interrupt twice, and
    KVM's trace shows one injection (see Documentation/dev-tools/
    testing.rst, "The test VM")."""

    def __init__(self):
        self.dir = "/sys/kernel/tracing/instances/cprhold-qemu-%d" % os.getpid()
        try:
            os.mkdir(self.dir)
            self._write("trace_clock", "mono")   # time.monotonic()'s clock
            self._write("buffer_size_kb", "4096")
            self._write("events/kvm/kvm_inj_virq/enable", "1")
        except OSError as e:
            diag("no trace of KVM's injections (%s): the edu checks count "
                 "every interrupt for nothing" % e)
            self.close()

    def _write(self, name, val):
        with open(os.path.join(self.dir, name), "w") as f:
            f.write(val)

    def _try_write(self, name, val):
        """_write(), if there is a trace instance, ignoring errors"""
        if self.dir:
            try:
                self._write(name, val)
            except OSError:
                pass

    def clear(self):
        self._try_write("trace", "")

    def times(self, vector):
        """When KVM injected @vector since the last clear() (monotonic
        seconds), or None if that is not known (no trace, events lost)"""
        if not self.dir:
            return None
        out = []
        try:
            with open(os.path.join(self.dir, "trace")) as f:
                for line in f:
                    m = re.match(r"# entries-in-buffer/entries-written: "
                                 r"(\d+)/(\d+)", line)
                    if m and m.group(1) != m.group(2):
                        return None
                    m = re.search(r" (\d+\.\d+): kvm_inj_virq: IRQ 0x([0-9a-f]+)"
                                  r"(.*)$", line)
                    if m and int(m.group(2), 16) == vector and \
                            "reinjected" not in m.group(3):
                        out.append(float(m.group(1)))
        except OSError:
            return None
        return out

    def close(self):
        self._try_write("events/kvm/kvm_inj_virq/enable", "0")
        if self.dir:
            try:
                os.rmdir(self.dir)
            except OSError:
                pass
        self.dir = None


# ---- QEMU processes ---------------------------------------------------------

class Qemu:
    """One QEMU running the heartbeat guest, its serial console on a pipe."""

    def __init__(self, t, name, extra, container=None, qmp_wait=False,
                 oci=False, serial_in=False):
        self.t = t
        self.name = name
        self.oci = None
        self.dir = os.path.join(t.work, container or name)
        os.makedirs(self.dir, exist_ok=True)
        self.qmp_path = os.path.join(self.dir, "qmp-%s.sock" % name)
        # (monotonic time, count, tsc, gap, irqs, edu irqs, edu dma, edu bad)
        self.lines = []
        self.lock = threading.Lock()
        args = [t.qemu, "-accel", "kvm", "-nodefaults", "-display", "none",
                "-M", "q35,memory-backend=ram,aux-ram-share=on",
                "-m", "64", "-smp", "1",
                "-object", "memory-backend-memfd,id=ram,size=64M,share=on",
                "-bios", t.guest,
                "-L", "/usr/share/seabios", "-L", "/usr/share/qemu",
                "-chardev", "stdio,id=hb,signal=off", "-serial", "chardev:hb",
                "-qmp", "unix:%s,server=on,wait=%s"
                % (self.qmp_path, "on" if qmp_wait else "off")] + extra
        if container and oci:
            self.oci = "cprhold-%d-%s" % (os.getpid(), name)
            args = ["crun", "--cgroup-manager=disabled", "run", "--bundle",
                    oci_bundle(t, self.dir, name, args), self.oci]
        elif container:
            others = [os.path.join(t.work, c) for c in t.containers
                      if c != container]
            for d in others:
                os.makedirs(d, exist_ok=True)
            # Hide the other containers' directories, then run QEMU.
            script = ('for d in "$@"; do [ "$d" = -- ] && break; '
                      'mount -t tmpfs -o size=1m hidden "$d" || exit 1; done; '
                      'while [ "$1" != -- ]; do shift; done; shift; '
                      'exec "$@"')
            args = (["unshare", "--user", "--map-root-user", "--mount",
                     "--pid", "--fork", "--kill-child", "--mount-proc",
                     "--net", "--ipc", "--uts", "--",
                     "/bin/sh", "-c", script, "sh"] + others + ["--"] + args)
        self.start = time.monotonic()
        self.migrate_at = None
        self.connected_at = None
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE,
                                     stdin=subprocess.PIPE if serial_in
                                     else subprocess.DEVNULL)
        self.err = b""
        self.reader = threading.Thread(target=self._read_serial, daemon=True)
        self.reader.start()
        threading.Thread(target=self._read_err, daemon=True).start()
        self.qmp = None

    def _read_serial(self):
        buf = b""
        fd = self.proc.stdout.fileno()
        while True:
            chunk = os.read(fd, 4096)
            if not chunk:
                return
            now = time.monotonic()
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                m = re.match(rb"hb ([0-9a-f]{8}) ([0-9a-f]{16}) ([0-9a-f]{16})"
                             rb"(?: ([0-9a-f]{8})){4}$", line.strip())
                if m:
                    f = [int(x, 16) for x in line.split()[1:]]
                    with self.lock:
                        self.lines.append(tuple([now] + f))

    def _read_err(self):
        fd = self.proc.stderr.fileno()
        while True:
            chunk = os.read(fd, 4096)
            if not chunk:
                return
            self.err += chunk

    def serial(self, data):
        """Send @data to the guest's COM1 (needs serial_in)."""
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def stderr(self):
        return self.err.decode(errors="replace").strip()

    def connect(self, timeout=60):
        try:
            self.qmp = QMP(self.qmp_path, timeout)
        except TestError as e:
            raise TestError("%s: %s; stderr: %s" % (self.name, e, self.stderr()))
        self.connected_at = time.monotonic()
        return self.qmp

    def heartbeats(self):
        with self.lock:
            return list(self.lines)

    def last_count(self):
        hb = self.heartbeats()
        return hb[-1][1] if hb else None

    def wait_beats(self, n, timeout=30, after=0):
        """Wait for n heartbeat lines with a count above @after."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            hb = [h for h in self.heartbeats() if h[1] > after]
            if len(hb) >= n:
                return hb
            if self.proc.poll() is not None:
                break
            time.sleep(0.01)
        rc = self.proc.poll()
        raise TestError("%s: fewer than %d heartbeats after count %d "
                        "(have %s; %s); stderr: %s"
                        % (self.name, n, after, self.last_count(),
                           "running" if rc is None else
                           "exited with status %d" % rc, self.stderr()))

    def qemu_pid(self):
        """The QEMU process: the unshare child, or the process itself."""
        pid = self.proc.pid
        try:
            with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
                kids = f.read().split()
            return int(kids[0]) if kids else pid
        except OSError:
            return pid

    def wait_exit(self, timeout=30):
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise TestError("%s did not exit within %ds" % (self.name, timeout))
        self.reader.join(5)
        return rc

    def settle(self):
        """The last heartbeat count, once the paused guest's output is in."""
        time.sleep(0.3)
        return self.last_count()

    def kill(self):
        if self.proc.poll() is None:
            try:
                os.kill(self.qemu_pid(), signal.SIGKILL)
            except OSError:
                pass
            self.proc.kill()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
        if self.oci:
            subprocess.run(["crun", "delete", "-f", self.oci],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        if self.qmp:
            self.qmp.close()


# ---- the tests ----------------------------------------------------------------

class Tester:
    containers = ("a", "b")

    def __init__(self, qemu):
        self.qemu = qemu
        self.work = tempfile.mkdtemp(prefix="cprhold-qemu.", dir="/var/tmp")
        self.guest = self.build_guest("heartbeat")
        self.guest_intx = self.build_guest("heartbeat-intx", "-DEDU_INTX")
        self.procs = []
        self.dumped = 0
        self.seq = 0
        self.kvm_inj = KvmInjections()
        self.guest_qemu = None      # the QEMU the scenario's guest booted in
        self.guest_started = None
        self.guest_msi = False
        self.dups_seen = None
        self.dups_why = None        # why the last errors were not excused

    def build_guest(self, name, *cflags):
        """heartbeat.S as a -bios image, in the work directory"""
        obj, elf, img = (os.path.join(self.work, name + ext)
                         for ext in (".o", ".elf", ".bin"))
        subprocess.run(["gcc", "-c", *cflags, "-o", obj,
                        os.path.join(HERE, "heartbeat.S")], check=True)
        subprocess.run(["ld", "-m", "elf_x86_64", "-Ttext", "0", "-o", elf,
                        obj], check=True)
        subprocess.run(["objcopy", "-O", "binary", "-j", ".text", elf, img],
                       check=True)
        return img

    def new_qemu(self, name, extra=(), container=None, qmp_wait=False,
                 oci=False, serial_in=False):
        if "-incoming" not in extra:
            # A guest boots: the edu checks count KVM's injections from here
            self.kvm_inj.clear()
            self.guest_started = time.monotonic()
            self.guest_msi = self.guest_intx not in extra
        q = Qemu(self, name, list(extra), container, qmp_wait, oci,
                 serial_in)
        if "-incoming" not in extra:
            self.guest_qemu = q
        self.procs.append(q)
        return q

    def session(self, what):
        self.seq += 1
        return "qemu-test-%d-%s-%d" % (os.getpid(), what, self.seq)

    def dump(self):
        """The stderr of the QEMUs of the last scenario, as diagnostics."""
        for q in self.procs[self.dumped:]:
            q.kill()
            if q.stderr():
                diag("%s: %s" % (q.name, q.stderr()))
        self.dumped = len(self.procs)

    def cleanup(self):
        for q in self.procs:
            q.kill()
        self.kvm_inj.close()
        shutil.rmtree(self.work, ignore_errors=True)

    def tsc_hz(self, q):
        """The guest TSC rate, from its heartbeats and the host clock."""
        hb = q.heartbeats()
        if len(hb) < 2 or hb[-1][0] - hb[0][0] < 0.2:
            return None
        return (hb[-1][2] - hb[0][2]) / (hb[-1][0] - hb[0][0])

    def start_guest(self, name, container=None, extra=(), oci=False,
                    again=True):
        """A QEMU that boots the guest, once it printed 5 heartbeats.  A
        QEMU that runs but whose guest never printed one (a fault of the
        nested test VM seen once in many runs, before anything of cprhold
        touched this guest) is described and booted once more."""
        old = self.new_qemu(name, extra, container=container, oci=oci)
        old.connect()
        try:
            old.wait_beats(5)
        except TestError as e:
            if not again or old.last_count() is not None or \
                    old.proc.poll() is not None:
                raise
            diag("retrying a guest that never ran: %s" % e)
            for line in self.stuck_guest(old):
                diag("  " + line)
            old.kill()
            try:
                os.unlink(old.qmp_path)
            except OSError:
                pass
            return self.start_guest(name, container, extra, oci, False)
        return old

    def stuck_guest(self, q):
        """What a QEMU whose guest prints nothing is doing: its run state,
        where its vCPU is, whether its KVM VM exits, its threads' kernel
        wait channels."""
        out = []
        try:
            q.qmp.sock.settimeout(5)
            out.append("status %s" % q.qmp.cmd("query-status"))
            regs = q.qmp.cmd("human-monitor-command",
                             **{"command-line": "info registers"})
            out += [" ".join(regs.split()[:12])]
            out += [ln for ln in regs.splitlines()
                    if ln.startswith(("CR0", "EFER", "CS ="))]
        except (TestError, OSError, ValueError) as e:
            out.append("QMP: %s" % e)
        pid = q.qemu_pid()
        vms = self.kvm_vms()
        mine = self.vms_of(vms, pid)
        time.sleep(1)
        later = self.kvm_vms()
        out.append("KVM VMs %s, exits %s -> %s in 1 s"
                   % (mine, [vms.get(v) for v in mine],
                      [later.get(v) for v in mine]))
        try:
            for tid in sorted(os.listdir("/proc/%d/task" % pid), key=int):
                d = "/proc/%d/task/%s/" % (pid, tid)
                with open(d + "comm") as f:
                    comm = f.read().strip()
                with open(d + "wchan") as f:
                    wchan = f.read().strip()
                with open(d + "stat") as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
                out.append("thread %s %s: %s %s" % (tid, comm, state, wchan))
        except OSError as e:
            out.append("threads: %s" % e)
        return out

    def shared_session(self, what, **uri):
        """A new session's name, its secret file in the directory both
        QEMUs see, and its cprhold address (cprhold_uri()'s keywords)."""
        shared = os.path.join(self.work, "shared")
        os.makedirs(shared, exist_ok=True)
        sess = self.session(what)
        secret = os.path.join(shared, sess + ".secret")
        return sess, secret, self.cprhold_uri(sess, secret, **uri)

    @staticmethod
    def cprhold_uri(session, secret_file, wait=None, adopt=False):
        uri = "cprhold:%s,secret-file=%s" % (session, secret_file)
        return (uri + (",wait=" + wait if wait else "") +
                (",adopt=on" if adopt else ""))

    @staticmethod
    def kvm_vms():
        """The KVM VMs in this machine's debugfs: {"PID-FD": exits}.

        KVM names a VM's directory after the process that created it and
        the fd it got, and keeps the name for the VM's life."""
        d = "/sys/kernel/debug/kvm"
        vms = {}
        for n in os.listdir(d):
            if re.match(r"^[0-9]+-[0-9]+$", n):
                try:
                    with open(os.path.join(d, n, "exits")) as f:
                        vms[n] = int(f.read())
                except OSError:
                    pass
        return vms

    @staticmethod
    def vms_of(vms, pid):
        return sorted(n for n in vms if n.startswith("%d-" % pid))

    @staticmethod
    def sessions_left(sess):
        """Sessions of this scenario still in the kernel (cprholdctl)."""
        r = subprocess.run([CTL, "list", "-j"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            raise TestError("cprholdctl list: " + r.stderr)
        return [s["name"] for s in json.loads(r.stdout or "[]")
                if s["name"] in (sess, sess + ".cpr")]

    def beating(self, q, secs=0.5):
        """Does the guest run in @q: do its heartbeats go on?"""
        last = q.last_count()
        q.wait_beats(2, timeout=30, after=last)
        return True

    def measure(self, old, new, stop, resume, hz, old_last):
        """Pause figures of one handover, in milliseconds."""
        res = {"qmp_ms": (resume["_t"] - stop["_t"]) * 1e3}
        # The TSC rate from all of old QEMU's beats if the start gave none
        hz = hz or self.tsc_hz(old)
        after = [h for h in new.heartbeats() if h[1] > old_last]
        if after:
            first = after[0]
            res["first_count"] = first[1]
            before = [h for h in old.heartbeats() if h[1] <= old_last]
            # A TSC set back (CPR restores the one saved at the stop):
            # the guest cannot see the pause, and its gap says nothing
            if before and first[2] < before[-1][2]:
                res["tsc_set_back"] = True
            elif hz:
                res["tsc_gap_ms"] = first[3] / hz * 1e3
            if before:
                res["beat_gap_ms"] = (first[0] - before[-1][0]) * 1e3
        return res

    def cpr_migrate(self, old, new, **target):
        """Old QEMU migrates in mode cpr-transfer to target (uri= or
        channels=); new QEMU (if given) gets its monitor connected, which
        it opens once it has the CPR state.  Returns the final status."""
        old.qmp.cmd("migrate-set-parameters", mode="cpr-transfer")
        old.migrate_at = time.monotonic()
        old.qmp.cmd("migrate", **target)
        if new:
            new.connect()
        return old.qmp.wait_migration()

    @staticmethod
    def completed(st, what):
        if st["status"] != "completed":
            raise TestError("%s migration %s: %s"
                            % (what, st["status"], st.get("error-desc")))

    # -- stock cpr-transfer over UNIX sockets (the baseline) --
    def run_cpr_transfer(self):
        old = self.start_guest("old-unix")
        main = os.path.join(self.work, "main-%d.sock" % self.seq)
        cpr = os.path.join(self.work, "cpr-%d.sock" % self.seq)
        self.seq += 1
        chan = lambda t, p: {"channel-type": t, "addr": {
            "transport": "socket", "type": "unix", "path": p}}
        new = self.new_qemu("new-unix", [
            "-incoming", json.dumps(chan("main", main)),
            "-incoming", json.dumps(chan("cpr", cpr))])
        # new QEMU listens on the cpr socket before its monitor is up
        deadline = time.monotonic() + 60
        while not os.path.exists(cpr):
            if time.monotonic() > deadline or new.proc.poll() is not None:
                raise TestError("new QEMU does not listen: " + new.stderr())
            time.sleep(0.005)
        hz = self.tsc_hz(old)
        st = self.cpr_migrate(old, new, channels=[chan("main", main),
                                                  chan("cpr", cpr)])
        self.completed(st, "cpr-transfer")
        stop = old.qmp.wait_event("STOP")
        old_last = old.settle()
        resume = new.qmp.wait_event("RESUME")
        new.wait_beats(3, after=old_last)
        res = self.measure(old, new, stop, resume, hz, old_last)
        old.qmp.cmd("quit")
        old.wait_exit()
        new.qmp.cmd("quit")
        new.wait_exit()
        return res

    # -- cprhold, new QEMU started beside the old one and waiting --
    def edu_pause(self, old, new, old_last, res, stop=None):
        """With the edu device passed through: did the guest's DMA chain
        go on after the pause, that is, did the interrupt of the transfer
        in flight at the stop reach it in new QEMU?"""
        sp = [h for h in old.heartbeats() if h[1] <= old_last][-1][5:8]
        e = self.wait_dma(new, sp[1] + 2)
        res["edu_chain_on"] = bool(e and e[1] >= sp[1] + 2 and e[2] == 0)
        if not res["edu_chain_on"]:
            raise TestError("the edu DMA chain stopped in the update: %s at "
                            "the stop, %s after; %s"
                            % (sp, e, self.edu_history(old, new, stop)))

    def edu_history(self, old, new, stop=None):
        """When the guest first counted an edu error: the beats of both
        QEMUs around it, in ms from old QEMU's migrate command, with the
        times new QEMU opened its monitor and old QEMU's STOP event."""
        t0 = old.migrate_at or old.start
        marks = []
        if new.connected_at:
            marks.append("new QEMU's monitor %+.1f ms"
                         % ((new.connected_at - t0) * 1e3))
        if stop:
            # QMP's timestamps are wall-clock time, the beats' monotonic
            mono = stop["_t"] - (time.time() - time.monotonic())
            marks.append("STOP %+.1f ms" % ((mono - t0) * 1e3))
        beats = ([("old",) + h for h in old.heartbeats()] +
                 [("new",) + h for h in new.heartbeats()])
        beats.sort(key=lambda b: b[1])
        bad = [i for i, b in enumerate(beats) if b[8]]
        if not bad:
            return "no beat counts an error"
        if self.dups_why:
            marks.append("not made up by the emulator: " + self.dups_why)
        i = bad[0]
        return "; ".join(marks + ["first error (%d beats in all): "
                                  % len(beats)]) + ", ".join(
            "%s #%d %+.1f ms edu %d/%d/%#x" % (b[0], b[2], (b[1] - t0) * 1e3,
                                               b[6], b[7], b[8])
            for b in beats[max(0, i - 2):i + 2])

    def retry_refused(self, fn):
        """Run @fn once more if old QEMU refused to hand a VFIO device over
        at the stop (vfio-cpr-pci's pre_save: the guest may have changed
        its interrupts after the CPR state was sent, a race a management
        layer answers with a retry); the reason is in old QEMU's stderr."""
        try:
            return fn()
        except TestError as e:
            if "pre-save failed: vfio-cpr-pci" not in str(e):
                raise
            diag("retrying after a refusal: %s" % e)
            self.dump()
            return fn()

    def retry_sregs_fault(self, fn):
        """Run @fn once more if one of its QEMUs that never adopted a VM
        (a new QEMU that created its own, or an old QEMU resumed after a
        failed update) died on SREGS_FAULT; a second failure stands.  A
        diagnostic says each time it happened."""
        first = len(self.procs)
        try:
            return fn()
        except TestError as e:
            hit = None
            for q in self.procs[first:]:
                if "adopt" in q.name:
                    continue
                try:
                    q.proc.wait(5)
                except subprocess.TimeoutExpired:
                    continue
                time.sleep(0.2)         # the rest of its stderr
                if SREGS_FAULT in q.stderr():
                    hit = q
                    break
            if not hit:
                raise
            diag("retrying after a fault of the test VM: %s died on "
                 "\"%s\" (%s)" % (hit.name, SREGS_FAULT, e))
            self.dump()
            return fn()

    def run_cprhold_prestarted(self, check_old=False, extra=()):
        """new QEMU waits for the session: the pause excludes its start.
        @extra: more devices for both QEMUs (the edu device)."""
        sess, secret, uri = self.shared_session("pre")
        old = self.start_guest("old-pre", extra=extra)
        if extra:
            self.wait_dma(old, 2)
        new = self.new_qemu("new-pre", list(extra) + ["-incoming", uri],
                            qmp_wait=True)
        hz = self.tsc_hz(old)
        st = self.cpr_migrate(old, new, uri=uri)
        self.completed(st, "cprhold")
        stop = old.qmp.wait_event("STOP")
        old_last = old.settle()
        resume = new.qmp.wait_event("RESUME")
        new.wait_beats(3, after=old_last)
        res = self.measure(old, new, stop, resume, hz, old_last)
        if extra:
            self.edu_pause(old, new, old_last, res, stop)
        if check_old:
            # The guest runs in new QEMU now: old QEMU must not resume it
            r = old.qmp.cmd_raw("cont")
            res["old_cont_error"] = r.get("error", {}).get("desc")
        old.qmp.cmd("quit")
        old.wait_exit()
        new.qmp.cmd("quit")
        new.wait_exit()
        return res

    # -- cprhold with adopt=on: new QEMU runs the guest on the old VM --
    def run_cprhold_adopt(self, check=False, extra=()):
        """new QEMU waits beside old QEMU, then adopts the KVM VM itself.
        @extra: more devices for both QEMUs (the edu device)."""
        sess, secret, uri = self.shared_session("adopt", adopt=True)
        devices = list(extra)
        old = self.start_guest("old-adopt", extra=devices)
        if devices:
            self.wait_dma(old, 2)
        res = {}
        if check:
            vms = self.kvm_vms()
            res["vms_before"] = sorted(vms)
            res["old_vm"] = self.vms_of(vms, old.qemu_pid())
        extra = devices + ["-incoming", uri]
        if check:
            # Where new QEMU put guest RAM, and what it did to memslots
            res["trace"] = os.path.join(self.work, "new-adopt.trace")
            extra += ["-trace", "file_ram_alloc_at",
                      "-trace", "kvm_kept_slots_reconcile",
                      "-D", res["trace"]]
        new = self.new_qemu("new-adopt", extra, qmp_wait=True)
        hz = self.tsc_hz(old)
        old.qmp.cmd("migrate-set-parameters", mode="cpr-transfer")
        old.migrate_at = time.monotonic()
        old.qmp.cmd("migrate", uri=uri)
        # new QEMU opens its monitor once it claimed the CPR session
        new.connect()
        if check:
            res["new_pid"] = new.qemu_pid()
        st = old.qmp.wait_migration()
        self.completed(st, "cprhold")
        stop = old.qmp.wait_event("STOP")
        old_last = old.settle()
        if check:
            res["exits_at_stop"] = self.kvm_vms().get(
                (res["old_vm"] or ["-"])[0])
        resume = new.qmp.wait_event("RESUME")
        new.wait_beats(3, after=old_last)
        res.update(self.measure(old, new, stop, resume, hz, old_last))
        if devices:
            self.edu_pause(old, new, old_last, res, stop)
        if check:
            res["old_last"] = old_last
            old.qmp.cmd("quit")
            old.wait_exit()
            last = new.last_count()
            new.wait_beats(3, after=last)
            res["new_counts"] = [h[1] for h in new.heartbeats()
                                 if h[1] > old_last][:5]
            vms = self.kvm_vms()
            res["vms_after"] = vms
            res["exits_after"] = vms.get((res["old_vm"] or ["-"])[0])
            res["new_err"] = new.stderr()
            res["left"] = self.sessions_left(sess)
            with open(res["trace"]) as f:
                log = f.read()
            res["ram_placed"] = len(re.findall(r"file_ram_alloc_at .* errno 0$",
                                               log, re.M))
            res["ram_elsewhere"] = len(re.findall(
                r"file_ram_alloc_at .* errno [1-9]", log))
            m = re.findall(r"memslots kept (\d+), deleted (\d+), added (\d+)",
                           log)
            res["memslots"] = [int(x) for x in m[-1]] if m else None
        else:
            old.qmp.cmd("quit")
            old.wait_exit()
        new.qmp.cmd("quit")
        new.wait_exit()
        # A pause measured on a VM made anew would not be adopt=on's
        if "new KVM VM" in new.stderr():
            raise TestError("adopt=on fell back to a new KVM VM: "
                            + new.stderr())
        return res

    # -- an interrupt raised through an irqfd while the guest is paused --
    def wait_irqs(self, q, n, timeout=10):
        """Wait for a heartbeat of @q that counts @n interrupts."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            hb = q.heartbeats()
            if hb and hb[-1][4] >= n:
                return hb[-1][4]
            time.sleep(0.02)
        hb = q.heartbeats()
        return hb[-1][4] if hb else None

    def run_irq_in_pause(self, adopt):
        """The guest takes the interrupts of an ivshmem-doorbell, whose
        eventfd our ivshmem server holds and QEMU binds to KVM as an
        irqfd.  The server signals it once the guest stopped in old QEMU
        (which completed the migration: it wrote the device state and,
        with adopt=on, let go of the VM) and before new QEMU loaded
        anything: new QEMU is frozen with SIGSTOP from its ready signal
        until then, old QEMU until new QEMU is frozen.  The guest must
        take that interrupt once it runs in new QEMU."""
        tag = "adopt" if adopt else "recreate"
        sess, secret, uri = self.shared_session("irq-" + tag, adopt=adopt)
        srv = IvshmemServer(os.path.join(self.work, sess + ".ivshmem"))
        dev = srv.qemu_args()
        out = {}
        try:
            old = self.start_guest("old-irq-" + tag, extra=dev)
            out["irqs_start"] = old.heartbeats()[-1][4]
            srv.kick()
            out["irqs_old"] = self.wait_irqs(old, 1)
            old.qmp.cmd("migrate-set-parameters", mode="cpr-transfer")
            old.qmp.cmd("migrate", uri=uri)
            os.kill(old.qemu_pid(), signal.SIGSTOP)
            new = None
            try:
                new = self.new_qemu("new-irq-" + tag, dev + ["-incoming", uri],
                                    qmp_wait=True)
                new.connect()
                self.wait_cpr_taken(sess)
                os.kill(new.qemu_pid(), signal.SIGSTOP)
            finally:
                os.kill(old.qemu_pid(), signal.SIGCONT)
            try:
                st = old.qmp.wait_migration()
                out["migration"] = st["status"]
                old.qmp.wait_event("STOP")
                old_last = old.settle()
                out["old_last_irqs"] = old.heartbeats()[-1][4]
                out["sealed"] = sess in self.sessions_left(sess)
                srv.kick()              # in the pause: nobody runs the guest
            finally:
                os.kill(new.qemu_pid(), signal.SIGCONT)
            new.qmp.wait_event("RESUME")
            hb = new.wait_beats(2, after=old_last)
            out["irqs_after"] = hb[0][4]
            out["irqs_pause"] = self.wait_irqs(new, 2)
            srv.kick()                  # and the irqfd works on after it
            out["irqs_end"] = self.wait_irqs(new, 3)
            old.qmp.cmd("quit")
            old.wait_exit()
            new.qmp.cmd("quit")
            new.wait_exit()
            out["new_err"] = new.stderr()
            out["left"] = self.sessions_left(sess)
        finally:
            srv.close()
        return out

    def run_adopt_registers(self):
        """adopt=on from a paused guest: new QEMU, which loaded the state
        into a VM of its own and then took old QEMU's, reads the adopted
        vCPU's registers ("info registers", from KVM) as old QEMU read them
        at the stop; then 'cont' runs the guest on."""
        sess, secret, uri = self.shared_session("regs", adopt=True)
        out = {}
        old = self.start_guest("old-regs")
        old.qmp.cmd("stop")
        old.qmp.wait_event("STOP")
        hmp = lambda q: q.qmp.cmd("human-monitor-command",
                                  **{"command-line": "info registers"})
        out["old"] = hmp(old)
        new = self.new_qemu("new-regs", ["-incoming", uri], qmp_wait=True)
        st = self.cpr_migrate(old, new, uri=uri)
        out["migration"] = st["status"]
        old_last = old.settle()
        end = time.monotonic() + 30
        while new.qmp.cmd("query-status")["status"] == "inmigrate" and \
                time.monotonic() < end:
            time.sleep(0.05)
        out["new_status"] = new.qmp.cmd("query-status")["status"]
        out["new"] = hmp(new)
        old.qmp.cmd("quit")
        old.wait_exit()
        new.qmp.cmd("cont")
        beats = new.wait_beats(2, after=old_last)
        out["old_last"] = old_last
        out["new_counts"] = [b[1] for b in beats]
        out["new_err"] = new.stderr()
        out["left"] = self.sessions_left(sess)
        new.qmp.cmd("quit")
        new.wait_exit()
        return out

    def run_irq_rollback(self):
        """As run_load_fails() (old QEMU has a device new QEMU lacks), with
        the ivshmem-doorbell of run_irq_in_pause(): old QEMU held its
        irqfds back at the switch-over; a signal after its migration
        completed and before 'cont' must reach the guest once 'cont'
        resumed it in old QEMU, and the irqfd work on after."""
        sess, secret, uri = self.shared_session("irq-rb")
        srv = IvshmemServer(os.path.join(self.work, sess + ".ivshmem"))
        dev = srv.qemu_args()
        out = {}
        try:
            old = self.start_guest("old-irq-rb",
                                   extra=dev + ["-device", "i6300esb"])
            srv.kick()
            out["irqs_old"] = self.wait_irqs(old, 1)
            new = self.new_qemu("new-irq-rb", dev + ["-incoming", uri],
                                qmp_wait=True)
            old.qmp.cmd("migrate-set-parameters", mode="cpr-transfer")
            old.qmp.cmd("migrate", uri=uri)
            new.connect()
            out["new_rc"] = new.wait_exit(60)
            st = old.qmp.wait_migration()
            out["migration"] = st["status"]
            old_last = old.settle()
            out["irqs_stop"] = old.heartbeats()[-1][4]
            srv.kick()                  # the guest is stopped in old QEMU
            time.sleep(0.2)
            out["irqs_stopped"] = old.heartbeats()[-1][4]
            r = old.qmp.cmd_raw("cont")
            out["cont"] = r.get("error", {}).get("desc", "accepted")
            old.qmp.wait_event("RESUME")
            old.wait_beats(2, after=old_last)
            out["irqs_resumed"] = self.wait_irqs(old, 2)
            srv.kick()
            out["irqs_end"] = self.wait_irqs(old, 3)
            out["left"] = self.sessions_left(sess)
            old.qmp.cmd("quit")
            old.wait_exit()
        finally:
            srv.close()
        return out

    # -- a passed-through edu device keeps working across the update --
    def edu(self, q, dev=EduVfio):
        """(interrupts, transfers, errors) of the passed-through device
        @dev (edu unless said) in @q's last heartbeat, less the interrupts
        for nothing the emulator made up (see emulator_dups())."""
        hb = q.heartbeats()
        if not hb:
            return None
        irqs, dma, bad = dev.progress(hb[-1])
        if dev is EduVfio and self.guest_msi and bad and not bad & ~0xff:
            dups = self.emulator_dups(hb)
            irqs, bad = irqs - dups, bad - dups
        return irqs, dma, bad

    def emulator_dups(self, hb):
        """How many of the edu interrupts for nothing that the guest counted
        in heartbeats @hb were not injected by KVM: all of them if the
        guest took exactly that many more edu MSIs than KVM injected since
        it booted, and counted them all while it still ran in the QEMU it
        booted in (before any state of it was handed over), else 0.  The
        count is taken at the last heartbeat with no injection in the
        20 ms before it (the beat could be on its way meanwhile)."""
        times = self.kvm_inj.times(EDU_VEC)
        if times is None or self.guest_qemu is None:
            self.dups_why = "KVM's injections not known"
            return 0
        first = [h[7] for h in self.guest_qemu.heartbeats()]
        if not first or max(first) != hb[-1][7]:
            self.dups_why = ("errors counted after the guest left its first "
                             "QEMU (%s there)" % (max(first) if first else "-"))
            return 0
        times = [t for t in times if t >= self.guest_started]
        for b in reversed(hb):
            if not any(b[0] - 0.02 <= t <= b[0] for t in times):
                break
        else:
            self.dups_why = ("no heartbeat without an injection in the 20 ms "
                             "before it (%d beats, %d injections)"
                             % (len(hb), len(times)))
            return 0
        irqs, _, bad = EduVfio.progress(b)
        injected = sum(1 for t in times if t < b[0])
        self.dups_why = ("KVM injected %d edu interrupts, the guest took %d "
                         "with %#x errors" % (injected, irqs, bad))
        if bad & ~0xff or irqs - injected != bad:
            return 0
        if bad and self.dups_seen != (self.guest_started, bad):
            self.dups_seen = (self.guest_started, bad)
            diag("the guest took %d edu interrupt(s) for nothing that KVM "
                 "did not inject (%d injected, %d taken), in the QEMU it "
                 "booted in: made up by the emulator running this VM, not "
                 "counted" % (bad, injected, irqs))
        return bad

    def wait_dma(self, q, n, timeout=20, dev=EduVfio):
        """Wait for a heartbeat of @q that counts @n transfers."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            e = self.edu(q, dev)
            if e and e[1] >= n:
                return e
            if q.proc.poll() is not None:
                break
            time.sleep(0.02)
        return self.edu(q, dev)

    def vfio_device(self, mode):
        """The passed-through device whose interrupts are in @mode"""
        if mode == "msix":
            return VioVfio()
        return EduVfio(self.guest_intx if mode == "intx" else None)

    def run_vfio(self, adopt, mode="msi"):
        """The guest keeps DMA transfers of the edu device going, each
        started by the completion interrupt of the one before (heartbeat.S),
        so one is always in flight while it runs.  new QEMU waits beside
        old QEMU with -S, so the guest stays paused after the migration
        until 'cont', 0.5 s after old QEMU stopped it: the transfer in
        flight at the stop completes in the pause (the test VM's kernel
        counts its MSI), and its interrupt must reach the guest in new
        QEMU, or the chain stops for good.  The device must not be reset
        or reprogrammed (the test VM's kernel sees the same command
        register and MSI), DMA must land in the right pages after the
        address switch (the guest compares every transfer), and the locked
        memory moves to new QEMU with the DMA addresses.  @mode "intx":
        the guest takes the device's interrupts as INTx (level-triggered,
        resampled when the guest's EOI comes back) instead of MSI.  @mode
        "msix": the device is the virtio-rng instead, whose MSI-X vector 0
        the guest keeps busy: a request is almost always waiting in the
        device, and the chain goes on only if the interrupt for its
        answer, which usually comes in the pause, reaches the guest."""
        tag = ("adopt" if adopt else "recreate") + "-" + mode
        edu = self.vfio_device(mode)
        dev = type(edu)
        sess, secret, uri = self.shared_session("vfio-" + tag, adopt=adopt)
        trace = os.path.join(self.work, "new-vfio-%s.trace" % tag)
        out = {}
        old = self.start_guest("old-vfio-" + tag, extra=edu.qemu_args())
        out["old_vms"] = self.vms_of(self.kvm_vms(), old.qemu_pid())
        out["edu_start"] = self.wait_dma(old, 4, dev=dev)
        out["cfg_before"] = edu.config()
        out["old_vmlck"] = edu.vmlck_kib(old.qemu_pid())
        new = self.new_qemu("new-vfio-" + tag, edu.qemu_args() + [
            "-S", "-incoming", uri, "-trace", "vfio_pci_reset*",
            "-trace", "vfio_cpr_*", "-trace", "kvm_irqfd_resample_kick",
            "-D", trace], qmp_wait=True)
        st = self.cpr_migrate(old, new, uri=uri)
        out["migration"] = st["status"]
        out["error"] = st.get("error-desc", "")
        old.qmp.wait_event("STOP")
        out["irqs_stop"] = edu.irqs()
        old_last = old.settle()
        out["edu_stop"] = self.edu(old, dev)
        end = time.monotonic() + 30
        while new.qmp.cmd("query-status")["status"] == "inmigrate" and \
                time.monotonic() < end:
            time.sleep(0.05)
        out["new_status"] = new.qmp.cmd("query-status")["status"]
        time.sleep(0.2)
        out["irqs_pause"] = edu.irqs() - out["irqs_stop"]
        out["edu_paused"] = self.edu(new, dev)  # None: no beat before 'cont'
        new.qmp.cmd("cont")
        new.qmp.wait_event("RESUME")
        seen = 0
        if not adopt:
            # Old QEMU, which still has its VM, is reset: the device that
            # new QEMU drives now must not be
            seen = len(old.stderr())
            r = old.qmp.cmd_raw("system_reset")
            out["old_reset"] = r.get("error", {}).get("desc", "accepted")
        new.wait_beats(2, after=old_last)
        out["edu_after"] = self.wait_dma(new, out["edu_stop"][1] + 6,
                                         dev=dev)
        out["cfg_after"] = edu.config()
        old.qmp.cmd("quit")
        old.wait_exit()
        # what old QEMU said from its system_reset on
        out["old_err"] = old.stderr()[seen:] if not adopt else ""
        out["vms_after"] = sorted(self.kvm_vms())
        out["new_vmlck"] = edu.vmlck_kib(new.qemu_pid())
        out["edu_end"] = self.wait_dma(new, out["edu_after"][1] + 2,
                                       dev=dev)
        new.qmp.cmd("quit")
        new.wait_exit()
        out["new_err"] = new.stderr()
        with open(trace) as f:
            tr = f.read()
        out["resets"] = len(re.findall(r"vfio_pci_reset", tr))
        out["cpr_events"] = len(re.findall(r"vfio_cpr_", tr))
        out["claimed"] = "vfio_cpr_claim_" + mode + " " in tr
        # INTx: the resample eventfd was signalled when the irqfd was
        # assigned again, as the guest ran in new QEMU
        out["unmasked"] = "kvm_irqfd_resample_kick" in tr
        out["left"] = self.sessions_left(sess)
        return out

    def wait_still(self, q, dev, secs=1.0, timeout=20):
        """Wait until @q's guest has completed no transfer for @secs."""
        end = time.monotonic() + timeout
        last, since = self.edu(q, dev), time.monotonic()
        while time.monotonic() < end:
            time.sleep(0.05)
            e = self.edu(q, dev)
            if e != last:
                last, since = e, time.monotonic()
            elif time.monotonic() - since >= secs:
                return e
        raise TestError("the guest's transfers never stopped: %s" % (last,))

    def run_vfio_intx_masked(self, adopt, fail=False):
        """The guest masks its INTx line in the I/O APIC (as Linux does
        for a threaded handler) while a transfer is in flight: its
        completion asserts INTx, which VFIO masks and KVM holds asserted
        but cannot deliver.  The update then deassigns and reassigns the
        irqfd, and KVM drops the line: only new QEMU's unmask when the
        guest runs gets VFIO to signal the still-asserted INTx again.
        Then the guest unmasks the line: the interrupt must come and the
        DMA chain go on.  With @fail, new QEMU lacks a device of old QEMU
        and fails to load: old QEMU, whose irqfds were held back too, takes
        the guest back with 'cont', and its own unmask must do the same."""
        tag = ("adopt" if adopt else "recreate") + "-mask" + \
            ("-fail" if fail else "")     # (the QMP socket path is short)
        edu = self.vfio_device("intx")
        dev = type(edu)
        sess, secret, uri = self.shared_session("vfio-" + tag, adopt=adopt)
        out = {}
        # a device before edu, so that new QEMU fails before its state
        wdt = ["-device", "i6300esb"] if fail else []
        old = self.new_qemu("old-vfio-" + tag, wdt + edu.qemu_args(),
                            serial_in=True)
        old.connect()
        out["edu_start"] = self.wait_dma(old, 4, dev=dev)
        irqs = edu.irqs()
        old.serial(b"f")
        out["edu_frozen"] = self.wait_still(old, dev)
        out["irqs_frozen"] = edu.irqs() - irqs
        new = self.new_qemu("new-vfio-" + tag, edu.qemu_args() + [
            "-incoming", uri], qmp_wait=True, serial_in=True)
        st = self.cpr_migrate(old, new, uri=uri)
        out["migration"] = st["status"]
        out["error"] = st.get("error-desc", "")
        old_last = old.settle()
        if fail:
            out["new_rc"] = new.wait_exit(60)
            r = old.qmp.cmd_raw("cont")
            out["cont"] = r.get("error", {}).get("desc", "accepted")
            new = old
        new.qmp.wait_event("RESUME")
        new.wait_beats(2, after=old_last)
        out["edu_moved"] = self.edu(new, dev)
        new.serial(b"u")
        out["edu_after"] = self.wait_dma(new, out["edu_frozen"][1] + 4,
                                         dev=dev)
        for q in {old, new}:
            q.qmp.cmd("quit")
            q.wait_exit()
        out["left"] = self.sessions_left(sess)
        return out

    def run_vfio_rollback(self, mode="msi"):
        """new QEMU is killed once it took the CPR state, and with it the
        VFIO fds; old QEMU's migration fails and the guest runs on in old
        QEMU with the device working and the locked memory back; then a
        second update, to a new QEMU that completes, works.  @mode as for
        run_vfio()."""
        edu = self.vfio_device(mode)
        dev = type(edu)
        sess, secret, uri = self.shared_session("vfio-rb-" + mode)
        out = {}
        old = self.start_guest("old-vfio-rb-" + mode, extra=edu.qemu_args())
        out["edu_start"] = self.wait_dma(old, 4, dev=dev)
        out["old_vmlck"] = edu.vmlck_kib(old.qemu_pid())
        old.qmp.cmd("migrate-set-parameters", mode="cpr-transfer")
        old.qmp.cmd("migrate", uri=uri)
        os.kill(old.qemu_pid(), signal.SIGSTOP)
        try:
            new = self.new_qemu("new-vfio-rb-" + mode, edu.qemu_args() +
                                ["-incoming", uri], qmp_wait=True)
            new.connect()
            self.wait_cpr_taken(sess)
            os.kill(new.qemu_pid(), signal.SIGKILL)
            new.wait_exit()
        finally:
            os.kill(old.qemu_pid(), signal.SIGCONT)
        st = old.qmp.wait_migration()
        out["migration"] = st["status"]
        out["run_status"] = old.qmp.cmd("query-status")["status"]
        e = self.edu(old, dev)
        out["edu_rolled_back"] = self.wait_dma(old, e[1] + 4, dev=dev)
        out["old_vmlck_after"] = edu.vmlck_kib(old.qemu_pid())
        out["left"] = self.sessions_left(sess)
        # and the next update works
        sess2, secret2, uri2 = self.shared_session("vfio-rb2-" + mode)
        new2 = self.new_qemu("new-vfio-rb2-" + mode, edu.qemu_args() +
                             ["-incoming", uri2], qmp_wait=True)
        old.qmp.cmd("migrate", uri=uri2)
        new2.connect()
        st = old.qmp.wait_migration()
        out["migration2"] = st["status"]
        out["error2"] = st.get("error-desc", "")
        old.qmp.wait_event("STOP")
        old_last = old.settle()
        e = self.edu(old, dev)
        new2.qmp.wait_event("RESUME")
        new2.wait_beats(2, after=old_last)
        out["edu_second"] = self.wait_dma(new2, e[1] + 4, dev=dev)
        old.qmp.cmd("quit")
        old.wait_exit()
        new2.qmp.cmd("quit")
        new2.wait_exit()
        out["left2"] = self.sessions_left(sess2)
        return out

    # -- adopt=on: the VM goes back to old QEMU if no new QEMU finished --
    def run_adopt_rollback(self, adopter):
        """old QEMU hands the VM over (wait=off) and takes it back.

        With @adopter, a successor first adopts the VM and is killed
        before it finishes the session (selftests/tools/adopt_hold)."""
        sess, secret, uri = self.shared_session("arb", wait="off",
                                                adopt=True)
        out = {}
        old = self.start_guest("old-arb")
        vm = self.vms_of(self.kvm_vms(), old.qemu_pid())
        st = self.cpr_migrate(old, None, uri=uri)
        self.completed(st, "cprhold")
        old_last = old.settle()
        exits = self.kvm_vms().get((vm or ["-"])[0])
        if adopter:
            hold = subprocess.Popen(
                [os.path.join(REPO, "selftests", "tools", "adopt_hold"),
                 sess, secret, str(CPRHOLD_KVM_VM), "2"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            out["adopter"] = hold.stdout.readline().strip()
            r = old.qmp.cmd_raw("cont")
            out["cont_while_adopted"] = r.get("error", {}).get("desc",
                                                              "accepted")
            hold.kill()
            out["adopter_err"] = hold.communicate(timeout=30)[1].strip()
        out["still_paused"] = old.last_count() == old_last
        r = old.qmp.cmd_raw("cont")
        out["cont"] = r.get("error", {}).get("desc", "accepted")
        old.qmp.wait_event("RESUME")
        beats = old.wait_beats(3, after=old_last)
        out["old_last"] = old_last
        out["old_counts"] = [b[1] for b in beats]
        vms = self.kvm_vms()
        out["same_vm"] = bool(vm) and vm[0] in vms and \
            exits is not None and vms[vm[0]] > exits
        out["old_err"] = old.stderr()
        old.qmp.cmd("quit")
        old.wait_exit()
        out["left"] = self.sessions_left(sess)
        return out

    # -- adopt=on, but the kernel refuses: new QEMU makes its own VM --
    def run_adopt_refused(self):
        """cprhold_kvm cannot be loaded: the update recreates the VM."""
        conf = "/etc/modprobe.d/cprhold-test-no-adopt.conf"
        with open(conf, "w") as f:
            f.write("install cprhold_kvm /bin/false\n")
        subprocess.run(["rmmod", "cprhold_kvm"], stderr=subprocess.DEVNULL)
        try:
            sess, secret, uri = self.shared_session("aref", adopt=True)
            old = self.start_guest("old-aref")
            vm = self.vms_of(self.kvm_vms(), old.qemu_pid())
            new = self.new_qemu("new-aref", ["-incoming", uri], qmp_wait=True)
            st = self.cpr_migrate(old, new, uri=uri)
            self.completed(st, "cprhold")
            old_last = old.settle()
            new.qmp.wait_event("RESUME")
            beats = new.wait_beats(3, after=old_last)
            out = {"old_last": old_last,
                   "new_counts": [b[1] for b in beats]}
            old.qmp.cmd("quit")
            old.wait_exit()
            vms = self.kvm_vms()
            out["old_vm_gone"] = bool(vm) and vm[0] not in vms
            out["new_vm"] = self.vms_of(vms, new.qemu_pid())
            out["new_err"] = new.stderr()
            new.qmp.cmd("quit")
            new.wait_exit()
            out["left"] = self.sessions_left(sess)
            return out
        finally:
            os.unlink(conf)

    # -- cprhold, old QEMU in A exits first, new QEMU in B starts later --
    def run_cprhold_handover(self, check_secret=False, oci=False):
        """Old QEMU in container A hands over and exits; new QEMU starts
        in container B.  With @oci, both containers are started by crun
        from OCI bundles (oci_bundle()), else by unshare."""
        ca, cb = ("oci-a", "oci-b") if oci else ("a", "b")
        sess = self.session("oci" if oci else "ho")
        sec_a = os.path.join(self.work, ca, sess + ".secret")
        sec_b = os.path.join(self.work, cb, sess + ".secret")
        os.makedirs(os.path.dirname(sec_b), exist_ok=True)
        out = {}
        old = self.start_guest("old-" + ca, container=ca, oci=oci)
        if oci:
            out["isolated_a"] = self.isolated(old, cb)
        hz = self.tsc_hz(old)
        st = self.cpr_migrate(old, None,
                              uri=self.cprhold_uri(sess, sec_a, "off"))
        self.completed(st, "cprhold")
        stop = old.qmp.wait_event("STOP")
        old.qmp.cmd("quit")
        old.wait_exit()
        old_last = old.last_count()
        out["old_last"] = old_last
        out["old_exited"] = True
        if not os.path.exists(sec_a):
            raise TestError("old QEMU wrote no secret file")
        if os.stat(sec_a).st_mode & 0o077:
            raise TestError("the secret file is readable by others")

        if check_secret:
            with open(sec_b, "w") as f:
                f.write("00" * 32 + "\n")
            bad = self.new_qemu("new-b-bad", ["-incoming",
                                self.cprhold_uri(sess, sec_b)], container=cb,
                                oci=oci)
            rc = bad.wait_exit(60)
            out["bad_secret_rc"] = rc
            out["bad_secret_err"] = bad.stderr()

        # The management layer hands the secret to container B
        shutil.copyfile(sec_a, sec_b)
        os.chmod(sec_b, 0o600)
        new = self.new_qemu("new-" + cb, ["-incoming",
                                           self.cprhold_uri(sess, sec_b)],
                            container=cb, qmp_wait=True, oci=oci)
        new.connect()
        if oci:
            out["isolated_b"] = self.isolated(new, ca)
        resume = new.qmp.wait_event("RESUME")
        new.wait_beats(3, after=old_last)
        out.update(self.measure(old, new, stop, resume, hz, old_last))
        beats = new.wait_beats(6, after=old_last)
        out["new_counts"] = [b[1] for b in beats]
        out["new_status"] = new.qmp.cmd("query-status")["status"]
        new.qmp.cmd("quit")
        new.wait_exit()
        out["left"] = self.sessions_left(sess)
        return out

    # -- new QEMU dies before it is ready: the guest never stops --
    def run_die_before_ready(self):
        sess, secret, uri = self.shared_session("dbr")
        out = {}
        old = self.start_guest("old-dbr")
        old.qmp.cmd("migrate-set-parameters", mode="cpr-transfer")
        old.qmp.cmd("migrate", uri=uri)
        # new QEMU takes the CPR state, then waits for migrate-incoming:
        # it is not ready, and is killed there.
        cpr = {"channel-type": "cpr", "addr": {
            "transport": "cprhold", "name": sess + ".cpr",
            "secret-file": secret}}
        new = self.new_qemu("new-dbr", ["-incoming", "defer",
                                        "-incoming", json.dumps(cpr)])
        new.connect()
        out["new_status"] = new.qmp.cmd("query-status")["status"]
        out["old_state"] = old.qmp.cmd("query-migrate").get("status")
        os.kill(new.qemu_pid(), signal.SIGKILL)
        new.wait_exit()
        out["running_after_kill"] = self.beating(old)
        out["old_run_status"] = old.qmp.cmd("query-status")["status"]
        # Another new QEMU takes over from there
        new2 = self.new_qemu("new-dbr2", ["-incoming", uri], qmp_wait=True)
        new2.connect()
        st = old.qmp.wait_migration()
        out["migration"] = st["status"]
        new2.qmp.wait_event("RESUME")
        last = old.settle()
        beats = new2.wait_beats(3, after=last)
        out["new2_counts"] = [b[1] for b in beats]
        out["old_last"] = last
        old.qmp.cmd("quit")
        old.wait_exit()
        new2.qmp.cmd("quit")
        new2.wait_exit()
        out["left"] = self.sessions_left(sess)
        return out

    def isolated(self, q, other):
        """Does QEMU @q run in namespaces of its own, without a view of
        container @other's directory?  A list of what is not so."""
        pid = q.qemu_pid()
        bad = [n for n in ("pid", "mnt", "net", "ipc", "uts")
               if os.readlink("/proc/%d/ns/%s" % (pid, n)) ==
               os.readlink("/proc/self/ns/%s" % n)]
        seen = "/proc/%d/root%s" % (pid, os.path.join(self.work, other))
        if os.path.exists(seen):
            bad.append("sees " + other)
        return bad

    def wait_cpr_taken(self, sess, timeout=60):
        """Wait until a new QEMU finished CPR session @sess.cpr (ready)."""
        end = time.monotonic() + timeout
        while sess + ".cpr" in self.sessions_left(sess):
            if time.monotonic() > end:
                raise TestError("no new QEMU finished %s.cpr" % sess)
            time.sleep(0.05)

    # -- new QEMU is ready, then killed before old QEMU sends the stream --
    def run_die_after_ready(self):
        """Old QEMU is frozen (SIGSTOP) so that it sees new QEMU's ready
        signal only after new QEMU was killed: it then writes the device
        state into a socket that nobody reads."""
        sess, secret, uri = self.shared_session("dar")
        out = {}
        old = self.start_guest("old-dar")
        old.qmp.cmd("migrate-set-parameters", mode="cpr-transfer")
        old.qmp.cmd("migrate", uri=uri)
        os.kill(old.qemu_pid(), signal.SIGSTOP)
        try:
            new = self.new_qemu("new-dar", ["-incoming", uri],
                                qmp_wait=True)
            new.connect()
            self.wait_cpr_taken(sess)
            os.kill(new.qemu_pid(), signal.SIGKILL)
            new.wait_exit()
        finally:
            os.kill(old.qemu_pid(), signal.SIGCONT)
        st = old.qmp.wait_migration()
        out["migration"] = st["status"]
        out["error"] = st.get("error-desc", "")
        out["running"] = self.beating(old)
        out["run_status"] = old.qmp.cmd("query-status")["status"]
        out["secret_removed"] = not os.path.exists(secret)
        out["left"] = self.sessions_left(sess)
        old.qmp.cmd("quit")
        old.wait_exit()
        return out

    # -- new QEMU cannot load the device state it got through the socket --
    def run_load_fails(self):
        """Old QEMU has a device that new QEMU lacks: new QEMU fails in
        the middle of the stream, gives everything back and exits; old
        QEMU completed its side (or failed it, when new QEMU closed the
        stream before old QEMU had written all of it: a race) and takes
        the guest back with 'cont'."""
        sess, secret, uri = self.shared_session("lf")
        out = {}
        old = self.start_guest("old-lf", extra=["-device", "i6300esb"])
        new = self.new_qemu("new-lf", ["-incoming", uri], qmp_wait=True)
        old.qmp.cmd("migrate-set-parameters", mode="cpr-transfer")
        old.qmp.cmd("migrate", uri=uri)
        new.connect()
        out["new_rc"] = new.wait_exit(60)
        out["new_err"] = new.stderr()
        st = old.qmp.wait_migration()
        out["migration"] = st["status"]
        old_last = old.settle()
        r = old.qmp.cmd_raw("cont")
        out["cont"] = r.get("error", {}).get("desc", "accepted")
        old.qmp.wait_event("RESUME")
        beats = old.wait_beats(3, after=old_last)
        out["old_last"] = old_last
        out["old_counts"] = [b[1] for b in beats]
        out["left"] = self.sessions_left(sess)
        old.qmp.cmd("quit")
        old.wait_exit()
        return out

    # -- the CPR session is destroyed from outside while old QEMU waits --
    def run_cpr_destroyed(self):
        sess, secret, uri = self.shared_session("dst")
        out = {}
        old = self.start_guest("old-dst")
        old.qmp.cmd("migrate-set-parameters", mode="cpr-transfer")
        old.qmp.cmd("migrate", uri=uri)
        out["before"] = self.sessions_left(sess)
        r = subprocess.run([CTL, "destroy", sess + ".cpr"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
        out["destroy_rc"] = r.returncode
        st = old.qmp.wait_migration()
        out["migration"] = st["status"]
        out["error"] = st.get("error-desc", "")
        out["running"] = self.beating(old)
        out["run_status"] = old.qmp.cmd("query-status")["status"]
        out["secret_removed"] = not os.path.exists(secret)
        out["left"] = self.sessions_left(sess)
        old.qmp.cmd("quit")
        old.wait_exit()
        return out

    # -- a guest with a VFIO device: cpr-transfer is refused --
    def run_vfio_intx_refused(self):
        """A VFIO device whose INTx does not go through KVM cannot be
        handed over: the guest of a QEMU started with -S never ran, so the
        edu device is in INTx mode, as realize left it, and x-no-kvm-intx
        keeps its INTx in QEMU.  The migration (wait=off, it needs no
        successor to start) fails with the reason, and the guest then
        runs with the device."""
        edu = EduVfio()
        sess = self.session("vfio-intx")
        secret = os.path.join(self.work, sess + ".secret")
        args = edu.qemu_args()
        args[1] += ",x-no-kvm-intx=on"
        q = self.new_qemu("old-vfio-intx", args + ["-S"])
        q.connect()
        q.qmp.cmd("migrate-set-parameters", mode="cpr-transfer")
        r = q.qmp.cmd_raw("migrate",
                          uri=self.cprhold_uri(sess, secret, "off"))
        out = {"error": r.get("error", {}).get("desc", "")}
        if not out["error"]:
            st = q.qmp.wait_migration()
            out["migration"] = st["status"]
            out["error"] = st.get("error-desc", "")
        out["left"] = self.sessions_left(sess)
        q.qmp.cmd("cont")
        out["edu"] = self.wait_dma(q, 4)
        q.qmp.cmd("quit")
        q.wait_exit()
        return out

    # -- rollback: new QEMU claims and dies; old QEMU takes the guest back --
    def run_rollback(self):
        sess, secret, uri = self.shared_session("rb")
        out = {}
        old = self.start_guest("old-rb", container="a")
        st = self.cpr_migrate(old, None,
                              uri=self.cprhold_uri(sess, secret, "off"))
        self.completed(st, "cprhold")
        old_last = old.settle()
        # new QEMU claims the session and loads the CPR state at startup,
        # then waits for migrate-incoming: killed there, mid-way.
        cpr = {"channel-type": "cpr", "addr": {
            "transport": "cprhold", "name": sess + ".cpr",
            "secret-file": secret}}
        new = self.new_qemu("new-rb", ["-incoming", "defer",
                                       "-incoming", json.dumps(cpr)],
                            container="b")
        new.connect()
        out["new_status"] = new.qmp.cmd("query-status")["status"]
        kept = os.path.join(self.work, "b", sess + ".secret")
        shutil.copyfile(secret, kept)
        # It holds the CPR state but not the guest: old QEMU may resume,
        # and then new QEMU can never take the guest.
        time.sleep(0.2)
        out["still_paused"] = old.last_count() == old_last
        r = old.qmp.cmd_raw("cont")
        out["cont_while_cpr_claimed"] = r.get("error", {}).get("desc",
                                                              "accepted")
        old.qmp.wait_event("RESUME")
        beats = old.wait_beats(3, after=old_last)
        out["old_counts"] = [b[1] for b in beats]
        r = new.qmp.cmd_raw("migrate-incoming",
                            uri=self.cprhold_uri(sess, secret))
        out["new_err"] = r.get("error", {}).get("desc", "accepted")
        out["new_status_after"] = new.qmp.cmd("query-status")["status"]
        new.kill()
        # The session is gone: a late new QEMU cannot claim it any more
        out["secret_removed"] = not os.path.exists(secret)
        late = self.new_qemu("new-late", ["-incoming",
                                          self.cprhold_uri(sess, kept)],
                             container="b")
        try:
            out["late_rc"] = late.wait_exit(90)
        except TestError:
            out["late_rc"] = None
        out["late_err"] = late.stderr()
        late.kill()
        old.qmp.cmd("quit")
        old.wait_exit()
        out["left"] = self.sessions_left(sess)
        return out


def find_qemu():
    if os.environ.get("QEMU"):
        return os.environ["QEMU"], None
    r = subprocess.run([os.path.join(REPO, "scripts", "qemu-build")],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    path = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
    if r.returncode != 0 or not os.access(path, os.X_OK):
        return None, r.stderr.strip()
    return path, None


def fmt(v):
    return "%.1f" % v if isinstance(v, float) else str(v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", type=int, default=0,
                    help="repetitions of each pause measurement")
    ap.add_argument("--json", help="write the measurements here")
    ap.add_argument("--only",
                    default="handover,secret,oci,adopt,irq,vfio,rollback,"
                    "failures,pause")
    opts = ap.parse_args()
    only = set(opts.only.split(","))

    print("TAP version 13", flush=True)
    qemu, err = find_qemu()
    tap(qemu is not None,
        "qemu: scripts/qemu-build gives a QEMU with qemu-patches/ applied",
        err or qemu)
    if not qemu:
        print("1..%d" % TAP_N)
        return 1
    with open(qemu, "rb") as f:
        has = b"cprhold:" in f.read()
    tap(has, "qemu: built with the cprhold transport (libcprhold found)")
    if not has:
        print("1..%d" % TAP_N)
        return 1
    ok = os.access("/dev/kvm", os.R_OK | os.W_OK) and \
        os.path.exists("/dev/cprhold")
    tap(ok, "qemu: /dev/kvm and /dev/cprhold are there")
    if not ok:
        print("1..%d" % TAP_N)
        return 1

    t = Tester(qemu)
    results = {"qemu": qemu, "kernel": os.uname().release}
    try:
        if "handover" in only or "secret" in only:
            try:
                r = t.run_cprhold_handover(check_secret="secret" in only)
                results["handover"] = r
                if "secret" in only:
                    tap(r.get("bad_secret_rc") not in (0, None) and
                        "wrong secret" in r.get("bad_secret_err", ""),
                        "secret: new QEMU with a wrong secret is refused",
                        r.get("bad_secret_err"))
                tap(r.get("old_exited"),
                    "handover: old QEMU in container A migrated through "
                    "cprhold (cpr-transfer mode) and exited")
                counts = r.get("new_counts", [])
                # A heartbeat line cut in two by the stop is lost: its
                # count may be skipped, but the guest must not restart.
                tap(counts and 1 <= counts[0] - r["old_last"] <= 2 and
                    counts == sorted(counts) and
                    r.get("new_status") == "running" and
                    r.get("left") == [],
                    "handover: new QEMU in container B, started afterwards, "
                    "claimed; the guest counts on from %s (%s)"
                    % (r["old_last"], counts[:3]),
                    "pause %s" % {k: fmt(v) for k, v in r.items()
                                  if k.endswith("_ms")})
            except Exception as e:
                t.dump()
                tap(False, "handover: old QEMU in A hands over to new QEMU "
                    "in B through cprhold", e)
        if "oci" in only:
            # The same handover, each QEMU in an OCI container run by crun
            try:
                if not shutil.which("crun"):
                    raise TestError("crun is missing (scripts/setup "
                                    "installs it)")
                r = t.run_cprhold_handover(oci=True)
                results["oci"] = r
                counts = r.get("new_counts", [])
                tap(r.get("old_exited") and counts and
                    1 <= counts[0] - r["old_last"] <= 2 and
                    counts == sorted(counts) and
                    r.get("new_status") == "running" and
                    r.get("left") == [] and
                    r.get("isolated_a") == [] and r.get("isolated_b") == [],
                    "oci: old QEMU in an OCI container (crun: own pid, "
                    "mount, net, ipc, uts namespaces, no view of the "
                    "other's directory) handed over and its container "
                    "exited; new QEMU in another one claimed, the guest "
                    "counts on from %s (%s)"
                    % (r["old_last"], counts[:3]),
                    "pause %s" % {k: fmt(v) for k, v in r.items()
                                  if k.endswith("_ms")})
            except Exception as e:
                t.dump()
                tap(False, "oci: a handover between two crun containers", e)
        if "adopt" in only:
            try:
                r = t.run_cprhold_adopt(check=True)
                results["adopt"] = r
                old_vm, after = r["old_vm"], sorted(r["vms_after"])
                counts = r.get("new_counts", [])
                tap(len(old_vm) == 1 and after == r["vms_before"],
                    "adopt: new QEMU runs the guest on old QEMU's KVM VM "
                    "(%s): after the update and old QEMU's exit the KVM "
                    "VMs of the machine are the same objects as before"
                    % old_vm, "before %s, after %s (new QEMU pid %s)"
                    % (r["vms_before"], after, r["new_pid"]))
                tap(r.get("exits_at_stop") is not None and
                    r.get("exits_after") is not None and
                    r["exits_after"] > r["exits_at_stop"],
                    "adopt: that VM's exit count goes on from its value at "
                    "the stop (%s -> %s), after old QEMU quit"
                    % (r.get("exits_at_stop"), r.get("exits_after")))
                slots = r.get("memslots")
                tap(r["ram_placed"] > 0 and r["ram_elsewhere"] == 0 and
                    slots and slots[0] > 0 and slots[1:] == [0, 0],
                    "adopt: new QEMU mapped guest RAM at old QEMU's "
                    "addresses (%d blocks) and the VM kept its memslots "
                    "(kept, deleted, added: %s)" % (r["ram_placed"], slots))
                tap(counts and 1 <= counts[0] - r["old_last"] <= 2 and
                    counts == sorted(counts) and r["left"] == [] and
                    "new KVM VM" not in r["new_err"],
                    "adopt: the guest counts on from %s (%s), no session "
                    "left, no fallback" % (r["old_last"], counts[:3]),
                    r["new_err"] or None)
            except Exception as e:
                t.dump()
                tap(False, "adopt: new QEMU adopts old QEMU's KVM VM", e)
        if "adopt" in only:
            try:
                r = t.run_adopt_rollback(adopter=False)
                tap(r["still_paused"] and r["cont"] == "accepted" and
                    r["old_counts"] and r["same_vm"] and r["left"] == [],
                    "adopt: old QEMU that parked and let go of its VM "
                    "(wait=off) takes it back with 'cont': the guest counts "
                    "on (%s) on the same VM, no session left"
                    % r["old_counts"][:3], str(r))
            except Exception as e:
                t.dump()
                tap(False, "adopt: old QEMU takes its VM back", e)
            try:
                r = t.run_adopt_rollback(adopter=True)
                tap(r["adopter"] == "adopted 2" and
                    "claimed by another" in r["cont_while_adopted"] and
                    r["still_paused"] and r["cont"] == "accepted" and
                    r["old_counts"] and r["same_vm"] and r["left"] == [],
                    "adopt: a successor adopts the VM and is killed before "
                    "it finishes; old QEMU refuses 'cont' meanwhile, then "
                    "adopts the VM back and the guest counts on (%s)"
                    % r["old_counts"][:3], str(r))
            except Exception as e:
                t.dump()
                tap(False, "adopt: rollback after a successor adopted", e)
            try:
                r = t.run_adopt_registers()
                diff = [(a, b) for a, b in zip(r["old"].splitlines(),
                                               r["new"].splitlines())
                        if a != b]
                c = r["new_counts"]
                tap(r["migration"] == "completed" and
                    r["new_status"] == "paused" and r["old"] and
                    r["old"] == r["new"] and c and
                    1 <= c[0] - r["old_last"] <= 2 and r["left"] == [] and
                    "new KVM VM" not in r["new_err"],
                    "adopt: from a paused guest, new QEMU reads the adopted "
                    "vCPU's registers as old QEMU read them at the stop "
                    "(info registers, %d lines identical); 'cont' runs the "
                    "guest on (%s)" % (len(r["old"].splitlines()), c[:3]),
                    "differ: %s; %s" % (diff[:4], r["new_err"]) if diff
                    else r["new_err"] or None)
            except Exception as e:
                t.dump()
                tap(False, "adopt: registers at the switch-over", e)
            try:
                r = t.run_adopt_refused()
                c = r["new_counts"]
                tap(c and 1 <= c[0] - r["old_last"] <= 2 and
                    "did not adopt" in r["new_err"] and
                    "runs on a new KVM VM" in r["new_err"] and
                    r["old_vm_gone"] and len(r["new_vm"]) == 1 and
                    r["left"] == [],
                    "adopt: refused by the kernel (no cprhold_kvm), new "
                    "QEMU says so and runs the guest on its own VM (%s)"
                    % c[:3], r["new_err"])
            except Exception as e:
                t.dump()
                tap(False, "adopt: refused adoption falls back", e)
        for adopt in (True, False):
            if "irq" not in only:
                break
            tag = "adopt=on" if adopt else "recreating the VM"
            try:
                r = t.retry_sregs_fault(
                    functools.partial(t.run_irq_in_pause, adopt))
                results["irq-" + ("adopt" if adopt else "recreate")] = r
                tap(r["irqs_start"] == 0 and r["irqs_old"] == 1 and
                    r["migration"] == "completed" and r["sealed"] and
                    r["old_last_irqs"] == 1 and r["irqs_pause"] == 2 and
                    r["irqs_end"] == 3 and r["left"] == [] and
                    (not adopt or "new KVM VM" not in r["new_err"]),
                    "irq: an ivshmem-doorbell interrupt raised through its "
                    "irqfd during the pause (%s) reaches the guest in new "
                    "QEMU, once (interrupts before, at the stop, after the "
                    "pause, after one more: %s, %s, %s, %s)"
                    % (tag, r["irqs_old"], r["old_last_irqs"],
                       r["irqs_pause"], r["irqs_end"]), str(r))
            except Exception as e:
                t.dump()
                tap(False, "irq: an interrupt raised during the pause (%s)"
                    % tag, e)
        if "irq" in only:
            try:
                r = t.retry_sregs_fault(t.run_irq_rollback)
                tap(r["irqs_old"] == 1 and r["new_rc"] not in (0, None) and
                    r["migration"] == "completed" and
                    r["irqs_stop"] == 1 and r["irqs_stopped"] == 1 and
                    r["cont"] == "accepted" and r["irqs_resumed"] == 2 and
                    r["irqs_end"] == 3 and r["left"] == [],
                    "irq: an interrupt raised after old QEMU completed and "
                    "held its irqfds back reaches the guest once 'cont' "
                    "resumes it there (new QEMU failed to load); the irqfd "
                    "works on (before, stopped, resumed, after: %s, %s, "
                    "%s, %s)" % (r["irqs_old"], r["irqs_stopped"],
                                 r["irqs_resumed"], r["irqs_end"]), str(r))
            except Exception as e:
                t.dump()
                tap(False, "irq: an interrupt raised before a rollback", e)
        for adopt, mode in ((True, "msi"), (False, "msi"), (True, "intx"),
                            (False, "intx"), (True, "msix"), (False, "msix")):
            if "vfio" not in only:
                break
            tag = ("adopt=on" if adopt else "recreating the VM") + ", " + \
                {"msi": "MSI", "intx": "INTx", "msix": "MSI-X"}[mode]
            dev = VioVfio() if mode == "msix" else EduVfio()
            if not dev.present():
                tap(False, "vfio: the test VM has no %s bound to vfio-pci "
                    "(%s)" % (("edu device", "$CPRHOLD_EDU") if
                              mode != "msix" else ("virtio-rng", "$CPRHOLD_VIO")))
                continue
            try:
                r = t.retry_sregs_fault(
                    functools.partial(t.run_vfio, adopt, mode))
                results["vfio-%s-%s" % ("adopt" if adopt else "recreate",
                                        mode)] = r
                st, sp, af, en = (r["edu_start"], r["edu_stop"],
                                  r["edu_after"], r["edu_end"])
                # edu: at the stop the guest had taken sp[1] completions
                # and started transfer sp[1] + 1: it completes in the pause
                # (or completed just before, its interrupt not yet taken),
                # and the chain goes on only if that interrupt reaches the
                # guest.  virtio-rng: the request queued at the stop is
                # answered in the pause (or was just before).
                ok = (r["migration"] == "completed" and st[1] >= 4 and
                      sp[0] == sp[1] and af[1] >= sp[1] + 6 and
                      en[2] == 0 and en[0] == en[1] and
                      r["cfg_after"] == r["cfg_before"] and
                      r["resets"] == 0 and "reset" not in r["new_err"] and
                      "reset" not in r["old_err"] and
                      r["new_vmlck"] is not None and r["old_vmlck"] and
                      r["new_vmlck"] >= r["old_vmlck"] and
                      r["left"] == [] and r["new_status"] == "paused" and
                      r["claimed"] and r["unmasked"] == (mode == "intx") and
                      (not adopt or ("new KVM VM" not in r["new_err"] and
                                     set(r["old_vms"]) <=
                                     set(r["vms_after"]))))
                reset = ("none in new QEMU" if adopt else
                         "none in new QEMU, nor by old QEMU's system_reset "
                         "after the update")
                if mode == "msix":
                    what = ("vfio: a passed-through virtio-rng keeps its MSI-X "
                            "interrupts across the update (%s): %d interrupts "
                            "after the STOP event, the chain goes on in new "
                            "QEMU (%d -> %d interrupts); no reset (%s), "
                            "command and MSI-X unchanged, locked memory moved "
                            "(%s kB)" % (tag, r["irqs_pause"], sp[0], en[0],
                                         reset, r["new_vmlck"]))
                else:
                    what = ("vfio: a passed-through edu device keeps working "
                            "across the update (%s): the transfer in flight "
                            "at the stop completes in the pause (%d "
                            "interrupts after the STOP event) and its "
                            "interrupt reaches the guest in new QEMU: the DMA "
                            "chain goes on (%d -> %d transfers, %d "
                            "interrupts, %d errors); no reset (%s), command "
                            "and MSI unchanged, locked memory moved (%s kB)"
                            % (tag, r["irqs_pause"], sp[1], en[1], en[0],
                               en[2], reset, r["new_vmlck"]))
                tap(ok, what, str(r))
            except Exception as e:
                t.dump()
                tap(False, "vfio: the passed-through device across the "
                    "update (%s)" % tag, e)
        for adopt, fail in ((True, False), (False, False), (False, True)):
            if "vfio" not in only or not EduVfio().present():
                break
            tag = ("adopt=on" if adopt else "recreating the VM") + \
                (", new QEMU fails to load, 'cont' in old QEMU" if fail
                 else "")
            try:
                r = t.retry_sregs_fault(
                    functools.partial(t.run_vfio_intx_masked, adopt, fail))
                fr, mv, af = r["edu_frozen"], r["edu_moved"], r["edu_after"]
                tap(r["migration"] == "completed" and
                    r["irqs_frozen"] >= 1 and mv[1] == fr[1] and
                    af[1] >= fr[1] + 4 and af[2] == 0 and
                    af[0] == af[1] and r["left"] == [] and
                    (not fail or (r["new_rc"] not in (0, None) and
                                  r["cont"] == "accepted")),
                    "vfio: INTx asserted while the guest masked the line "
                    "survives the update (%s): the guest unmasks it %s, "
                    "takes it, and the DMA chain goes on (%d -> %d "
                    "transfers, %d errors)"
                    % (tag, "in old QEMU" if fail else "in new QEMU",
                       fr[1], af[1], af[2]), str(r))
            except Exception as e:
                t.dump()
                tap(False, "vfio: INTx asserted under a masked line (%s)"
                    % tag, e)
        for mode in ("msi", "intx", "msix"):
            if "vfio" not in only or not t.vfio_device(mode).present():
                break
            what = {"msi": "the edu device (MSI)", "intx": "the edu device "
                    "(INTx)", "msix": "the virtio-rng (MSI-X)"}[mode]
            try:
                r = t.run_vfio_rollback(mode)
                st, rb, sc = (r["edu_start"], r["edu_rolled_back"],
                              r["edu_second"])
                tap(r["migration"] == "failed" and
                    r["run_status"] == "running" and
                    rb[1] >= st[1] + 4 and rb[2] == 0 and
                    r["old_vmlck_after"] == r["old_vmlck"] and
                    r["left"] == [] and r["migration2"] == "completed" and
                    sc[1] >= rb[1] + 4 and sc[2] == 0 and r["left2"] == [],
                    "vfio: new QEMU killed after it took the VFIO fds; the "
                    "guest runs on in old QEMU with %s (%d -> %d "
                    "completions, errors %d), locked memory back, and the "
                    "next update works (%d completions after it)"
                    % (what, st[1], rb[1], rb[2], sc[1]), str(r))
            except Exception as e:
                t.dump()
                tap(False, "vfio: rollback with %s" % what, e)
        if "rollback" in only:
            try:
                r = t.run_rollback()
                results["rollback"] = r
                tap(r["new_status"] == "inmigrate" and r["still_paused"] and
                    r["cont_while_cpr_claimed"] == "accepted" and
                    r["old_counts"] and r["old_counts"][0] > 0,
                    "rollback: old QEMU exited-first style (wait=off) "
                    "resumes with 'cont' while a new QEMU holds only the "
                    "CPR state; the guest counts on (%s)"
                    % r["old_counts"][:3], r["cont_while_cpr_claimed"])
                tap("ended before this QEMU was ready" in r["new_err"] and
                    r["new_status_after"] != "running",
                    "rollback: that new QEMU is then refused the guest: "
                    "old QEMU took it back", r["new_err"])
                tap(r["secret_removed"] and r["late_rc"] not in (0, None) and
                    "no such session" in r["late_err"].lower(),
                    "rollback: the session is gone; a late new QEMU cannot "
                    "claim it", "secret file removed: %s, exit %s: %s"
                    % (r["secret_removed"], r["late_rc"], r["late_err"]))
                tap(r["left"] == [], "rollback: no session is left behind",
                    r["left"])
            except Exception as e:
                t.dump()
                tap(False, "rollback: old QEMU resumes after the new one is "
                    "killed mid-way", e)
        if "failures" in only:
            try:
                r = t.run_die_before_ready()
                tap(r["new_status"] == "inmigrate" and
                    r["old_state"] == "setup" and r["running_after_kill"] and
                    r["old_run_status"] == "running",
                    "ready: new QEMU killed after it took the CPR state but "
                    "before it was ready; the guest never stopped",
                    str(r))
                c = r.get("new2_counts", [])
                tap(r["migration"] == "completed" and c and
                    1 <= c[0] - r["old_last"] <= 2 and r["left"] == [],
                    "ready: a second new QEMU then takes the guest over, "
                    "no session left (%s)" % c[:3], str(r))
            except Exception as e:
                t.dump()
                tap(False, "ready: new QEMU dies before it is ready", e)
            try:
                r = t.run_die_after_ready()
                tap(r["migration"] == "failed" and r["running"] and
                    r["run_status"] == "running" and r["secret_removed"] and
                    r["left"] == [],
                    "socket: new QEMU killed after it was ready, before old "
                    "QEMU sent the device state: the migration fails, the "
                    "guest runs on in old QEMU, no session left", str(r))
            except Exception as e:
                t.dump()
                tap(False, "socket: new QEMU dies after it was ready", e)
            try:
                r = t.run_load_fails()
                c = r.get("old_counts", [])
                tap(r["new_rc"] not in (0, None) and
                    "i6300esb" in r["new_err"] and
                    r["migration"] in ("completed", "failed") and
                    r["cont"] == "accepted" and c and c[0] > r["old_last"]
                    and r["left"] == [],
                    "socket: new QEMU fails to load the device state and "
                    "exits; old QEMU takes the guest back with 'cont' (%s), "
                    "no session left" % c[:3], str(r))
            except Exception as e:
                t.dump()
                tap(False, "socket: new QEMU fails to load", e)
            try:
                r = t.run_cpr_destroyed()
                tap(r["destroy_rc"] == 0 and r["migration"] == "failed" and
                    "no new QEMU is ready" in r["error"] and r["running"] and
                    r["run_status"] == "running" and r["secret_removed"] and
                    r["left"] == [] and len(r["before"]) == 2,
                    "destroyed: the CPR session destroyed from outside fails "
                    "the migration; the guest runs on, no session left",
                    str(r))
            except Exception as e:
                t.dump()
                tap(False, "destroyed: CPR session destroyed from outside", e)
            try:
                r = t.run_vfio_intx_refused()
                tap("INTx is not routed through KVM" in r["error"] and
                    r["left"] == [] and r["edu"] and r["edu"][1] >= 4 and
                    r["edu"][2] == 0,
                    "vfio: cpr-transfer of a device whose INTx bypasses KVM "
                    "is refused with the reason (%s); the guest then runs "
                    "with it" % r["error"], str(r))
            except Exception as e:
                t.dump()
                tap(False, "vfio: INTx without KVM is refused", e)
        if "pause" in only:
            reps = max(opts.bench, 1)
            runs = {"cpr-transfer-unix": t.run_cpr_transfer,
                    "cprhold-prestarted": t.run_cprhold_prestarted,
                    "cprhold-adopt": t.run_cprhold_adopt,
                    "cprhold-old-exits-first": t.run_cprhold_handover}
            # The same guest with the edu device passed through, if the
            # test VM has it: a VFIO device's share of the pause
            edu = EduVfio()
            if edu.present():
                runs["cprhold-prestarted-vfio"] = functools.partial(
                    t.run_cprhold_prestarted, extra=edu.qemu_args())
                runs["cprhold-adopt-vfio"] = functools.partial(
                    t.run_cprhold_adopt, extra=edu.qemu_args())
            pause = {}
            if opts.bench > 1:
                # Untimed: the first handovers after boot pay once for
                # what later ones find ready (page cache, SRCU's first
                # grace period of an adoption).
                try:
                    t.run_cpr_transfer()
                    t.run_cprhold_adopt()
                    tap(True, "pause: warm-up (stock, adopt=on)")
                except Exception as e:
                    t.dump()
                    tap(False, "pause: warm-up", e)
            for name, fn in runs.items():
                pause[name] = []
                try:
                    for i in range(reps):
                        f = fn
                        if name == "cprhold-prestarted" and i == 0:
                            f = functools.partial(fn, check_old=True)
                        if name.endswith("-vfio"):
                            f = functools.partial(t.retry_refused, fn)
                        r = t.retry_sregs_fault(f)
                        pause[name].append(r)
                    tap(True, "pause: %s x%d" % (name, reps),
                        "\n".join(str({k: fmt(v) for k, v in r.items()})
                                  for r in pause[name]))
                except Exception as e:
                    t.dump()
                    tap(False, "pause: %s" % name, e)
            first = pause.get("cprhold-prestarted", [{}])
            if first:
                err = first[0].get("old_cont_error") or ""
                tap("handed over" in err or "finished it" in err,
                    "pause: after a completed handover old QEMU refuses "
                    "'cont'", err)
            results["pause"] = pause
            diag("guest pause in ms (median; QMP STOP->RESUME / guest TSC "
                 "gap / heartbeat line gap):")
            for name, rs in pause.items():
                cols = []
                for k in ("qmp_ms", "tsc_gap_ms", "beat_gap_ms"):
                    v = [r[k] for r in rs if k in r]
                    cols.append("%.1f" % statistics.median(v) if v else "-")
                back = sum(1 for r in rs if r.get("tsc_set_back"))
                diag("  %-28s %s%s" % (name, " / ".join(cols),
                                       "  (TSC set back in %d of %d)" %
                                       (back, len(rs)) if back else ""))
    finally:
        t.cleanup()
    out = opts.json
    if not out and os.environ.get("CPRHOLD_OUT"):
        d = os.path.join(os.environ["CPRHOLD_OUT"], "bench")
        os.makedirs(d, exist_ok=True)
        out = os.path.join(d, "qemu_pause-%s.json" % os.uname().release)
    if out:
        with open(out, "w") as f:
            json.dump(results, f, indent=1)
    print("1..%d" % TAP_N, flush=True)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
