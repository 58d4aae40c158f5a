#!/usr/bin/env python3
"""futari end-to-end harness: a QEMU guest with real udev and real USB sticks.

The guest boots Debian's installed linux-image-amd64 under TCG (never KVM: /dev/kvm hangs on
the CI machines), runs the host's own userland from a read-only 9p share of "/" under a tmpfs
overlay, and talks to this program over a virtio-serial control port (see guest/stage2.sh for
the protocol). Sticks are raw vfat images attached to an xHCI controller and hot-plugged
through QMP.

Library use (host side):
    config = Config(); config.check()                  # raises Skip with a reason
    sticks = [Stick("s1", "FUT-1", "OFFICE1"), Stick("s2", "FUT-2", "OLD", coldplug=True)]
    with Vm(config, sticks) as vm:                     # boots, waits for READY
        vm.plug("s1"); status, out, err = vm.run("lsblk", timeout=30); vm.unplug("s1")

Command line:
    harness.py run [--keep] [--verbose] SCENARIO...
                                          boot, run scenarios in the guest, print TAP
    harness.py lint SCENARIO...           check scenario headers and registration (no VM)
    harness.py initramfs                  build (or reuse) the initramfs, print its path
    harness.py stick IMG SERIAL LABEL     make a stick image
    harness.py check-env                  say whether a VM can run here (exit 77 if not)
    harness.py shell [--keep]             boot, run stdin lines in the guest (!plug s1 …)

Only the Python standard library is used.
"""

import contextlib
import ctypes
import glob
import hashlib
import io
import json
import os
import re
import select
import shlex
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = 77

# Modules the initramfs loads before switch_root, each with its dependencies as modules.dep
# orders them (via `modprobe --show-depends`): the 9p root and overlay, the control port,
# and the USB mass-storage stack so cold-plugged sticks are there when udev starts.
INITRAMFS_MODULES = [
    "virtio_pci", "9pnet_virtio", "9p", "overlay", "virtio_console",
    "xhci_pci", "usb_storage", "sd_mod", "vfat", "nls_cp437", "nls_iso8859-1",
]

BOOT_TIMEOUT = int(os.environ.get("E2E_BOOT_TIMEOUT", "180"))
QMP_TIMEOUT = 20
SHUTDOWN_TIMEOUT = 30
DEFAULT_SCENARIO_TIMEOUT = 120
CTL_PORT = "org.futari.e2e.ctl"
_stopping = False  # set by a termination signal: kill QEMU at once, no polite shutdown
# Directories the guest mounts afresh (guest/stage2.sh), hiding the host's files there.
GUEST_PRIVATE_DIRS = ("/tmp", "/var/tmp", "/run", "/dev", "/proc", "/sys")
# Where the guest sees the source and build trees: each is a read-only 9p share of its own
# (tags "src" and "build", mounted by guest/init), so a checkout works from any folder (under
# /tmp, in root's 0700 home, with spaces in its path) while the guest sees plain paths.
GUEST_TREES = {"build": "/futari-e2e/build", "src": "/futari-e2e/src"}


class Skip(Exception):
    """This machine cannot run the VM; the message says why."""


class HarnessError(Exception):
    """The harness or the VM failed (not the scenario under test)."""


def log(msg):
    print(f"# {msg}", flush=True)


# ---------------------------------------------------------------------------------------------
# Environment


class Config:
    """Where things are: kernel, modules, busybox, qemu, source and build trees, cache."""

    def __init__(self):
        self.srcdir = os.path.abspath(os.environ.get("E2E_SRCDIR", HERE))
        self.top_srcdir = os.path.abspath(
            os.environ.get("top_srcdir", os.path.join(self.srcdir, "..", "..")))
        self.top_builddir = os.path.abspath(os.environ.get("top_builddir", self.top_srcdir))
        self.builddir = os.path.abspath(
            os.environ.get("E2E_BUILDDIR", os.path.join(self.top_builddir, "tests", "e2e")))
        self.cache = os.path.abspath(
            os.environ.get("E2E_CACHE", os.path.join(self.builddir, "cache")))
        self.qemu = os.environ.get("E2E_QEMU", "qemu-system-x86_64")
        self.busybox = os.environ.get("E2E_BUSYBOX", "/bin/busybox")
        self.memory = os.environ.get("E2E_MEMORY", "1024")
        self.smp = os.environ.get("E2E_SMP", "1")
        self.kernel, self.kver = pick_kernel(os.environ.get("E2E_KERNEL"))

    def check(self):
        """Raise Skip with a reason when a VM cannot run here."""
        if os.geteuid() != 0:
            raise Skip("needs root (the guest shares the host's / through 9p passthrough)")
        if not shutil.which(self.qemu):
            raise Skip(f"needs {self.qemu} (Debian package qemu-system-x86)")
        if not self.kernel:
            raise Skip("needs an installed kernel image with its modules: "
                       "/boot/vmlinuz-V and /lib/modules/V/modules.dep (linux-image-amd64)")
        if not os.path.exists(self.busybox):
            raise Skip(f"needs {self.busybox} (Debian package busybox-static)")
        if elf_interpreter(self.busybox):
            raise Skip(f"{self.busybox} is dynamically linked; install busybox-static")
        for tool in ("modprobe", "mkfs.vfat", "mcopy"):
            if not shutil.which(tool):
                raise Skip(f"needs the command {tool} (packaging/test-deps.txt)")
        for path in ("/lib/systemd/systemd-udevd", "/bin/bash"):
            if not os.path.exists(path):
                raise Skip(f"needs {path} in the host userland the guest runs (package udev)")
        stage2 = self.guest_path(os.path.join(self.srcdir, "guest", "stage2.sh"))
        if re.search(r"\s", stage2):
            raise Skip(f"E2E_SRCDIR {self.srcdir!r} lies outside the source tree and has a "
                       "space, which the kernel command line cannot carry")

    def shared_trees(self):
        """(tag, host dir, guest dir) of the trees shared with the guest, the innermost first
        (a build folder inside the source tree is reached through its own share)."""
        trees = [("build", self.top_builddir, GUEST_TREES["build"]),
                 ("src", self.top_srcdir, GUEST_TREES["src"])]
        return sorted(trees, key=lambda t: len(t[1]), reverse=True)

    def guest_path(self, path):
        """The path under which the guest sees the host's PATH: inside a shared tree, the
        tree's guest mount point; elsewhere the same path (through the share of "/")."""
        path = os.path.abspath(path)
        for _, host, guest in self.shared_trees():
            if path == host:
                return guest
            if path.startswith(host.rstrip("/") + "/"):
                return guest + path[len(host.rstrip("/")):]
        return path


