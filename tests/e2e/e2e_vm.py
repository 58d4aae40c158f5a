#!/usr/bin/env python3
"""futari end-to-end harness: the QEMU guest (boot, QMP, the control port, hot-plug). See
harness.py."""

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
from e2e_image import *  # noqa: F401,F403


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
        if self.kernel_release is None or STATE["stopping"]:
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


