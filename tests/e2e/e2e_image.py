#!/usr/bin/env python3
"""futari end-to-end harness: the environment (kernel, modules, trees), the initramfs and the
stick images. See harness.py."""

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

from e2e_common import *  # noqa: F401,F403


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