def pick_kernel(override):
    """Return (vmlinuz path, version) of the newest installed kernel that has its modules.

    The host's running kernel may differ from the installed linux-image-amd64, so the kernel
    and its /lib/modules/<version> are picked together, never from `uname -r`."""
    candidates = [override] if override else glob.glob("/boot/vmlinuz-*")
    found = []
    for path in candidates:
        ver = os.path.basename(path)[len("vmlinuz-"):]
        if os.path.isfile(path) and os.path.exists(f"/lib/modules/{ver}/modules.dep"):
            found.append((version_key(ver), path, ver))
    if not found:
        return None, None
    found.sort()
    return found[-1][1], found[-1][2]


def version_key(ver):
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", ver)]


def elf_interpreter(path):
    """True when the ELF file at path asks for a dynamic loader (PT_INTERP)."""
    with open(path, "rb") as f:
        head = f.read(64)
        if head[:4] != b"\x7fELF" or head[4] != 2:
            return True  # not a 64-bit ELF: treat as unusable
        phoff, = struct.unpack_from("<Q", head, 32)
        phentsize, phnum = struct.unpack_from("<HH", head, 54)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    for i in range(phnum):
        p_type, = struct.unpack_from("<I", table, i * phentsize)
        if p_type == 3:
            return True
    return False


# ---------------------------------------------------------------------------------------------
# Initramfs


def module_load_order(kver, modules):
    """Module files (relative to /lib/modules/kver) in load order, dependencies first, without
    repeats, as `modprobe --show-depends` reads them from modules.dep."""
    order = []
    for mod in modules:
        res = subprocess.run(["modprobe", "--show-depends", "-S", kver, mod],
                             capture_output=True, text=True, timeout=30)
        if res.returncode != 0:
            raise HarnessError(f"modprobe cannot resolve module {mod} for {kver}: "
                               f"{res.stderr.strip()}")
        for line in res.stdout.splitlines():
            words = line.split()
            if not words or words[0] == "builtin":
                continue
            if words[0] != "insmod" or len(words) < 2:
                raise HarnessError(f"unexpected modprobe output for {mod}: {line!r}")
            prefix = f"/lib/modules/{kver}/"
            if not words[1].startswith(prefix):
                raise HarnessError(f"module outside {prefix}: {words[1]}")
            rel = words[1][len(prefix):]
            if rel not in order:
                order.append(rel)
    return order


class Cpio:
    """A minimal writer for the kernel's initramfs format (cpio "newc")."""

    def __init__(self):
        self.buf = io.BytesIO()
        self.ino = 1

    def _entry(self, name, mode, data=b"", rdev=(0, 0)):
        namez = name.encode() + b"\0"
        hdr = b"070701" + b"".join(b"%08X" % v for v in (
            self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(namez), 0))
        self.ino += 1
        self.buf.write(hdr + namez)
        self.buf.write(b"\0" * (-self.buf.tell() % 4))
        self.buf.write(data)
        self.buf.write(b"\0" * (-self.buf.tell() % 4))

    def dir(self, name):
        self._entry(name, stat.S_IFDIR | 0o755)

    def file(self, name, data, mode=0o644):
        self._entry(name, stat.S_IFREG | mode, data)

    def node(self, name, major, minor):
        self._entry(name, stat.S_IFCHR | 0o600, rdev=(major, minor))

    def finish(self):
        self._entry("TRAILER!!!", 0)
        return self.buf.getvalue()


def read_module(path):
    """A module's bytes, decompressed if the distribution ships it compressed."""
    if path.endswith(".xz") or path.endswith(".zst") or path.endswith(".gz"):
        tool = {"xz": "xz", "zst": "zstd", "gz": "gzip"}[path.rsplit(".", 1)[1]]
        return subprocess.run([tool, "-dc", path], check=True, capture_output=True,
                              timeout=60).stdout
    with open(path, "rb") as f:
        return f.read()


def build_initramfs(config):
    """Return the path of the initramfs for config.kver, building it when the cached one is
    missing or stale. The cache key covers the kernel version, the module list, the stage 1
    init and busybox, so an edit to any of them rebuilds."""
    with open(os.path.join(config.srcdir, "guest", "init"), "rb") as f:
        init = f.read()
    with open(config.busybox, "rb") as f:
        busybox = f.read()
    order = module_load_order(config.kver, INITRAMFS_MODULES)
    key = hashlib.sha256()
    for part in (config.kver.encode(), "\n".join(order).encode(), init, busybox):
        key.update(hashlib.sha256(part).digest())
    os.makedirs(config.cache, exist_ok=True)
    path = os.path.join(config.cache, f"initramfs-{config.kver}-{key.hexdigest()[:16]}.cpio")
    if os.path.exists(path):
        return path

    cpio = Cpio()
    for d in ("bin", "dev", "proc", "sys", "lib", "lib/modules"):
        cpio.dir(d)
    cpio.node("dev/console", 5, 1)
    cpio.node("dev/null", 1, 3)
    cpio.file("bin/busybox", busybox, 0o755)
    cpio.file("init", init, 0o755)
    names = []
    for rel in order:
        name = os.path.basename(rel)
        for ext in (".xz", ".zst", ".gz"):
            if name.endswith(ext):
                name = name[:-len(ext)]
        cpio.file(f"lib/modules/{name}", read_module(f"/lib/modules/{config.kver}/{rel}"))
        names.append(name)
    cpio.file("modules.order", ("\n".join(names) + "\n").encode())
    # Written under a temporary name and renamed, so concurrent runs never read half a file.
    fd, tmp = tempfile.mkstemp(dir=config.cache, prefix=".initramfs-")
    with os.fdopen(fd, "wb") as f:
        f.write(cpio.finish())
    os.rename(tmp, path)
    for old in glob.glob(os.path.join(config.cache, "initramfs-*.cpio")):
        if old != path:
            with contextlib.suppress(OSError):
                os.unlink(old)
    return path


# ---------------------------------------------------------------------------------------------
# Sticks


class Stick:
    """A USB stick: a raw disk image with one FAT partition (or none), a USB serial and a
    filesystem label. The volume id (the filesystem UUID udev reports) derives from the serial,
    so it is stable across runs."""

    NAME_RE = re.compile(r"^[a-z][a-z0-9]{0,15}$")
    SERIAL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
    LABEL_RE = re.compile(r"^[A-Z0-9_-]{1,11}$")

    def __init__(self, name, serial, label, size_mib=32, partitioned=True, coldplug=False):
        if not self.NAME_RE.match(name):
            raise ValueError(f"stick name {name!r}: use 1-16 lower-case letters and digits")
        if not self.SERIAL_RE.match(serial):
            raise ValueError(f"stick serial {serial!r}: use 1-32 of A-Z a-z 0-9 . _ -")
        if not self.LABEL_RE.match(label):
            raise ValueError(f"stick label {label!r}: use 1-11 of A-Z 0-9 _ -")
        if not 8 <= size_mib <= 1024:
            raise ValueError(f"stick size {size_mib} MiB: use 8 to 1024")
        self.name, self.serial, self.label = name, serial, label
        self.size_mib, self.partitioned, self.coldplug = size_mib, partitioned, coldplug
        self.volid = hashlib.sha256(serial.encode()).hexdigest()[:8].upper()

    @property
    def uuid(self):
        return f"{self.volid[:4]}-{self.volid[4:]}"

    @property
    def readme(self):
        return f"futari e2e stick {self.serial}\n".encode()

    def create(self, path):
        """Write the image at path: MBR with one FAT partition at 1 MiB (type 0x0c) unless
        partitioned is false, a vfat filesystem with the label, and README.TXT."""
        size = self.size_mib * 1024 * 1024
        start = 2048 if self.partitioned else 0
        with open(path, "wb") as f:
            f.truncate(size)
            if self.partitioned:
                entry = struct.pack("<B3sB3sII", 0, b"\0\0\0", 0x0C, b"\0\0\0",
                                    start, size // 512 - start)
                f.seek(446)
                f.write(entry)
                f.seek(510)
                f.write(b"\x55\xaa")
        cmd = ["mkfs.vfat", "-n", self.label, "-i", self.volid]
        if start:
            cmd += ["--offset", str(start)]
        cmd += [path, str((size - start * 512) // 1024)]
        run_tool(cmd)
        readme = path + ".readme"
        with open(readme, "wb") as f:
            f.write(self.readme)
        run_tool(["mcopy", "-i", f"{path}@@{start * 512}", readme, "::README.TXT"])
        os.unlink(readme)

    def env(self):
        n = self.name.upper()
        return {f"E2E_STICK_{n}_SERIAL": self.serial, f"E2E_STICK_{n}_LABEL": self.label,
                f"E2E_STICK_{n}_UUID": self.uuid}


def run_tool(cmd):
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
    if res.returncode != 0:
        raise HarnessError(f"{cmd[0]} failed ({res.returncode}): {res.stderr.strip()}")


# ---------------------------------------------------------------------------------------------
# The VM


def qemu_opt(value):
    """VALUE inside a QEMU option list, where a comma separates options and ",," is a comma."""
    return value.replace(",", ",,")


def _die_with_parent():
    # QEMU must not outlive the harness, even if the harness is SIGKILLed.
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Vm:
    """One QEMU guest. Use as a context manager: __enter__ boots and waits for the guest to be
    ready, __exit__ shuts it down and always kills QEMU."""

    def __init__(self, config, sticks=(), workdir=None, keep=False):
        self.config = config
        self.sticks = {s.name: s for s in sticks}
        self.keep = keep
        self.own_workdir = workdir is None
        self.workdir = workdir or tempfile.mkdtemp(prefix="futari-e2e-")
        self.results = os.path.join(self.workdir, "results")
        os.makedirs(self.results, exist_ok=True)
        os.chmod(self.results, 0o755)
        self.console = os.path.join(self.workdir, "console.log")
        self.proc = None
        self.qmp = self.ctl = None
        self.qmp_buf = self.ctl_buf = b""
        self.events = []
        self.plugged = set()
        self.kernel_release = None
        self.boot_seconds = None
        self.seq = 0

    # -- lifecycle --

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def start(self):
        cfg = self.config
        initrd = build_initramfs(cfg)
        # Every boot gets fresh images: a scenario never sees what an earlier one wrote.
        images = {}
        for s in self.sticks.values():
            images[s.name] = os.path.join(self.workdir, f"stick-{s.name}.img")
            s.create(images[s.name])

        qmp_path = os.path.join(self.workdir, "qmp.sock")
        ctl_path = os.path.join(self.workdir, "ctl.sock")
        listeners = []
        for path in (qmp_path, ctl_path):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.bind(path)
            sock.listen(1)
            sock.settimeout(0.5)  # short, so a QEMU that dies at once is noticed at once
            listeners.append(sock)

        stage2 = cfg.guest_path(os.path.join(cfg.srcdir, "guest", "stage2.sh"))
        append = (f"console=ttyS0 panic=1 quiet loglevel=4 futari_e2e.stage2={stage2}")
        cmd = [cfg.qemu, "-accel", "tcg", "-cpu", "max", "-smp", cfg.smp, "-m", cfg.memory,
               "-machine", "q35", "-nodefaults", "-no-user-config", "-display", "none",
               "-no-reboot", "-kernel", cfg.kernel, "-initrd", initrd, "-append", append,
               "-chardev", f"file,id=con,path={self.console}", "-serial", "chardev:con",
               "-chardev", f"socket,id=qmp,path={qmp_path}", "-mon", "chardev=qmp,mode=control",
               "-device", "virtio-serial-pci",
               "-chardev", f"socket,id=ctl,path={ctl_path}",
               "-device", f"virtserialport,chardev=ctl,name={CTL_PORT}",
               "-virtfs", "local,path=/,mount_tag=hostroot,security_model=passthrough,"
                          "readonly=on,multidevs=remap",
               "-virtfs", f"local,path={qemu_opt(self.results)},mount_tag=results,"
                          "security_model=passthrough",
               "-device", "qemu-xhci,id=xhci"]
        for tag, host, _ in cfg.shared_trees():
            cmd += ["-virtfs", f"local,path={qemu_opt(host)},mount_tag={tag},"
                               "security_model=passthrough,readonly=on,multidevs=remap"]
        for s in self.sticks.values():
            # -blockdev, not -drive: a -drive backend is deleted with its device on unplug, so a
            # stick could not be plugged in again.
            cmd += ["-blockdev", f"driver=file,filename={images[s.name]},node-name={s.name}-file",
                    "-blockdev", f"driver=raw,file={s.name}-file,node-name={s.name}"]
            if s.coldplug:
                cmd += ["-device", self._usb_device(s)]
                self.plugged.add(s.name)

        started = time.monotonic()
        with open(os.path.join(self.workdir, "qemu.log"), "wb") as qemu_log:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=qemu_log,
                                         stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        try:
            self.qmp = self._accept(listeners[0], "QMP")
            self.ctl = self._accept(listeners[1], "control port")
        finally:
            for sock in listeners:
                sock.close()
        self._qmp_read(time.monotonic() + QMP_TIMEOUT)  # greeting
        self.qmp_command("qmp_capabilities")

        line = self._ctl_read(time.monotonic() + BOOT_TIMEOUT, "boot (READY from the guest)")
        if not line.startswith("READY "):
            raise HarnessError(f"guest said {line!r} instead of READY")
        self.kernel_release = line.split(" ", 1)[1]
        self.boot_seconds = time.monotonic() - started

    def _usb_device(self, s):
        return (f"usb-storage,bus=xhci.0,drive={s.name},serial={s.serial},"
                f"removable=on,id=usb-{s.name}")

    def _accept(self, listener, what):
        deadline = time.monotonic() + QMP_TIMEOUT
        while True:
            try:
                conn, _ = listener.accept()
                conn.setblocking(False)
                return conn
            except socket.timeout:
                pass
            self._check_alive(what)
            if time.monotonic() > deadline:
                raise HarnessError(f"QEMU did not connect its {what} within {QMP_TIMEOUT}s")

    def shutdown(self):
        """Ask the guest to power off and wait for QEMU to exit; kill it when it does not."""
        if self.proc is None or self.proc.poll() is not None:
            return
        if self.kernel_release is None or _stopping:
            # Not booted yet, or the harness was told to stop: nobody to ask politely.
            self.kill()
            return
        with contextlib.suppress(OSError, HarnessError):
            self._ctl_send("POWEROFF")
        try:
            self.proc.wait(timeout=SHUTDOWN_TIMEOUT)
        except subprocess.TimeoutExpired:
            log(f"guest did not power off within {SHUTDOWN_TIMEOUT}s; killing QEMU")
            self.kill()

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def close(self):
        try:
            self.shutdown()
        finally:
            self.kill()
            for sock in (self.qmp, self.ctl):
                if sock:
                    sock.close()
            if self.own_workdir and not self.keep:
                shutil.rmtree(self.workdir, ignore_errors=True)

    def console_tail(self, lines=40):
        """The end of QEMU's own messages and of the guest console, for failure reports."""
        parts = []
        for what, path in (("qemu", os.path.join(self.workdir, "qemu.log")),
                           ("console", self.console)):
            with contextlib.suppress(OSError):
                with open(path, "rb") as f:
                    text = f.read().decode("utf-8", "replace").strip()
                if text:
                    parts.append(f"--- {what}:\n" + "\n".join(text.splitlines()[-lines:]))
        return "\n".join(parts)

    def _check_alive(self, doing):
        if self.proc.poll() is not None:
            raise HarnessError(f"QEMU exited ({self.proc.returncode}) during {doing}\n"
                               f"{self.console_tail()}")

    # -- sockets --

    def _read_line(self, sock, bufname, deadline, doing, idle=None):
        while True:
            if idle:
                idle()
            buf = getattr(self, bufname)
            if b"\n" in buf:
                line, rest = buf.split(b"\n", 1)
                setattr(self, bufname, rest)
                return line.decode("utf-8", "replace").rstrip("\r")
            self._check_alive(doing)
            left = deadline - time.monotonic()
            if left <= 0:
                raise HarnessError(f"timed out waiting for {doing}")
            ready, _, _ = select.select([sock], [], [], min(left, 0.5))
            if ready:
                data = sock.recv(65536)
                if not data:
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        self.proc.wait(timeout=5)
                    raise HarnessError(f"connection closed during {doing}\n"
                                       f"{self.console_tail()}")
                setattr(self, bufname, buf + data)

    def _qmp_read(self, deadline, doing="QMP"):
        return json.loads(self._read_line(self.qmp, "qmp_buf", deadline, doing))

    def _ctl_read(self, deadline, doing, idle=None):
        return self._read_line(self.ctl, "ctl_buf", deadline, doing, idle)

    def _ctl_send(self, line):
        if "\n" in line:
            raise ValueError("control lines cannot contain newlines")
        self.ctl.setblocking(True)
        try:
            self.ctl.sendall(line.encode() + b"\n")
        finally:
            self.ctl.setblocking(False)

    def qmp_command(self, name, **args):
        """Run a QMP command; return its result or raise HarnessError with QEMU's reason."""
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.qmp.setblocking(True)
        self.qmp.sendall(json.dumps(msg).encode() + b"\n")
        self.qmp.setblocking(False)
        deadline = time.monotonic() + QMP_TIMEOUT
        while True:
            reply = self._qmp_read(deadline, f"QMP {name}")
            if "event" in reply:
                self.events.append(reply)
            elif "return" in reply:
                return reply["return"]
            elif "error" in reply:
                raise HarnessError(f"QMP {name}: {reply['error'].get('desc', reply['error'])}")

    def _wait_event(self, event, device, timeout):
        deadline = time.monotonic() + timeout
        while True:
            for i, ev in enumerate(self.events):
                if ev.get("event") == event and ev.get("data", {}).get("device") == device:
                    del self.events[i]
                    return
            self.events.append(self._qmp_read(deadline, f"QMP event {event} for {device}"))

    # -- sticks --

    def plug(self, name):
        """Hot-plug the stick NAME (the guest waits for its disk itself)."""
        s = self._stick(name)
        if name in self.plugged:
            raise HarnessError(f"stick {name} is already plugged in")
        args = dict(driver="usb-storage", bus="xhci.0", drive=s.name, serial=s.serial,
                    removable=True, id=f"usb-{s.name}")
        self.qmp_command("device_add", **args)
        self.plugged.add(name)

    def unplug(self, name):
        """Pull the stick NAME out and wait until QEMU has removed the device."""
        self._stick(name)
        if name not in self.plugged:
            raise HarnessError(f"stick {name} is not plugged in")
        self.qmp_command("device_del", id=f"usb-{name}")
        self._wait_event("DEVICE_DELETED", f"usb-{name}", QMP_TIMEOUT)
        self.plugged.discard(name)

    def _stick(self, name):
        if name not in self.sticks:
            raise HarnessError(f"no stick named {name!r}")
        return self.sticks[name]

    # -- commands --

    def run(self, script, timeout=60, env=None, on_request=None, stream=None):
        """Run the bash script text in the guest with a time limit. Returns (status, stdout,
        stderr); status 124 means the guest's timeout killed it. on_request(verb, args) answers
        the command's REQ lines (default: plug and unplug); it returns None for ok or a reason.
        stream, a binary file, receives the command's output while it runs."""
        self.seq += 1
        tag = f"c{self.seq:03d}"
        follow = [Follower(os.path.join(self.results, f"{tag}.{n}"), stream)
                  for n in ("out", "err")] if stream else []

        def idle():
            for f in follow:
                f.poll()

        lines = [f"export {k}={shlex.quote(v)}" for k, v in (env or {}).items()]
        with open(os.path.join(self.results, f"{tag}.cmd"), "w") as f:
            f.write("\n".join(lines + [script, ""]))
        self._ctl_send(f"RUN {tag} {int(timeout)}")
        on_request = on_request or self.default_request
        # The guest enforces the limit; the host adds a grace period for the kill and the
        # DONE line, and gives up on the guest after that.
        deadline = time.monotonic() + timeout + 30
        while True:
            line = self._ctl_read(deadline, f"command {tag} (limit {timeout}s)", idle)
            if line.startswith("DONE "):
                _, done_tag, status = (line.split(" ") + ["", ""])[:3]
                if done_tag != tag:
                    raise HarnessError(f"guest finished {done_tag!r}, expected {tag}")
                break
            if line.startswith("REQ "):
                words = line.split(" ")[1:]
                try:
                    why = on_request(words[0], words[1:]) if words else "empty request"
                except HarnessError as e:
                    why = str(e)
                why = (why or "").replace("\n", " ")
                self._ctl_send("ACK ok" if not why else f"ACK err {why}")
                continue
            raise HarnessError(f"unexpected line from the guest: {line!r}")
        idle()
        out = read_text(os.path.join(self.results, f"{tag}.out"))
        err = read_text(os.path.join(self.results, f"{tag}.err"))
        return int(status), out, err

    def default_request(self, verb, args):
        if verb == "plug" and len(args) == 1:
            self.plug(args[0])
        elif verb == "unplug" and len(args) == 1:
            self.unplug(args[0])
        else:
            return f"unknown request {verb} {' '.join(args)}"
        return None


class Follower:
    """Copies what is appended to a file to a stream (the guest writes it over 9p)."""

    def __init__(self, path, stream):
        self.path, self.stream, self.offset = path, stream, 0

    def poll(self):
        with contextlib.suppress(FileNotFoundError):
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read(1 << 20)
            if data:
                self.offset += len(data)
                self.stream.write(data)
                self.stream.flush()


def read_text(path):
    try:
        with open(path, "rb") as f:
            return f.read(1 << 20).decode("utf-8", "replace")
    except FileNotFoundError:
        return ""


# ---------------------------------------------------------------------------------------------
# Scenarios


class Scenario:
    """A guest-side script with header directives (comment lines at the top):
        # e2e-stick: NAME serial=S label=L [size=MIB] [nopart] [coldplug]
        # e2e-timeout: SECONDS
        # e2e-fresh-vm        (boot a VM of its own)
    """

    def __init__(self, path):
        self.path = os.path.abspath(path)
        self.name = os.path.basename(path)[:-3] if path.endswith(".sh") else None
        self.sticks = []
        self.timeout = DEFAULT_SCENARIO_TIMEOUT
        self.fresh_vm = False
        if not self.name or not re.match(r"^\d\d-[a-z0-9-]+$", self.name):
            raise ValueError(f"{path}: scenario files are named NN-lower-case-name.sh")
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.startswith("#"):
                    break
                m = re.match(r"^# e2e-([a-z-]+):?\s*(.*?)\s*$", line)
                if m:
                    try:
                        self._directive(m.group(1), m.group(2))
                    except ValueError as e:
                        raise ValueError(f"{path}:{n}: {e}") from None
        names = [s.name for s in self.sticks]
        if len(set(names)) != len(names):
            raise ValueError(f"{path}: two sticks have the same name")
        self.coldplug = any(s.coldplug for s in self.sticks)

    def check_guest_visible(self, config):
        """Raise ValueError when the guest cannot read the file: it sees the shared source and
        build trees wherever they are, and the rest of the host's tree except where it mounts
        its own filesystems."""
        path = config.guest_path(self.path)
        if path != self.path:
            return
        for hidden in GUEST_PRIVATE_DIRS:
            if path == hidden or path.startswith(hidden + "/"):
                raise ValueError(f"{self.path}: the guest has its own {hidden}; put scenarios "
                                 "where the guest can read them (e.g. the source tree)")

    def _directive(self, key, value):
        if key == "stick":
            words = value.split()
            if not words:
                raise ValueError("e2e-stick needs a name")
            opts = {"size": "32"}
            flags = set()
            for w in words[1:]:
                if "=" in w:
                    k, v = w.split("=", 1)
                    if k not in ("serial", "label", "size") or k in opts and k != "size":
                        raise ValueError(f"unknown or repeated stick option {k!r}")
                    opts[k] = v
                elif w in ("coldplug", "nopart"):
                    flags.add(w)
                else:
                    raise ValueError(f"unknown stick flag {w!r}")
            for k in ("serial", "label"):
                if k not in opts:
                    raise ValueError(f"stick {words[0]} needs {k}=")
            if not opts["size"].isdigit():
                raise ValueError(f"stick size {opts['size']!r} is not a number of MiB")
            self.sticks.append(Stick(words[0], opts["serial"], opts["label"],
                                     int(opts["size"]), "nopart" not in flags,
                                     "coldplug" in flags))
        elif key == "timeout":
            if not value.isdigit() or not 1 <= int(value) <= 1800:
                raise ValueError(f"e2e-timeout {value!r}: give 1 to 1800 seconds")
            self.timeout = int(value)
        elif key == "fresh-vm":
            if value:
                raise ValueError("e2e-fresh-vm takes no value")
            self.fresh_vm = True
        else:
            raise ValueError(f"unknown directive e2e-{key}")


def plan_sessions(scenarios):
    """Group scenarios into VM boots. Every scenario that can share a VM runs in one boot:
    first those with cold-plugged sticks (attached at boot, so still untouched when they run;
    each one's sticks are pulled out after it), then the others, each group in registration
    order. A scenario that asks for a fresh VM gets a boot of its own."""
    shared = [sc for sc in scenarios if not sc.fresh_vm]
    shared = [sc for sc in shared if sc.coldplug] + [sc for sc in shared if not sc.coldplug]
    return ([shared] if shared else []) + [[sc] for sc in scenarios if sc.fresh_vm]


def first_fail_line(err):
    for line in err.splitlines():
        if line.startswith("FAIL:"):
            return line[5:].strip()
    return None


class Tap:
    def __init__(self, total):
        print(f"1..{total}", flush=True)
        self.n = 0

    def result(self, ok, name, detail=None, diag=None, skip=None):
        self.n += 1
        if skip is not None:
            print(f"ok {self.n} - {name} # SKIP {skip}", flush=True)
            return
        text = f"{'ok' if ok else 'not ok'} {self.n} - {name}"
        if detail:
            text += f": {detail}"
        print(text, flush=True)
        for line in (diag or "").splitlines():
            print(f"#   {line}", flush=True)


class RunOptions:
    """How a run behaves: keep work dirs, stream scenario output, where artifacts go."""

    def __init__(self, config, keep=False, verbose=False):
        self.keep, self.verbose = keep, verbose
        self.artifacts = os.path.abspath(os.environ.get(
            "E2E_ARTIFACTS_DIR", os.path.join(config.top_builddir, "tests", "artifacts", "e2e")))


def scenario_env(config, sc):
    env = {"E2E_SRCDIR": config.guest_path(config.srcdir),
           "E2E_TOP_SRCDIR": config.guest_path(config.top_srcdir),
           "E2E_TOP_BUILDDIR": config.guest_path(config.top_builddir),
           "E2E_SCRATCH": f"/tmp/e2e-{sc.name}",
           "E2E_ARTIFACTS": f"/run/e2e/artifacts/{sc.name}",
           "E2E_SCENARIO": sc.name, "E2E_STICKS": " ".join(s.name for s in sc.sticks)}
    for s in sc.sticks:
        env.update(s.env())
    return env


def scenario_script(config, sc, vm):
    plugged = "".join(f"export E2E_STICK_{n.upper()}_PLUGGED=1\n" for n in vm.plugged)
    lib = config.guest_path(os.path.join(config.srcdir, "guest", "lib.sh"))
    # -e with an ERR trap: a command that fails unexpectedly fails the scenario and says where.
    return (f"{plugged}mkdir -p \"$E2E_SCRATCH\" \"$E2E_ARTIFACTS\"\n"
            f". {shlex.quote(lib)}\n"
            "set -eu -o pipefail\n"
            "trap 'echo \"FAIL: $E2E_SCENARIO line $LINENO: $BASH_COMMAND exited $?\" >&2' ERR\n"
            f". {shlex.quote(config.guest_path(sc.path))}\n")


def collect_artifacts(vm, sc, opts, failed):
    """Copy what the scenario left in $E2E_ARTIFACTS to the host (and the console and its
    output when it failed); return the directory, or None when there was nothing."""
    dest = os.path.join(opts.artifacts, sc.name)
    shutil.rmtree(dest, ignore_errors=True)
    src = os.path.join(vm.results, "artifacts", sc.name)
    if os.path.isdir(src) and os.listdir(src):
        shutil.copytree(src, dest)
    if failed:
        os.makedirs(dest, exist_ok=True)
        with contextlib.suppress(OSError):
            shutil.copy(vm.console, os.path.join(dest, "console.log"))
        for ext in ("out", "err"):
            with contextlib.suppress(OSError):
                shutil.copy(os.path.join(vm.results, f"c{vm.seq:03d}.{ext}"),
                            os.path.join(dest, f"scenario.{ext}"))
    return dest if os.path.isdir(dest) else None


def report(tap, sc, status, out, err, took, artifacts):
    diag = f"({took:.1f}s)\n{out}{err}"
    if artifacts:
        diag += f"artifacts: {artifacts}\n"
    if status == 0:
        tap.result(True, sc.name, f"{took:.1f}s")
    elif status == SKIP:
        reason = next((line[5:].strip() for line in err.splitlines()
                       if line.startswith("SKIP:")), "scenario skipped without a reason")
        tap.result(True, sc.name, skip=reason)
    elif status in (124, 137):
        tap.result(False, sc.name, f"timed out after {sc.timeout}s", diag)
    else:
        tap.result(False, sc.name,
                   first_fail_line(err) or f"exited {status} without a FAIL: line", diag)


def run_session(config, scenarios, tap, opts):
    """Boot one VM with every stick of these scenarios, run them in order, report each. When
    the VM is lost, the remaining scenarios get a new one."""
    names = [s.name for sc in scenarios for s in sc.sticks]
    if len(set(names)) != len(names):
        # Scenarios sharing a VM must not reuse stick names: give each its own VM instead.
        for sc in scenarios:
            run_session(config, [sc], tap, opts)
        return
    try:
        vm = Vm(config, [s for sc in scenarios for s in sc.sticks], keep=opts.keep)
        vm.__enter__()
    except (HarnessError, OSError, subprocess.SubprocessError) as e:
        for sc in scenarios:
            tap.result(False, sc.name, "the VM did not boot", str(e))
        return
    log(f"VM booted in {vm.boot_seconds:.1f}s (kernel {vm.kernel_release}, "
        f"workdir {vm.workdir})")
    reset = ". " + shlex.quote(config.guest_path(os.path.join(config.srcdir, "guest", "reset.sh")))
    stream = sys.stderr.buffer if opts.verbose else None
    try:
        for i, sc in enumerate(scenarios):
            started = time.monotonic()
            try:
                status, out, err = vm.run(scenario_script(config, sc, vm), sc.timeout,
                                          scenario_env(config, sc), stream=stream)
            except HarnessError as e:
                tap.result(False, sc.name, "the harness lost the VM", str(e))
                collect_artifacts(vm, sc, opts, True)
                lost = True
            else:
                lost = False
                took = time.monotonic() - started
                report(tap, sc, status, out, err, took,
                       collect_artifacts(vm, sc, opts, status not in (0, SKIP)))
            rest = scenarios[i + 1:]
            if not lost and rest:
                # Whatever the scenario left plugged is pulled out, and the guest state it may
                # have changed is reset, before the next one.
                try:
                    for s in sc.sticks:
                        if s.name in vm.plugged:
                            vm.unplug(s.name)
                    status, _, err = vm.run(reset, 60)
                    if status != 0:
                        raise HarnessError(f"guest/reset.sh exited {status}: {err.strip()}")
                except HarnessError as e:
                    log(f"cleaning up after {sc.name} failed, next scenarios get a new VM: {e}")
                    lost = True
            if lost:
                vm.kill()  # it is not listening any more: no polite power-off
                vm.close()
                if rest:
                    run_session(config, rest, tap, opts)
                return
    finally:
        vm.close()


def load_scenarios(config, paths):
    scenarios = []
    for p in paths:
        scenarios.append(Scenario(p))
        scenarios[-1].check_guest_visible(config)
    return scenarios


def cmd_run(args):
    flags = {a for a in args if a.startswith("--")}
    paths = [a for a in args if not a.startswith("--")]
    if flags - {"--keep", "--verbose"}:
        print(f"harness: unknown option {sorted(flags - {'--keep', '--verbose'})[0]}",
              file=sys.stderr)
        return 2
    if os.environ.get("FUTARI_E2E_SKIP"):
        print(f"1..0 # SKIP {os.environ['FUTARI_E2E_SKIP']}")
        return 0
    config = Config()
    try:
        scenarios = load_scenarios(config, paths)
    except (ValueError, OSError) as e:
        print("1..1\nnot ok 1 - scenario headers: " + str(e).replace("\n", " "))
        return 1
    try:
        config.check()
    except Skip as e:
        print(f"1..0 # SKIP {e}")
        return 0
    opts = RunOptions(config, keep="--keep" in flags or os.environ.get("E2E_KEEP") == "1",
                      verbose="--verbose" in flags)
    tap = Tap(len(scenarios))
    started = time.monotonic()
    sessions = plan_sessions(scenarios)
    log(f"{len(scenarios)} scenarios in {len(sessions)} VM boots, kernel {config.kver}")
    for group in sessions:
        run_session(config, group, tap, opts)
    log(f"e2e total {time.monotonic() - started:.1f}s")
    return 0


def cmd_lint(args):
    """Check scenarios without a VM: headers parse, scripts are valid bash, and every
    scenarios/*.sh file is registered (passed here), so none is silently left out."""
    registered = {os.path.abspath(p) for p in args}
    present = {os.path.abspath(p) for p in glob.glob(os.path.join(HERE, "scenarios", "*.sh"))}
    problems = []
    for p in sorted(present - registered):
        problems.append(f"{p} is not registered in tests/e2e/Makefile.am SCENARIOS")
    for p in sorted(registered):
        try:
            Scenario(p)
        except (ValueError, OSError) as e:
            problems.append(str(e))
    scripts = sorted(registered) + [os.path.join(HERE, "guest", n)
                                     for n in ("stage2.sh", "lib.sh", "reset.sh")]
    for p in scripts:
        res = subprocess.run(["bash", "-n", p], capture_output=True, text=True)
        if res.returncode != 0:
            problems.append(f"bash -n {p}: {res.stderr.strip()}")
    if shutil.which("busybox"):
        res = subprocess.run(["busybox", "sh", "-n", os.path.join(HERE, "guest", "init")],
                             capture_output=True, text=True)
        if res.returncode != 0:
            problems.append(f"busybox sh -n guest/init: {res.stderr.strip()}")
    for p in problems:
        print(f"FAIL: {p}", file=sys.stderr)
    return 1 if problems else 0


def cmd_shell(args):
    """Boot a VM with sticks s1 and s2 (unplugged) and run each line of stdin in the guest;
    `!plug NAME` and `!unplug NAME` act on the host side. For exploring, not for tests."""
    config = Config()
    config.check()
    sticks = [Stick("s1", "FUT-SHELL-1", "SHELL1"), Stick("s2", "FUT-SHELL-2", "SHELL2")]
    with Vm(config, sticks, keep="--keep" in args) as vm:
        print(f"booted in {vm.boot_seconds:.1f}s; work dir {vm.workdir}; "
              "lines run in the guest, !plug s1 / !unplug s1 act on the host", file=sys.stderr)
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            try:
                if line.startswith("!"):
                    words = line[1:].split()
                    why = vm.default_request(words[0], words[1:]) if words else "empty"
                    print(f"host: {why or 'ok'}", file=sys.stderr)
                    continue
                status, out, err = vm.run(line, timeout=300)
            except HarnessError as e:
                print(f"host: {e}", file=sys.stderr)
                continue
            sys.stdout.write(out)
            sys.stderr.write(err)
            print(f"[exit {status}]", file=sys.stderr)
    return 0


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[0], argv[1:]
    if cmd == "run":
        return cmd_run(args)
    if cmd == "lint":
        return cmd_lint(args)
    if cmd == "shell":
        return cmd_shell(args)
    if cmd == "check-env":
        try:
            Config().check()
        except Skip as e:
            print(f"SKIP: {e}", file=sys.stderr)
            return SKIP
        return 0
    if cmd == "initramfs":
        config = Config()
        config.check()
        print(build_initramfs(config))
        return 0
    if cmd == "stick" and len(args) == 3:
        Stick("stick", args[1], args[2]).create(args[0])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


def _exit_on_signal(signum, frame):
    # Unwind through the finally blocks, which kill QEMU and remove temp dirs.
    global _stopping
    _stopping = True
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, _exit_on_signal)
    try:
        sys.exit(main(sys.argv[1:]))
    except (HarnessError, ValueError) as e:
        print(f"harness: {e}", file=sys.stderr)
        sys.exit(1)
